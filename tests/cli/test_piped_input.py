"""`chat` with text piped on stdin: the prompt, or what goes before PROMPT."""

from __future__ import annotations

from pathlib import Path

from tests.test_cli import (
    assert_one_line_failure,
    run_cli,
    run_json,
    show,
)

NOTES = "Shopping list:\n- bread\n- 牛奶 (milk)\n- eggs 🥚\n"


def question_sent(home: Path, conversation_id: int) -> str:
    question = show(home, conversation_id)["messages"][0]
    assert question["role"] == "user"
    return question["content"]


def test_piped_text_is_the_prompt_or_goes_before_it(home: Path) -> None:
    alone = run_json(home, "chat", "--seed", "1", "--max-tokens", "4", stdin=NOTES)
    assert question_sent(home, alone["conversation_id"]) == NOTES.rstrip()
    assert alone["reply"] is not None and alone["error"] is None

    both = run_json(
        home, "chat", "--seed", "1", "--max-tokens", "4", "Summarize this", stdin=NOTES
    )
    assert question_sent(home, both["conversation_id"]) == (
        NOTES.rstrip() + "\n\nSummarize this"
    )
    # The piped text was read by the model too: the prompt is longer than the notes alone.
    assert both["prompt_tokens"] > alone["prompt_tokens"]

    # Nothing (or only blank lines) piped: PROMPT alone.
    blank = run_json(home, "chat", "--seed", "1", "--max-tokens", "4", "Hello", stdin="\n \n")
    assert question_sent(home, blank["conversation_id"]) == "Hello"


def test_nothing_piped_and_no_prompt_is_a_one_line_usage_error(home: Path) -> None:
    for piped in ("", "  \n\n"):
        result = run_cli(home, "chat", "--max-tokens", "4", stdin=piped)
        line = assert_one_line_failure(result)
        assert result.returncode == 2
        assert "PROMPT" in line and "stdin" in line
        assert result.stdout == ""
    # Refused before anything was opened or loaded.
    assert not (home / "history.sqlite3").exists()
