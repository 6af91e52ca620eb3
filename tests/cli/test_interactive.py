"""`desktop-llm chat` on a terminal: an interactive session, typed into a real pseudo-terminal.

The session is checked as a user sees it (the screen) and as the history keeps it (the store).
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from desktop_llm.storage import HistoryStore, MessageRecord
from tests.cli.terminal import Terminal
from tests.test_cli import PYTHON_M, QUESTION, RUN_TIMEOUT, STORY, _env

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="no pseudo-terminals on Windows")

PROMPT = r"\n>>> "
# Enough words on the screen after the question to be sure the reply is under way.
REPLY_STARTED = r"\n\S+\s+\S+\s+\S+"


@pytest.fixture
def start(home: Path) -> Iterator[Callable[..., Terminal]]:
    terminals: list[Terminal] = []

    def started(*options: str) -> Terminal:
        terminal = Terminal([*PYTHON_M, "chat", *options], {**_env(home), "TERM": "xterm"})
        terminals.append(terminal)
        terminal.expect(r"Chatting with .+/exit to leave\.", RUN_TIMEOUT)
        terminal.expect(r">>> ", RUN_TIMEOUT)
        return terminal

    yield started
    for terminal in terminals:
        terminal.close()


def ask(terminal: Terminal, text: str) -> re.Match[str]:
    """Type a message and wait for the whole reply (the prompt comes back)."""
    terminal.line(text)
    return terminal.expect(PROMPT, RUN_TIMEOUT)


def history(home: Path) -> list[tuple[object, list[MessageRecord], list[MessageRecord]]]:
    """Each conversation (oldest first) with its branch shown and all its messages."""
    with HistoryStore.open(home / "history.sqlite3") as store:
        return [
            (c, store.branch(c.id), store.list_messages(c.id))
            for c in sorted(store.list_conversations(), key=lambda c: c.id)
        ]


def test_a_session_with_commands_is_saved_turn_by_turn(
    home: Path, start: Callable[..., Terminal]
) -> None:
    terminal = start("--max-tokens", "8", "--seed", "3")
    terminal.line("/help")
    terminal.expect(r"/regenerate .+\n(.*\n)*.*Ctrl\+C stops a reply", 10)
    terminal.line("/frobnicate now")
    terminal.expect(r"Unknown command /frobnicate: type /help for the commands\.\n", 10)
    terminal.line("/regenerate")
    terminal.expect(r"Nothing to regenerate yet", 10)
    terminal.line("/system")
    terminal.expect(r"System prompt: You are a helpful assistant\.", 10)

    ask(terminal, QUESTION)
    terminal.line("/system You are a pirate.")
    terminal.expect(r"System prompt set\.", 10)
    before = ask(terminal, "And what about Italy?").end()
    regenerated = ask(terminal, "/regenerate").start()
    terminal.line("/new")
    terminal.expect(r"New conversation\.", 10)
    terminal.line('"""')
    terminal.expect(r"\.\.\. ", 10)
    terminal.line("First line")
    terminal.line("second line")
    terminal.line('"""')
    terminal.expect(PROMPT, RUN_TIMEOUT)
    terminal.line("/exit")
    assert terminal.wait(RUN_TIMEOUT) == 0

    (first, branch, everything), (_, second_branch, _) = history(home)
    assert first.system_prompt == "You are a pirate."
    assert [(m.role, m.content) for m in branch if m.role == "user"] == [
        ("user", QUESTION), ("user", "And what about Italy?"),
    ]
    assert [m.role for m in branch] == ["user", "assistant"] * 2
    assert len(everything) == 5  # the first answer to the second question is kept as well
    replies = [m for m in branch if m.role == "assistant"]
    assert all(m.finish_reason in ("stop", "length") and m.completion_tokens <= 8 for m in replies)
    assert len(replies[-1].sibling_ids) == 2 and replies[-1].id == replies[-1].sibling_ids[-1]
    # What was shown is what was saved.
    screen = terminal.screen
    assert replies[-1].content.strip() in screen[before:regenerated]
    question, answer = second_branch
    assert (question.role, question.content) == ("user", "First line\nsecond line")
    assert answer.role == "assistant" and answer.content.strip() in screen

    # Line editing's history is kept for the next session, in the data folder.
    typed = (home / "chat-input-history").read_text(encoding="utf-8")
    assert "/system You are a pirate." in typed and QUESTION in typed


def test_ctrl_c_stops_the_reply_not_the_session(
    home: Path, start: Callable[..., Terminal]
) -> None:
    terminal = start("--max-tokens", "3000", "--seed", "1")
    for question in (STORY, "Now tell me a very long story about a cat."):
        terminal.line(question)
        terminal.expect(REPLY_STARTED, RUN_TIMEOUT)
        terminal.send("\x03")  # Ctrl+C, as the terminal sends it
        terminal.expect(r"\(reply stopped\)", RUN_TIMEOUT)
        terminal.expect(PROMPT, RUN_TIMEOUT)
    # At the prompt, Ctrl+C drops what was typed; a second one in a row leaves. (Pauses as a
    # person makes: a Ctrl+C that lands while CPython's readline is between two select()
    # calls, drawing the prompt or the keys just typed, waits for the next keystroke.)
    time.sleep(0.3)
    terminal.send("unsent words")
    time.sleep(0.3)
    terminal.send("\x03")
    terminal.expect(r"Ctrl\+C again or /exit to leave\)" + PROMPT, 10)
    terminal.send("\x03")
    assert terminal.wait(RUN_TIMEOUT) == 0

    [(_conversation, branch, everything)] = history(home)
    assert [m.role for m in branch] == ["user", "assistant"] * 2 == [m.role for m in everything]
    # The terminal echoes the keystroke as "^C" wherever the reply had got to.
    screen = terminal.screen.replace("^C", "")
    for reply in branch[1::2]:
        assert reply.finish_reason == "cancelled" and reply.error is None
        assert reply.content.strip() and reply.content.strip()[:40] in screen
    assert "unsent words" not in [m.content for m in everything]


def test_ctrl_c_leaves_the_engine_process_running(
    home: Path, start: Callable[..., Terminal]
) -> None:
    terminal = start("--max-tokens", "3000", "--seed", "1")
    [engine] = psutil.Process(terminal.pid).children()
    terminal.line(STORY)
    terminal.expect(REPLY_STARTED, RUN_TIMEOUT)
    terminal.send("\x03")
    terminal.expect(r"\(reply stopped\)", RUN_TIMEOUT)
    terminal.expect(PROMPT, RUN_TIMEOUT)
    # The next reply comes from the same engine, with the model still loaded.
    assert engine.is_running() and psutil.Process(terminal.pid).children() == [engine]
    terminal.line("/exit")
    assert terminal.wait(RUN_TIMEOUT) == 0


def test_ctrl_d_leaves_and_json_needs_a_prompt(home: Path, start: Callable[..., Terminal]) -> None:
    terminal = start("--max-tokens", "4")
    terminal.send("\x04")  # Ctrl+D at an empty prompt
    assert terminal.wait(RUN_TIMEOUT) == 0
    assert history(home) == []

    refused = Terminal([*PYTHON_M, "chat", "--json"], {**_env(home), "TERM": "xterm"})
    try:
        assert refused.wait(RUN_TIMEOUT) == 2
    finally:
        refused.close()
    assert refused.screen.strip() == "desktop-llm: --json needs a PROMPT (or text piped on stdin)"
