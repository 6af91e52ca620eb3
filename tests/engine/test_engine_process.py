"""The engine process (the app's local engine) on the real llama.cpp and the default model.

Everything here goes through the pipe to ``python -m desktop_llm.engine.host``, as the app
does; the crash and recovery cases are in test_engine_crashes.py.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from desktop_llm.engine.client import EngineProcess
from desktop_llm.engine.types import ChatTurn, GenerationParams, LoadSettings
from desktop_llm.errors import ModelLoadError, NoModelLoadedError
from tests.gguf_files import copy_with_metadata, truncated_copy

QUESTION = [ChatTurn("user", "What is the capital of France?")]
STORY = [ChatTurn("user", "Write a very long story about a dragon who learns to bake bread.")]


@pytest.fixture(scope="module")
def worker(model_path: Path) -> Iterator[EngineProcess]:
    engine = EngineProcess()
    engine.load(model_path, LoadSettings(n_ctx=2048)).result(timeout=60)
    yield engine
    pid = engine.pid
    engine.shutdown()
    assert pid is not None and not psutil.pid_exists(pid)  # asked to exit, and reaped
    assert not [t for t in threading.enumerate() if t.name.startswith("engine-")]


def test_load_reports_what_llama_cpp_did(worker: EngineProcess, model_path: Path) -> None:
    loaded = worker.loaded
    assert loaded is not None
    assert loaded.path == model_path
    assert loaded.n_ctx == 2048
    # SmolLM2-135M has 30 blocks; llama.cpp counts the output layer too.
    assert loaded.n_layers == 31
    assert loaded.gpu_layers == 0  # no GPU on this machine: the app must say so
    assert loaded.on_cpu_only
    assert "<|im_start|>" in (loaded.chat_template or "")


def test_reply_streams_in_pieces_that_add_up(worker: EngineProcess) -> None:
    pieces: list[str] = []
    threads: set[str] = set()

    def receive(piece: str) -> None:
        pieces.append(piece)
        threads.add(threading.current_thread().name)

    result = worker.generate(QUESTION, GenerationParams(seed=7, max_tokens=48), receive)
    outcome = result.future.result(timeout=60)
    assert len(pieces) > 3
    assert "".join(pieces) == outcome.text
    assert outcome.finish_reason in ("stop", "length")
    assert outcome.prompt_tokens > 10
    assert 0 < outcome.completion_tokens <= 48
    assert outcome.tokens_per_second and outcome.tokens_per_second > 1
    assert outcome.time_to_first_token is not None and outcome.time_to_first_token > 0
    assert threads == {"engine-reader"}  # text arrives from the pipe's one reader
    # Batched (about thirty messages a second), not one message per token.
    assert len(pieces) < outcome.completion_tokens


def test_same_seed_gives_same_reply(worker: EngineProcess) -> None:
    params = GenerationParams(seed=42, max_tokens=24)
    first = worker.generate(QUESTION, params, lambda _p: None).future.result(timeout=60)
    second = worker.generate(QUESTION, params, lambda _p: None).future.result(timeout=60)
    assert first.text == second.text


def test_max_tokens_ends_with_length(worker: EngineProcess) -> None:
    outcome = worker.generate(
        STORY, GenerationParams(seed=1, max_tokens=12), lambda _p: None
    ).future.result(timeout=60)
    assert outcome.finish_reason == "length"
    assert outcome.completion_tokens == 12


def test_stop_takes_effect_within_one_token(worker: EngineProcess) -> None:
    pieces: list[str] = []
    started = threading.Event()

    def receive(piece: str) -> None:
        pieces.append(piece)
        started.set()

    generation = worker.generate(STORY, GenerationParams(seed=3, max_tokens=1000), receive)
    assert started.wait(30)
    worker.stop()  # what the Stop button calls, from another thread
    outcome = generation.future.result(timeout=30)
    assert outcome.finish_reason == "cancelled"
    assert outcome.completion_tokens < 1000
    # Counted by the engine against the moment the stop reached it: at most the one token
    # that was being sampled then.
    assert outcome.tokens_after_stop is not None and outcome.tokens_after_stop <= 1
    assert outcome.text == "".join(pieces)


def test_a_queued_reply_that_is_stopped_never_starts(worker: EngineProcess) -> None:
    busy = threading.Event()
    running = worker.generate(
        STORY, GenerationParams(seed=5, max_tokens=400), lambda _piece: busy.set()
    )
    assert busy.wait(30)
    queued = worker.generate(STORY, GenerationParams(seed=5), lambda _p: None)
    worker.stop()
    assert running.future.result(timeout=30).finish_reason == "cancelled"
    skipped = queued.future.result(timeout=30)
    assert skipped.finish_reason == "cancelled"
    assert skipped.text == "" and skipped.completion_tokens == 0


def test_long_history_is_trimmed_to_the_context(model_path: Path) -> None:
    engine = EngineProcess()
    try:
        engine.load(model_path, LoadSettings(n_ctx=512)).result(timeout=60)
        history = []
        for turn in range(30):
            history.append(ChatTurn("user", f"Question {turn}: tell me about the number {turn}."))
            history.append(ChatTurn("assistant", f"The number {turn} is a fine number. " * 4))
        history.append(ChatTurn("user", "Thanks! What is 2 + 2?"))
        outcome = engine.generate(
            history, GenerationParams(seed=1, max_tokens=32), lambda _p: None
        ).future.result(timeout=60)
        assert outcome.finish_reason in ("stop", "length"), outcome.error
        assert outcome.prompt_tokens + outcome.completion_tokens <= 512
    finally:
        engine.shutdown()


def test_a_message_longer_than_the_context_is_explained(model_path: Path) -> None:
    engine = EngineProcess()
    try:
        engine.load(model_path, LoadSettings(n_ctx=256)).result(timeout=60)
        huge = [ChatTurn("user", "word " * 2000)]
        outcome = engine.generate(huge, GenerationParams(), lambda _p: None).future.result(60)
        assert outcome.finish_reason == "error"
        assert outcome.error is not None
        assert "context of 256" in outcome.error
    finally:
        engine.shutdown()


def test_generating_without_a_model_is_an_error_result() -> None:
    engine = EngineProcess()
    try:
        outcome = engine.generate(QUESTION, GenerationParams(), lambda _p: None).future.result(10)
        assert outcome.finish_reason == "error"
        assert "No model is loaded" in (outcome.error or "")
        with pytest.raises(NoModelLoadedError):
            engine.count_prompt_tokens(QUESTION).result(10)
    finally:
        engine.shutdown()


@pytest.fixture(scope="class")
def engine() -> Iterator[EngineProcess]:
    engine = EngineProcess()
    yield engine
    engine.shutdown()


class TestRefusedFiles:
    """Bad files give a sentence that names the problem, and the worker keeps working."""

    def _refusal(self, engine: EngineProcess, path: Path) -> str:
        with pytest.raises(ModelLoadError) as refused:
            engine.load(path).result(timeout=60)
        assert engine.loaded is None
        return str(refused.value)

    def test_missing_file(self, engine: EngineProcess, tmp_path: Path) -> None:
        assert "does not exist" in self._refusal(engine, tmp_path / "gone.gguf")

    def test_folder(self, engine: EngineProcess, tmp_path: Path) -> None:
        assert "is a folder" in self._refusal(engine, tmp_path)

    def test_not_a_gguf(self, engine: EngineProcess, tmp_path: Path) -> None:
        fake = tmp_path / "notes.gguf"
        fake.write_text("these are my notes, not a model " * 10)
        assert "not a GGUF model file" in self._refusal(engine, fake)

    def test_empty_file(self, engine: EngineProcess, tmp_path: Path) -> None:
        empty = tmp_path / "empty.gguf"
        empty.write_bytes(b"")
        assert "empty or was cut off" in self._refusal(engine, empty)

    def test_truncated_download(
        self, engine: EngineProcess, model_path: Path, tmp_path: Path
    ) -> None:
        cut = truncated_copy(model_path, tmp_path / "cut.gguf", 0.5)
        message = self._refusal(engine, cut)
        assert "cut.gguf" in message
        assert "Traceback" not in message

    def test_broken_chat_template(
        self, engine: EngineProcess, model_path: Path, tmp_path: Path
    ) -> None:
        # A template that does not parse is the file's only fault: the model loads with a
        # warning and a generic template, instead of not loading at all.
        broken = copy_with_metadata(
            model_path, tmp_path / "broken-template.gguf",
            {"tokenizer.chat_template": "{% for m in messages %}{{ m.content }"},
        )
        loaded = engine.load(broken, LoadSettings(n_ctx=512)).result(timeout=60)
        assert loaded.warnings == (
            "The chat template inside broken-template.gguf does not parse (unexpected '}'); "
            "using a generic ChatML template instead.",
        )
        outcome = engine.generate(
            QUESTION, GenerationParams(seed=1, max_tokens=8), lambda _p: None
        ).future.result(timeout=60)
        assert outcome.finish_reason in ("stop", "length"), outcome.error
        assert outcome.completion_tokens > 0
        engine.unload().result(timeout=60)

    def test_out_of_memory(self, engine: EngineProcess, model_path: Path) -> None:
        # A KV cache for 40 million tokens needs close to a terabyte: no machine has it.
        with pytest.raises(ModelLoadError) as refused:
            engine.load(model_path, LoadSettings(n_ctx=40_000_000)).result(timeout=120)
        message = str(refused.value)
        assert message.startswith("Not enough memory")
        assert "shorter context length" in message

    def test_worker_still_answers_after_refusals(
        self, engine: EngineProcess, model_path: Path, tmp_path: Path
    ) -> None:
        self._refusal(engine, tmp_path / "missing.gguf")
        engine.load(model_path).result(timeout=60)
        outcome = engine.generate(
            QUESTION, GenerationParams(seed=1, max_tokens=8), lambda _p: None
        ).future.result(timeout=60)
        assert outcome.completion_tokens > 0
