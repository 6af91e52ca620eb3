"""The engine process dying, stuck or speaking another protocol: each is an event the app
survives, on the real model.

A crash inside llama.cpp needs a machine that has one (an AMX CPU, a GPU driver fault), so
the engine is made to die on purpose: SIGKILL from outside, or DESKTOP_LLM_ENGINE_FAULT
asking the engine process itself to die by SIGSEGV or SIGABRT where llama.cpp would.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_llm.engine.client import EngineEvent, EngineProcess
from desktop_llm.engine.host import FAULT_VARIABLE
from desktop_llm.engine.types import ChatTurn, GenerationParams, LoadSettings
from desktop_llm.errors import EngineStoppedError, NoModelLoadedError

STORY = [ChatTurn("user", "Write a very long story about a dragon who learns to bake bread.")]
QUESTION = [ChatTurn("user", "What is the capital of France?")]
SETTINGS = LoadSettings(n_ctx=1024)
TIMEOUT = 120


def faulty(fault: str) -> dict[str, str]:
    """The environment with one more fault for the engine (added to any already asked for:
    a run that plays an AMX machine keeps playing one)."""
    return {**os.environ, FAULT_VARIABLE: f"{os.environ.get(FAULT_VARIABLE, '')},{fault}"}


class Events:
    def __init__(self, engine: EngineProcess) -> None:
        self.seen: list[EngineEvent] = []
        engine.add_listener(self.seen.append)

    def kinds(self) -> list[str]:
        return [event.kind for event in self.seen]


@pytest.fixture
def engine(safe_mode_needed: bool) -> Iterator[EngineProcess]:
    engine = EngineProcess(safe_mode=safe_mode_needed)
    yield engine
    engine.shutdown()


def test_sigkill_mid_reply_keeps_the_text_and_the_next_reply_restarts_it(
    engine: EngineProcess, model_path: Path
) -> None:
    events = Events(engine)
    engine.load(model_path, SETTINGS).result(timeout=TIMEOUT)
    first_pid = engine.pid
    assert first_pid is not None
    pieces: list[str] = []
    enough = threading.Event()

    def receive(piece: str) -> None:
        pieces.append(piece)
        if len("".join(pieces)) > 40:
            enough.set()

    generation = engine.generate(STORY, GenerationParams(seed=1, max_tokens=800), receive)
    assert enough.wait(TIMEOUT)
    os.kill(first_pid, signal.SIGKILL)
    outcome = generation.future.result(timeout=TIMEOUT)

    assert outcome.finish_reason == "error"
    assert outcome.text == "".join(pieces) and len(outcome.text) > 40
    assert outcome.error == (
        "The engine stopped unexpectedly (killed) while writing this reply; "
        "the text above was kept."
    )
    assert engine.loaded is None
    assert events.kinds() == ["stopped"]
    assert "killed" in events.seen[0].message

    # The next request starts a new process and brings the model back by itself.
    again = engine.generate(QUESTION, GenerationParams(seed=1, max_tokens=12), lambda _p: None)
    answer = again.future.result(timeout=TIMEOUT)
    assert answer.finish_reason in ("stop", "length"), answer.error
    assert answer.completion_tokens > 0
    assert engine.pid not in (None, first_pid)
    assert engine.loaded is not None and engine.loaded.path == model_path


def test_a_crash_before_any_text_says_so(engine: EngineProcess, model_path: Path) -> None:
    engine.load(model_path, SETTINGS).result(timeout=TIMEOUT)
    pid = engine.pid
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)  # held before it can say anything
    generation = engine.generate(STORY, GenerationParams(seed=1), lambda _p: None)
    os.kill(pid, signal.SIGKILL)
    outcome = generation.future.result(timeout=TIMEOUT)
    assert outcome.finish_reason == "error"
    assert outcome.text == ""
    assert outcome.error == "The engine stopped unexpectedly (killed) before this reply began."


def test_an_engine_that_aborts_while_loading(model_path: Path) -> None:
    engine = EngineProcess(env=faulty("crash-on-load"), retry_in_safe_mode=False)
    try:
        events = Events(engine)
        with pytest.raises(EngineStoppedError) as stopped:
            engine.load(model_path, SETTINGS).result(timeout=TIMEOUT)
        assert str(stopped.value).startswith(
            "The engine stopped unexpectedly (aborted) while loading the model; the app is fine."
        )
        assert engine.loaded is None
        assert events.kinds() == ["stopped"]
    finally:
        engine.shutdown()


def test_a_load_that_crashes_in_safe_mode_too_is_reported_not_remembered(
    model_path: Path,
) -> None:
    engine = EngineProcess(env=faulty("crash-on-load"))
    try:
        events = Events(engine)
        with pytest.raises(EngineStoppedError, match=r"\(aborted\) while loading"):
            engine.load(model_path, SETTINGS).result(timeout=TIMEOUT)
        # Tried twice (the second time in safe mode); safe mode did not help, so nothing
        # is said about this machine needing it.
        assert events.kinds() == ["stopped", "stopped"]
        assert not engine.safe_mode
    finally:
        engine.shutdown()


def test_a_crash_at_the_first_decode_is_retried_in_safe_mode(model_path: Path) -> None:
    engine = EngineProcess(env=faulty("crash-on-decode-unless-safe"))
    try:
        events = Events(engine)
        loaded = engine.load(model_path, SETTINGS).result(timeout=TIMEOUT)
        assert loaded.safe_mode
        assert engine.safe_mode
        assert events.kinds() == ["stopped", "safe_mode"]
        assert "(segmentation fault)" in events.seen[0].message
        assert "safe mode turns them off on this machine" in events.seen[1].message
        answer = engine.generate(
            QUESTION, GenerationParams(seed=1, max_tokens=12), lambda _p: None
        ).future.result(timeout=TIMEOUT)
        assert answer.finish_reason in ("stop", "length"), answer.error
    finally:
        engine.shutdown()


def test_safe_mode_off_by_hand_is_not_retried(model_path: Path) -> None:
    engine = EngineProcess(env=faulty("crash-on-decode-unless-safe"), retry_in_safe_mode=False)
    try:
        with pytest.raises(EngineStoppedError, match=r"\(segmentation fault\) while loading"):
            engine.load(model_path, SETTINGS).result(timeout=TIMEOUT)
        assert not engine.safe_mode
    finally:
        engine.shutdown()


def test_an_engine_that_ignores_stop_is_killed_and_restarted(
    model_path: Path, safe_mode_needed: bool
) -> None:
    engine = EngineProcess(env=faulty("ignore-cancel"), safe_mode=safe_mode_needed)
    try:
        events = Events(engine)
        engine.load(model_path, SETTINGS).result(timeout=TIMEOUT)
        stuck_pid = engine.pid
        started = threading.Event()
        generation = engine.generate(
            STORY, GenerationParams(seed=2, max_tokens=4000), lambda _p: started.set()
        )
        assert started.wait(TIMEOUT)
        engine.stop()
        outcome = generation.future.result(timeout=TIMEOUT)
        # Stopped as asked, with what it had written; the engine paid for ignoring it.
        assert outcome.finish_reason == "cancelled"
        assert outcome.text
        assert events.kinds() == ["stopped"]
        assert "did not stop within 2 seconds" in events.seen[0].message
        answer = engine.generate(
            QUESTION, GenerationParams(seed=1, max_tokens=8), lambda _p: None
        ).future.result(timeout=TIMEOUT)
        assert answer.completion_tokens > 0
        assert engine.pid != stuck_pid
    finally:
        engine.shutdown()


def test_an_engine_of_another_protocol_version_is_refused(tmp_path: Path) -> None:
    impostor = tmp_path / "old_engine.py"
    impostor.write_text(
        "import json, sys, time\n"
        "print(json.dumps({'type': 'hello', 'protocol': 0, 'pid': 1}), flush=True)\n"
        "time.sleep(60)\n"
    )
    engine = EngineProcess(command=[sys.executable, str(impostor)])
    try:
        with pytest.raises(EngineStoppedError) as refused:
            engine.backend_info().result(timeout=TIMEOUT)
        assert "protocol 0" in str(refused.value) and "reinstall" in str(refused.value)
    finally:
        engine.shutdown()


def test_an_engine_that_cannot_start_says_why(tmp_path: Path) -> None:
    broken = tmp_path / "broken_engine.py"
    broken.write_text("import sys\nsys.exit('llama.cpp library not found')\n")
    engine = EngineProcess(command=[sys.executable, str(broken)])
    try:
        with pytest.raises(EngineStoppedError) as refused:
            engine.backend_info().result(timeout=TIMEOUT)
        assert str(refused.value) == "The engine could not start: llama.cpp library not found"
    finally:
        engine.shutdown()


def test_errors_cross_the_pipe_with_their_kind(engine: EngineProcess) -> None:
    # The engine's "error" message: the same class and sentence as in the engine process.
    with pytest.raises(NoModelLoadedError, match="No model is loaded"):
        engine.count_prompt_tokens(QUESTION).result(timeout=TIMEOUT)


def test_hello_describes_the_build_and_devices(engine: EngineProcess) -> None:
    backend = engine.backend_info().result(timeout=TIMEOUT)
    assert backend.backend == "CPU"  # no GPU here
    assert "CPU" in backend.system_info
    devices = engine.devices().result(timeout=TIMEOUT)
    cpu = next(device for device in devices if device.kind == "cpu")
    assert cpu.total_bytes > 1 << 30


def test_a_crash_in_the_first_reply_is_retried_in_safe_mode(
    model_path: Path, safe_mode_needed: bool
) -> None:
    if safe_mode_needed:
        pytest.skip(
            "this CPU crashes llama.cpp at the load's warm-up already, so the first reply is "
            "never reached outside safe mode (that retry is tested by the load tests)"
        )
    engine = EngineProcess(env=faulty("crash-on-reply-unless-safe"))
    try:
        events = Events(engine)
        assert not engine.load(model_path, SETTINGS).result(timeout=TIMEOUT).safe_mode
        answer = engine.generate(
            QUESTION, GenerationParams(seed=1, max_tokens=12), lambda _p: None
        ).future.result(timeout=TIMEOUT)
        # The user sees an answer; the crash and the retry happened underneath.
        assert answer.finish_reason in ("stop", "length"), answer.error
        assert answer.completion_tokens > 0
        assert events.kinds() == ["stopped", "safe_mode"]
        assert "while writing its first reply" in events.seen[1].message
        assert engine.loaded is not None and engine.loaded.safe_mode
    finally:
        engine.shutdown()


def test_the_app_executable_can_be_the_engine(model_path: Path) -> None:
    """What a frozen app does (no ``python -m``): run its own entry point with a flag."""
    engine = EngineProcess(command=[sys.executable, "-m", "desktop_llm", "--engine-host"])
    try:
        engine.load(model_path, SETTINGS).result(timeout=TIMEOUT)
        answer = engine.generate(
            QUESTION, GenerationParams(seed=1, max_tokens=6), lambda _p: None
        ).future.result(timeout=TIMEOUT)
        assert answer.completion_tokens > 0
    finally:
        engine.shutdown()
