"""A conversation as plain text: a header, then each message of the branch shown under its
role, underlined, with reasoning indented and marked, for reading in any editor or mail."""

from __future__ import annotations

import textwrap
import unicodedata

from desktop_llm import __version__
from desktop_llm.storage import MessageRecord
from desktop_llm.transcripts.presentation import (
    local_time,
    message_byline,
    message_note,
    message_stats,
    role_label,
    settings_text,
)
from desktop_llm.transcripts.transcript import Transcript


def to_text(transcript: Transcript) -> str:
    conversation = transcript.conversation
    lines = [conversation.title, _underline(conversation.title, "="), ""]
    lines.append(f"Model: {conversation.model or 'none'}")
    lines.append(
        f"Created: {local_time(conversation.created_at)}"
        f"    Updated: {local_time(conversation.updated_at)}"
    )
    if conversation.settings:
        settings = ", ".join(
            f"{key} {settings_text(value)}" for key, value in conversation.settings.items()
        )
        lines.append(f"Settings: {settings}")
    lines.append(f"Exported from desktop-llm {__version__}")
    if conversation.system_prompt:
        lines += ["", "System prompt:", _indent(conversation.system_prompt)]
    for message in transcript.shown():
        lines += ["", *_message(message)]
    return "\n".join(lines).rstrip("\n") + "\n"


def _message(message: MessageRecord) -> list[str]:
    heading = f"{role_label(message.role)} · {message_byline(message)}"
    note = message_note(message)
    if note:
        heading += f" ({note})"
    lines = [heading, _underline(heading, "-")]
    if message.reasoning:
        lines += ["[Reasoning]", _indent(message.reasoning), "[End of reasoning]", ""]
    if message.content:
        lines.append(message.content.rstrip("\n"))
    if message.error:
        lines += ["", f"Error: {message.error}"]
    stats = message_stats(message)
    if stats:
        lines += ["", f"({stats})"]
    return lines


def _indent(text: str) -> str:
    return textwrap.indent(text.rstrip("\n"), "    ")


def _underline(text: str, char: str) -> str:
    """A rule as wide as ``text`` shows in a monospace font (Chinese characters take two
    columns), at most 80 wide."""
    width = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return char * max(3, min(width, 80))
