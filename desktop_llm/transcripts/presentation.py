"""What the Markdown, HTML and text exports say around the messages, in one place: role
names, how a reply ended, the statistics line, times and settings. The window says the same
(``ui/transcript_view.py``); exports are not translated, as files outlive a language setting."""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from typing import Any

from desktop_llm.storage import MessageRecord

ROLE_LABELS = {"user": "You", "assistant": "Assistant", "system": "System"}
FINISH_NOTES = {
    "cancelled": "stopped",
    "interrupted": "interrupted: the app closed before this reply finished",
    "length": "cut off at the length limit",
    "error": "failed",
}
STILL_WRITING = "still being written when exported"


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)


def message_note(message: MessageRecord) -> str:
    """How a reply ended when that is worth saying ("" for a finished one)."""
    if message.streaming:
        return STILL_WRITING
    return FINISH_NOTES.get(message.finish_reason or "", "")


def message_stats(message: MessageRecord) -> str:
    """"512 tokens · 23.4 tok/s · 0.41 s to first token", as under a message in the window."""
    parts = []
    if message.role != "assistant" and message.token_count is not None:
        parts.append(f"{message.token_count} tokens")
    if message.completion_tokens is not None:
        parts.append(f"{message.completion_tokens} tokens")
    if message.tokens_per_second and math.isfinite(message.tokens_per_second):
        parts.append(f"{message.tokens_per_second:.1f} tok/s")
    if message.time_to_first_token is not None and math.isfinite(message.time_to_first_token):
        parts.append(f"{message.time_to_first_token:.2f} s to first token")
    return " · ".join(parts)


def message_byline(message: MessageRecord) -> str:
    """"qwen2.5-0.5b · 2025-01-02 13:45 +0100": a reply's model and the message's time."""
    parts = []
    if message.role == "assistant" and message.model:
        parts.append(message.model)
    parts.append(local_time(message.created_at))
    return " · ".join(parts)


def local_time(moment: datetime) -> str:
    """Minutes in the reader's (the exporting machine's) time zone, with its offset."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M %z").strip()


def settings_text(value: Any) -> str:
    """A settings value as a person reads it: ``0.7``, ``42``, ``none``, ``["###"]``."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float, str)):
        return str(value)
    return json.dumps(value, ensure_ascii=False)
