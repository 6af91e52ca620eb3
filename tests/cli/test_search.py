"""`conversations search`: the conversations holding some text, with the match shown."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from tests.cli.terminal import Terminal
from tests.test_cli import (
    PYTHON_M,
    QUESTION,
    RUN_TIMEOUT,
    _env,
    assert_one_line_failure,
    run_cli,
    run_json,
    run_ok,
    show,
)

CHINESE = "请用一句话介绍语言模型是什么"
HIT_KEYS = {"id", "title", "message_id", "role", "snippet", "highlights", "updated_at"}


def matched(hit: dict[str, Any]) -> list[str]:
    return [hit["snippet"][start:end] for start, end in hit["highlights"]]


def test_search_finds_conversations_by_their_text_in_any_script(home: Path) -> None:
    chinese = run_json(home, "chat", "--seed", "1", "--max-tokens", "4", CHINESE)
    english = run_json(home, "chat", "--seed", "1", "--max-tokens", "4", QUESTION)
    chinese_messages = {m["id"]: m for m in show(home, chinese["conversation_id"])["messages"]}

    # Four characters (the trigram index) and two (too short for it): the same hit.
    for query in ("语言模型", "模型"):
        [hit] = run_json(home, "conversations", "search", query)
        assert set(hit) == HIT_KEYS
        assert hit["id"] == chinese["conversation_id"]
        assert hit["title"] == show(home, chinese["conversation_id"])["title"]
        # The question, or the reply should the model have used the words too.
        message = chinese_messages[hit["message_id"]]
        assert hit["role"] == message["role"] and query in message["content"]
        assert query in hit["snippet"]
        assert matched(hit) and all(text == query for text in matched(hit))

    [hit] = run_json(home, "conversations", "search", "CAPITAL of")
    assert hit["id"] == english["conversation_id"]
    # Each word found, whatever its case.
    assert [text.lower() for text in matched(hit)] == ["capital", "of"]

    assert run_json(home, "conversations", "search", "no such words anywhere") == []
    # Quotes, operators and brackets are text to look for, never query syntax.
    for hostile in ('"unclosed', "capital AND (", "*", "NEAR(x y)"):
        assert isinstance(run_json(home, "conversations", "search", hostile), list)

    # Plain text to a pipe: the match marked without terminal escapes.
    text = run_ok(home, "conversations", "search", "capital")
    assert f"{english['conversation_id']:>5}" in text
    assert "**capital**" in text and "\x1b[" not in text
    assert run_ok(home, "conversations", "search", "zzzz nothing").startswith(
        "No conversation holds"
    )


@pytest.mark.skipif(sys.platform == "win32", reason="no pseudo-terminals on Windows")
def test_search_on_a_terminal_shows_the_match_in_bold(home: Path) -> None:
    run_json(home, "chat", "--seed", "1", "--max-tokens", "4", CHINESE)
    terminal = Terminal(
        [*PYTHON_M, "conversations", "search", "语言模型"], {**_env(home), "TERM": "xterm"}
    )
    try:
        assert terminal.wait(RUN_TIMEOUT) == 0
    finally:
        terminal.close()
    assert "\x1b[1m语言模型\x1b[0m" in terminal.raw
    assert "**" not in terminal.raw


def test_empty_search_fails_in_one_line(home: Path) -> None:
    line = assert_one_line_failure(run_cli(home, "conversations", "search", "  "))
    assert "empty" in line
