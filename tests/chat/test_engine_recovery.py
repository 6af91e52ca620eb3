"""The chat service over an engine process that dies: the history keeps every word, the app
goes on, safe mode is found and remembered. On the real model and a real history file."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from contextlib import closing
from pathlib import Path

import psutil
import pytest

from desktop_llm.chat import GenerationParams
from desktop_llm.chat.service import ChatService
from desktop_llm.engine.host import FAULT_VARIABLE
from desktop_llm.engine.machine import cpu_fingerprint
from desktop_llm.paths import AppPaths
from desktop_llm.settings import load_settings
from desktop_llm.storage import HistoryStore

STORY = "Write a very long story about a dragon who learns to bake bread."
TIMEOUT = 120.0


def run_python(code: str, **options: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload]
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, timeout=300, check=False, **options,
    )


def test_the_app_process_never_loads_llama_cpp(paths: AppPaths, model_path: Path) -> None:
    """A whole chat and `info` through the core, then a look at what this process loaded."""
    probe = f"""
        import json, sys
        from pathlib import Path
        from desktop_llm.cli import main
        assert main(["chat", "--model", {str(model_path)!r}, "--max-tokens", "8", "Hi"]) == 0
        assert main(["info", "--json"]) == 0
        maps = Path("/proc/self/maps").read_text()
        print("PROBE", json.dumps({{
            "modules": sorted(m for m in sys.modules if m.split(".")[0] == "llama_cpp"),
            "libraries": sorted({{line.split()[-1] for line in maps.splitlines()
                                  if "libllama" in line or "libggml" in line}}),
        }}))
    """
    done = run_python(probe)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.split("PROBE ", 1)[1])
    assert report == {"modules": [], "libraries": []}
    # The probe did chat: its reply and the engine's backend were printed.
    assert '"backend": "CPU"' in done.stdout


def test_a_reply_cut_by_an_engine_crash_is_saved_and_the_next_is_answered(
    paths: AppPaths, model_path: Path
) -> None:
    with ChatService.open(paths) as service:
        service.load_model(model_path).result(timeout=TIMEOUT)
        streamed: list[str] = []
        enough = threading.Event()

        def receive(text: str) -> None:
            streamed.append(text)
            if len("".join(streamed)) > 60:
                enough.set()

        reply = service.send(
            None, STORY, params=GenerationParams(seed=1, max_tokens=800), on_text=receive
        )
        assert enough.wait(TIMEOUT)
        engine_pid = service.engine_pid
        assert engine_pid is not None
        os.kill(engine_pid, signal.SIGKILL)
        saved = reply.done.result(timeout=TIMEOUT)
        assert saved.finish_reason == "error"
        assert saved.content == "".join(streamed)
        assert saved.error == (
            "The engine stopped unexpectedly (killed) while writing this reply; "
            "the text above was kept."
        )

        # Same conversation, next message: the engine comes back with the model by itself.
        follow_up = service.send(
            reply.conversation.id, "Thanks. What is 2 + 2?",
            params=GenerationParams(seed=1, max_tokens=16),
        ).done.result(timeout=TIMEOUT)
        assert follow_up.finish_reason in ("stop", "length"), follow_up.error
        assert follow_up.content
        assert service.engine_pid not in (None, engine_pid)

    with HistoryStore.open(paths.database) as store:
        kept = store.list_messages(reply.conversation.id)
        assert [m.role for m in kept] == ["user", "assistant", "user", "assistant"]
        assert kept[1].content == saved.content and kept[1].finish_reason == "error"
    with closing(sqlite3.connect(paths.database)) as database:
        assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_safe_mode_is_found_remembered_and_shown(
    paths: AppPaths, model_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as faults:
        faults.setenv(
            FAULT_VARIABLE, f"{os.environ.get(FAULT_VARIABLE, '')},crash-on-decode-unless-safe"
        )
        with ChatService.open(paths) as service:
            heard: list[str] = []
            service.add_engine_listener(lambda event: heard.append(event.kind))
            loaded = service.load_model(model_path).result(timeout=TIMEOUT)
            assert loaded.safe_mode
            assert heard == ["stopped", "safe_mode"]
            status = service.safe_mode()
            assert status.on and status.choice == "auto"
            assert status.reason and "safe mode turns them off" in status.reason
            answer = service.send(
                None, "Hello!", params=GenerationParams(seed=1, max_tokens=8)
            ).done.result(timeout=TIMEOUT)
            assert answer.finish_reason in ("stop", "length"), answer.error

        saved = load_settings(paths.settings_file)
        assert saved.safe_mode_detected is not None
        assert saved.safe_mode_detected["cpu"] == cpu_fingerprint()

        # Next start: safe mode from the first load, with no crash on the way.
        with ChatService.open(paths) as service:
            heard = []
            service.add_engine_listener(lambda event: heard.append(event.kind))
            assert service.load_model(model_path).result(timeout=TIMEOUT).safe_mode
            assert heard == []

    info = subprocess.run(
        [sys.executable, "-m", "desktop_llm", "info", "--json"],
        capture_output=True, text=True, timeout=300, check=True,
    )
    safe_mode = json.loads(info.stdout)["safe_mode"]
    assert safe_mode["on"] is True and safe_mode["setting"] == "auto"
    assert "safe mode turns them off" in safe_mode["reason"]


def test_a_remembered_verdict_about_another_cpu_is_ignored(paths: AppPaths) -> None:
    from dataclasses import replace

    from desktop_llm.settings import Settings, save_settings

    save_settings(
        replace(Settings(), safe_mode_detected={"cpu": "another-cpu", "reason": "elsewhere"}),
        paths.settings_file,
    )
    with ChatService.open(paths) as service:
        assert not service.safe_mode().on
        service.update_settings(
            lambda settings: replace(settings, load=replace(settings.load, safe_mode="on"))
        )
        assert service.safe_mode().on
        assert service.safe_mode().reason == "turned on in the model settings"


def test_when_the_app_is_killed_its_engine_exits_within_5_seconds(
    paths: AppPaths, model_path: Path
) -> None:
    app = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from pathlib import Path
            from desktop_llm.chat import GenerationParams
            from desktop_llm.chat.service import ChatService
            from desktop_llm.paths import app_paths
            service = ChatService.open(app_paths())
            service.load_model(Path({str(model_path)!r})).result(timeout=120)
            service.send(None, {STORY!r}, params=GenerationParams(max_tokens=4000),
                         on_text=lambda _t: None)
            print(service.engine_pid, flush=True)
            time.sleep(600)
        """)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert app.stdout is not None
        engine_pid = int(app.stdout.readline())
        engine = psutil.Process(engine_pid)
        assert engine.ppid() == app.pid
        time.sleep(0.5)  # mid-reply
        app.kill()
        app.wait()
        assert _ended_within(engine, 5.0), "the engine process outlived the app by over 5 s"
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
        if app.stdout is not None:
            app.stdout.close()


def _ended_within(process: psutil.Process, seconds: float) -> bool:
    """True once the process is gone, or a zombie (ended, waiting for init to reap it)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if process.status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    process.kill()
    return False
