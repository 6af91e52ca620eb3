"""Conversation titles made from the first question, like every chat app does."""

from __future__ import annotations

DEFAULT_TITLE = "New chat"
_MAX_TITLE = 48


def title_from_message(text: str) -> str:
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if not first_line:
        return DEFAULT_TITLE
    if len(first_line) <= _MAX_TITLE:
        return first_line
    cut = first_line[:_MAX_TITLE].rsplit(" ", 1)[0]
    # Chinese and Japanese have no spaces: a cut without one keeps the whole prefix.
    return (cut if len(cut) > _MAX_TITLE // 2 else first_line[:_MAX_TITLE]).rstrip() + "…"
