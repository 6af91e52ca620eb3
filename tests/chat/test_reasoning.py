"""Reasoning (<think>) is split from the answer, complete or mid-stream."""

from __future__ import annotations

import pytest

from desktop_llm.chat.reasoning import is_thinking, split_reasoning


@pytest.mark.parametrize(
    ("text", "reasoning", "answer"),
    [
        ("Plain answer.", "", "Plain answer."),
        ("<think>2+2 is 4</think>\n\nIt is 4.", "2+2 is 4", "It is 4."),
        ("<think>still working", "still working", ""),
        ("<think>a</think>Yes.<think>b</think> Sure.", "a\n\nb", "Yes. Sure."),
        # Templates that open the block in the prompt: only the closing tag is generated.
        ("counting letters</think>Three.", "counting letters", "Three."),
        ("<think></think>Empty thoughts.", "", "Empty thoughts."),
        ("<think>中文思考</think>答案是四。", "中文思考", "答案是四。"),
    ],
)
def test_split_reasoning(text: str, reasoning: str, answer: str) -> None:
    assert split_reasoning(text) == (reasoning, answer)


def test_a_reply_without_thoughts_keeps_its_whitespace() -> None:
    assert split_reasoning("  indented code\n") == ("", "  indented code\n")


def test_is_thinking_follows_the_stream() -> None:
    assert is_thinking("<think>hmm")
    assert not is_thinking("<think>hmm</think>Done")
    assert not is_thinking("No tags")
