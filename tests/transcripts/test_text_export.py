"""The plain-text export: readable as it is, the branch shown, reasoning marked off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_llm.storage import HistoryStore
from desktop_llm.transcripts.text_export import to_text
from tests.transcripts.samples import (
    ANSWER,
    FOLLOW_UP,
    FOLLOW_UP_ANSWER,
    MODEL,
    OLD_ANSWER,
    OLD_FOLLOW_UP,
    OLD_FOLLOW_UP_ANSWER,
    QUESTION,
    REASONING,
    SYSTEM_PROMPT,
    TITLE,
    open_store,
    rich_conversation,
    transcript,
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    with open_store(tmp_path / "data") as opened:
        yield opened


def test_the_branch_shown_in_order_with_roles_and_reasoning_apart(store: HistoryStore) -> None:
    sample = rich_conversation(store)
    text = to_text(transcript(store, sample.conversation_id))
    lines = text.split("\n")

    assert lines[0] == TITLE
    # Underlined to its width in a monospace font: Chinese characters and emoji take two.
    assert lines[1] == "=" * 22
    assert f"Model: {MODEL}" in lines and "Settings: temperature 0.7, top_p 0.9, seed 42, " \
        'stop ["###"], max_tokens none' in lines
    assert f"    {SYSTEM_PROMPT}" in lines
    order = [text.index(part) for part in (QUESTION, REASONING, ANSWER.strip(), FOLLOW_UP,
                                          FOLLOW_UP_ANSWER)]
    assert order == sorted(order)
    for hidden in (OLD_ANSWER, OLD_FOLLOW_UP, OLD_FOLLOW_UP_ANSWER):
        assert hidden not in text
    headings = [line for line in lines if line.startswith(("You · ", "Assistant · "))]
    assert len(headings) == 4
    assert headings[1].startswith(f"Assistant · {MODEL} · ")
    assert headings[3].endswith("(cut off at the length limit)")
    reasoning = lines[lines.index("[Reasoning]") + 1 : lines.index("[End of reasoning]")]
    assert reasoning == [f"    {REASONING}"]
    assert "(128 tokens · 23.5 tok/s · 0.41 s to first token)" in lines
    assert "<" not in text.replace(QUESTION, "")  # no markup of ours
    assert text.endswith("Cut off here\n\n(128 tokens · 23.5 tok/s · 0.41 s to first token)\n")
