"""Reasoning models think aloud inside ``<think>...</think>``: kept apart from the answer.

The thinking is shown collapsed, stored in its own column, and never sent back to the model in
later turns (it would fill the context with text the model's own template leaves out).
"""

from __future__ import annotations

import re

OPEN_TAG = "<think>"
CLOSE_TAG = "</think>"
_BLOCK = re.compile(r"<think>(.*?)</think>", re.DOTALL)


def split_reasoning(text: str) -> tuple[str, str]:
    """``(reasoning, answer)`` of a reply, complete or still streaming.

    Handles every ``<think>`` block, one left open (still thinking: the rest is reasoning), and a
    lone ``</think>`` with no opening tag (templates that open the block in the prompt itself).
    """
    reasoning: list[str] = []
    answer = text
    if CLOSE_TAG in answer and OPEN_TAG not in answer.split(CLOSE_TAG, 1)[0]:
        before, answer = answer.split(CLOSE_TAG, 1)
        reasoning.append(before)
    for match in _BLOCK.finditer(answer):
        reasoning.append(match.group(1))
    answer = _BLOCK.sub("", answer)
    if OPEN_TAG in answer:
        answer, still_thinking = answer.split(OPEN_TAG, 1)
        reasoning.append(still_thinking)
    thoughts = "\n\n".join(part.strip() for part in reasoning if part.strip())
    return thoughts, answer.strip() if thoughts else answer


def is_thinking(text: str) -> bool:
    """True while a streaming reply is inside a ``<think>`` block it has not closed yet."""
    return text.rfind(OPEN_TAG) > text.rfind(CLOSE_TAG)
