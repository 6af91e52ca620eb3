"""The desktop-llm command line, run for real in a subprocess on the bundled model.

Every run gets this test's own DESKTOP_LLM_HOME, so what one command saves is what the next
one reads, exactly as for a user typing them one after the other.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from desktop_llm import __version__
from desktop_llm.engine.host import FAULT_VARIABLE
from desktop_llm.engine.machine import default_threads
from tests.gguf_files import truncated_copy

QUESTION = "What is the capital of France?"
STORY = "Write a very long story about a dragon who learns to bake bread."
# Generous: the first run of a test session may wait for a cold disk, and the machine is shared.
RUN_TIMEOUT = 180
PYTHON_M = (sys.executable, "-m", "desktop_llm")

CHAT_JSON_KEYS = {
    "conversation_id", "message_id", "model", "reply", "finish_reason", "prompt_tokens",
    "completion_tokens", "tokens_per_second", "time_to_first_token", "error",
}
CONVERSATION_KEYS = {
    "id", "title", "created_at", "updated_at", "model", "system_prompt", "settings", "pinned",
}
MESSAGE_KEYS = {
    "id", "parent_id", "siblings", "role", "content", "reasoning", "created_at", "model",
    "token_count", "prompt_tokens", "completion_tokens", "tokens_per_second",
    "time_to_first_token", "finish_reason", "error",
}


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "DESKTOP_LLM_HOME": str(home)}


def run_cli(
    home: Path, *args: str, program: Sequence[str] = PYTHON_M, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command to its end. Its stdin is ``stdin`` piped in, or nothing at all (never
    this process's own stdin, which may be a terminal or a pipe that never ends)."""
    return subprocess.run(
        [*program, *args],
        env=_env(home),
        input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=RUN_TIMEOUT,
        check=False,
    )


def run_ok(
    home: Path, *args: str, program: Sequence[str] = PYTHON_M, stdin: str | None = None
) -> str:
    """Run a command that must succeed silently on stderr; returns its stdout."""
    result = run_cli(home, *args, program=program, stdin=stdin)
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr}"
    assert result.stderr == ""
    return result.stdout


def run_json(
    home: Path, *args: str, program: Sequence[str] = PYTHON_M, stdin: str | None = None
) -> Any:
    # json.loads refuses anything around the document, so this also proves stdout is pure JSON.
    return json.loads(run_ok(home, *args, "--json", program=program, stdin=stdin))


def assert_one_line_failure(result: subprocess.CompletedProcess[str]) -> str:
    """A failed command: non-zero exit, one line on stderr, no traceback; returns the line."""
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("desktop-llm: ")
    return lines[0]


def saved_conversations(home: Path) -> list[tuple[Any, ...]]:
    """(id, title) of every saved conversation, read straight from the history file."""
    uri = f"{(home / 'history.sqlite3').as_uri()}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as db:
        return db.execute("SELECT id, title FROM conversations ORDER BY id").fetchall()


def show(home: Path, conversation_id: int) -> dict[str, Any]:
    return run_json(home, "conversations", "show", str(conversation_id))


@pytest.fixture
def home(isolated_home: Path, model_path: Path) -> Path:
    """This test's DESKTOP_LLM_HOME; needs the bundled model, which the CLI picks by default."""
    return isolated_home


# --------------------------------------------------------------------------- program basics


def test_version_prints_the_package_version(home: Path) -> None:
    assert run_ok(home, "--version").strip() == f"desktop-llm {__version__}"


def test_installed_console_script_runs_the_same_cli(home: Path) -> None:
    script = shutil.which("desktop-llm", path=str(Path(sys.executable).parent))
    assert script is not None, "the desktop-llm console script is not installed next to python"
    assert run_ok(home, "--version", program=[script]).strip() == f"desktop-llm {__version__}"
    info = run_json(home, "info", program=[script])
    assert Path(info["data_folder"]) == home.resolve()


def test_help_mentions_every_command(home: Path) -> None:
    text = run_ok(home, "--help")
    assert text.startswith("usage: desktop-llm")
    for command in ("info", "chat", "conversations"):
        assert command in text
    chat_help = run_ok(home, "chat", "--help")
    for option in (
        "--model", "--conversation", "--system", "--regenerate", "--seed", "--max-tokens",
        "--json",
    ):
        assert option in chat_help


def test_info_json_describes_backend_and_folders(home: Path) -> None:
    info = run_json(home, "info")
    assert info["version"] == __version__
    assert isinstance(info["backend"], str) and info["backend"]
    assert isinstance(info["gpu_offload"], bool)
    root = home.resolve()
    assert Path(info["data_folder"]) == root
    assert Path(info["models_folder"]) == root / "models"
    assert Path(info["database"]) == root / "history.sqlite3"
    assert info["threads"] == default_threads()
    assert info["safe_mode"] == {"on": False, "setting": "auto", "reason": None}


def test_info_plain_text_has_one_line_per_fact(home: Path) -> None:
    text = run_ok(home, "info")
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    facts = {
        line.split("  ", 1)[0]: line.split("  ", 1)[1].strip() for line in text.splitlines()
    }
    assert facts["version"] == __version__
    assert facts["data folder"] == str(home.resolve())
    assert facts["database"] == str(home.resolve() / "history.sqlite3")
    assert facts["backend"]


# --------------------------------------------------------------------------- chat


def test_chat_json_prints_one_object_with_reply_and_statistics(home: Path) -> None:
    result = run_json(home, "chat", "--seed", "7", "--max-tokens", "16", QUESTION)
    assert set(result) == CHAT_JSON_KEYS
    assert isinstance(result["conversation_id"], int)
    assert result["reply"].strip()
    assert result["finish_reason"] in ("stop", "length")
    assert result["error"] is None
    assert result["prompt_tokens"] > 0
    assert 0 < result["completion_tokens"] <= 16
    assert result["tokens_per_second"] > 0
    assert result["time_to_first_token"] > 0
    saved = show(home, result["conversation_id"])
    assert saved["messages"][-1]["id"] == result["message_id"]
    assert saved["messages"][-1]["content"] == result["reply"]


def test_chat_json_stdout_is_only_the_json_and_llama_log_goes_to_the_file(home: Path) -> None:
    result = run_cli(home, "chat", "--json", "--seed", "3", "--max-tokens", "8", QUESTION)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    parsed = json.loads(result.stdout)  # raises on a single stray log line before or after
    assert result.stdout.strip() == json.dumps(parsed, ensure_ascii=False, indent=2)
    for noise in ("llama_", "ggml", "load_tensors", "llm_load"):
        assert noise not in result.stdout
    # llama.cpp did talk while loading; it went to the log file, not to the terminal.
    log = (home / "logs" / "desktop-llm.log").read_text(encoding="utf-8")
    assert "llama_model_loader" in log


def test_plain_chat_streams_exactly_the_saved_reply(home: Path) -> None:
    printed = run_ok(home, "chat", "--seed", "7", "--max-tokens", "24", QUESTION)
    assert printed.endswith("\n")
    [(conversation_id, title)] = saved_conversations(home)
    assert title == QUESTION
    user, assistant = show(home, conversation_id)["messages"]
    assert (user["role"], user["content"]) == ("user", QUESTION)
    assert assistant["role"] == "assistant"
    assert assistant["content"].strip()
    assert printed[:-1] == assistant["content"]


@pytest.mark.skipif(sys.platform == "win32", reason="no SIGINT to send on Windows")
def test_ctrl_c_mid_reply_keeps_what_was_printed_as_cancelled(home: Path) -> None:
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        pytest.skip("SIGINT is ignored here (started in the background); the child inherits it")
    with subprocess.Popen(
        [*PYTHON_M, "chat", "--seed", "1", "--max-tokens", "3000", STORY],
        env=_env(home),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as child:
        assert child.stdout is not None
        try:
            first = os.read(child.stdout.fileno(), 4096)  # blocks until the reply starts
            # Text is on the terminal while the model is still writing: it streams.
            assert first
            assert child.poll() is None, "the reply ended before Ctrl+C (model stopped early)"
            child.send_signal(signal.SIGINT)
            rest, errors = child.communicate(timeout=RUN_TIMEOUT)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
    assert child.returncode == 130
    assert errors.decode("utf-8").splitlines() == ["desktop-llm: interrupted"]
    printed = (first + rest).decode("utf-8")
    [(conversation_id, _title)] = saved_conversations(home)
    reply = show(home, conversation_id)["messages"][-1]
    assert reply["finish_reason"] == "cancelled"
    assert reply["content"] == printed


def test_conversation_option_continues_the_same_conversation(home: Path) -> None:
    first = run_json(
        home, "chat", "--system", "Answer in one short sentence.", "--temperature", "0.2",
        "--seed", "5", "--max-tokens", "12", "My name is Ada.",
    )
    conversation_id = first["conversation_id"]
    second = run_json(
        home, "chat", "--conversation", str(conversation_id), "--max-tokens", "12",
        "What is my name?",
    )
    assert second["conversation_id"] == conversation_id
    # The second prompt carries the first turn (question and answer) as well.
    assert second["prompt_tokens"] > first["prompt_tokens"]

    saved = show(home, conversation_id)
    messages = saved["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    assert [m["content"] for m in messages[::2]] == ["My name is Ada.", "What is my name?"]
    assert [m["id"] for m in messages[1::2]] == [first["message_id"], second["message_id"]]
    # Flags not repeated keep what the conversation was started with.
    assert saved["system_prompt"] == "Answer in one short sentence."
    assert saved["settings"]["temperature"] == 0.2
    assert saved["settings"]["max_tokens"] == 12
    assert [c for c, _ in saved_conversations(home)] == [conversation_id]


def test_system_prompt_and_sampling_flags_are_saved_with_the_conversation(home: Path) -> None:
    result = run_json(
        home, "chat", "--system", "You are a pirate.", "--temperature", "0.3",
        "--top-p", "0.8", "--top-k", "20", "--seed", "11", "--max-tokens", "8", QUESTION,
    )
    saved = show(home, result["conversation_id"])
    assert saved["system_prompt"] == "You are a pirate."
    settings = saved["settings"]
    assert (settings["temperature"], settings["top_p"], settings["top_k"]) == (0.3, 0.8, 20)
    assert (settings["seed"], settings["max_tokens"]) == (11, 8)
    assert result["completion_tokens"] <= 8

    # --system on a later turn replaces the conversation's system prompt.
    run_json(
        home, "chat", "--conversation", str(result["conversation_id"]),
        "--system", "You are a poet.", "--max-tokens", "4", "Hello",
    )
    assert show(home, result["conversation_id"])["system_prompt"] == "You are a poet."


def test_conversations_list_and_show(home: Path) -> None:
    assert run_json(home, "conversations", "list") == []
    assert run_ok(home, "conversations", "list").strip() == "No conversations yet."
    first = run_json(home, "chat", "--seed", "2", "--max-tokens", "6", "First question")
    second = run_json(home, "chat", "--seed", "2", "--max-tokens", "6", QUESTION)

    listed = run_json(home, "conversations", "list")
    assert all(set(c) == CONVERSATION_KEYS for c in listed)
    # Newest activity first.
    assert [c["id"] for c in listed] == [second["conversation_id"], first["conversation_id"]]
    assert listed[0]["title"] == QUESTION

    shown = show(home, second["conversation_id"])
    assert set(shown) == CONVERSATION_KEYS | {"messages"}
    assert all(set(m) == MESSAGE_KEYS for m in shown["messages"])
    assert [(m["role"], m["content"]) for m in shown["messages"]] == [
        ("user", QUESTION), ("assistant", second["reply"]),
    ]

    text = run_ok(home, "conversations", "show", str(second["conversation_id"]))
    assert QUESTION in text and "[user]" in text and "[assistant]" in text
    assert second["reply"].strip() in text


# --------------------------------------------------------------------------- failures


def test_an_engine_crash_fails_in_one_line_and_keeps_the_history(
    home: Path, safe_mode_needed: bool
) -> None:
    # Safe mode turned off by hand, so the crash (made on purpose where the CPU does not
    # crash llama.cpp by itself) is not retried and reaches the command line.
    settings = home / "config" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps({"load": {"safe_mode": "off"}}), encoding="utf-8")
    faults = f"{os.environ.get(FAULT_VARIABLE, '')},crash-on-reply-unless-safe"
    env = {**_env(home), FAULT_VARIABLE: faults}
    done = subprocess.run(
        [*PYTHON_M, "chat", "--max-tokens", "8", "Hello"],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=RUN_TIMEOUT, check=False,
    )
    line = assert_one_line_failure(done)
    if safe_mode_needed:
        # An AMX machine crashes at the load's warm-up, before anything is saved.
        assert line.startswith(
            "desktop-llm: The engine stopped unexpectedly (segmentation fault) while loading"
        )
        assert saved_conversations(home) == []
        return
    assert line == (
        "desktop-llm: The engine stopped unexpectedly (segmentation fault) before this reply "
        "began."
    )
    ((conversation_id, _title),) = saved_conversations(home)
    question, reply = show(home, conversation_id)["messages"]
    assert question["content"] == "Hello"
    assert reply["finish_reason"] == "error" and reply["error"] == line.split(": ", 1)[1]


def test_unknown_model_name_fails_in_one_line(home: Path) -> None:
    line = assert_one_line_failure(
        run_cli(home, "chat", "--model", "no-such-model", "--max-tokens", "4", "hi")
    )
    assert "no-such-model" in line
    assert saved_conversations(home) == []


def test_model_path_that_is_not_gguf_fails_in_one_line(home: Path, tmp_path: Path) -> None:
    fake = tmp_path / "notes.gguf"
    fake.write_text("These are my notes, not a language model.\n" * 20, encoding="utf-8")
    result = run_cli(home, "chat", "--model", str(fake), "--max-tokens", "4", "hi")
    line = assert_one_line_failure(result)
    assert "notes.gguf" in line and "GGUF" in line
    assert result.stdout == ""
    assert saved_conversations(home) == []


def test_truncated_model_fails_in_one_line(home: Path, tmp_path: Path, model_path: Path) -> None:
    cut = truncated_copy(model_path, tmp_path / "cut-off.gguf", 0.4)
    result = run_cli(home, "chat", "--model", str(cut), "--max-tokens", "4", "hi")
    line = assert_one_line_failure(result)
    assert "cut-off.gguf" in line
    assert result.stdout == ""
    assert saved_conversations(home) == []


def test_showing_a_missing_conversation_fails_in_one_line(home: Path) -> None:
    line = assert_one_line_failure(run_cli(home, "conversations", "show", "999"))
    assert "999" in line


def test_continuing_a_missing_conversation_fails_and_saves_nothing(home: Path) -> None:
    result = run_cli(home, "chat", "--conversation", "999", "--max-tokens", "4", "hi")
    line = assert_one_line_failure(result)
    assert "999" in line
    assert result.stdout == ""
    assert saved_conversations(home) == []


@pytest.mark.parametrize(
    "command",
    [("conversations", "list"), ("chat", "--max-tokens", "4", "hi")],
    ids=["list", "chat"],
)
def test_corrupt_history_fails_in_one_line_and_is_left_alone(
    home: Path, command: tuple[str, ...]
) -> None:
    home.mkdir(parents=True, exist_ok=True)
    database = home / "history.sqlite3"
    garbage = bytes(range(256)) * 64
    database.write_bytes(garbage)
    line = assert_one_line_failure(run_cli(home, *command))
    assert "history.sqlite3" in line and "not a desktop-llm history database" in line
    assert database.read_bytes() == garbage  # the user's file is never overwritten


def test_empty_prompt_fails_in_one_line(home: Path) -> None:
    line = assert_one_line_failure(run_cli(home, "chat", "--max-tokens", "4", "   "))
    assert "empty" in line


def test_empty_prompt_saves_no_conversation(home: Path) -> None:
    assert_one_line_failure(run_cli(home, "chat", "--max-tokens", "4", "   "))
    assert saved_conversations(home) == []
