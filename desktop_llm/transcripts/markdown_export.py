"""A conversation as Markdown: YAML front matter, then each message of the branch shown under
a heading naming its role.

Message text goes in verbatim, so code fences, tables and the model's own Markdown survive;
only a code fence a reply left open (cut off at the length limit) is closed, or it would
swallow every message after it. Reasoning is kept apart, in a labelled block quote.
Front matter values are JSON strings and numbers, which YAML reads as they are, whatever a
title holds.
"""

from __future__ import annotations

import json
import re
from typing import Any

from desktop_llm import __version__
from desktop_llm.storage import MessageRecord
from desktop_llm.transcripts.json_export import iso_time, now_utc
from desktop_llm.transcripts.presentation import (
    message_byline,
    message_note,
    message_stats,
    role_label,
)
from desktop_llm.transcripts.transcript import Transcript

# Characters YAML may not hold literally (outside its printable set), plus the ones it reads
# as line breaks; JSON escapes only C0 controls, so these are escaped here too.
_NOT_YAML_SAFE = re.compile("[\x7f-\x84\x86-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff\x85]")
# What could start emphasis, code, a link, raw HTML, an entity or a heading's closing #s in
# the middle of a line (a backslash before ASCII punctuation is always literal in CommonMark).
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>&#~])")
_FENCE_OPEN = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")


def to_markdown(transcript: Transcript) -> str:
    conversation = transcript.conversation
    lines = ["---"]
    lines += [f"{key}: {yaml_value(value)}" for key, value in _front_matter(transcript).items()]
    lines += ["---", "", f"# {escape_inline(conversation.title)}", ""]
    if conversation.system_prompt:
        lines += ["## System prompt", "", _quote(conversation.system_prompt), ""]
    for message in transcript.shown():
        lines += _message(message)
    return "\n".join(lines).rstrip("\n") + "\n"


def _front_matter(transcript: Transcript) -> dict[str, Any]:
    conversation = transcript.conversation
    return {
        "title": conversation.title,
        "model": conversation.model,
        "created": iso_time(conversation.created_at),
        "updated": iso_time(conversation.updated_at),
        "exported": iso_time(now_utc()),
        "conversation_id": conversation.id,
        "messages": len(transcript.shown()),
        "system_prompt": conversation.system_prompt,
        "settings": conversation.settings,
        "generator": f"desktop-llm {__version__}",
    }


def yaml_value(value: Any) -> str:
    """``value`` as JSON (which YAML reads as the same value), on one line."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    return _NOT_YAML_SAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def escape_inline(text: str) -> str:
    """``text`` shown literally in a heading or a line of Markdown, on one line."""
    return _INLINE_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _message(message: MessageRecord) -> list[str]:
    heading = f"## {role_label(message.role)} · {escape_inline(message_byline(message))}"
    lines = [heading, ""]
    if message.reasoning:
        lines += [_quote(message.reasoning, label="Reasoning"), ""]
    if message.content:
        lines += [close_open_fence(message.content), ""]
    note = message_note(message)
    if note:
        lines += [f"*({escape_inline(note)})*", ""]
    if message.error:
        lines += [_quote(message.error, label="Error"), ""]
    stats = message_stats(message)
    if stats:
        lines += [f"*{escape_inline(stats)}*", ""]
    return lines


def _quote(text: str, *, label: str = "") -> str:
    """A block quote holding ``text`` (its own Markdown kept), under a bold label if given."""
    body = [f"> {line}".rstrip() for line in close_open_fence(text).split("\n")]
    return "\n".join(([f"> **{label}**", ">"] if label else []) + body)


def close_open_fence(text: str) -> str:
    """``text`` without trailing newlines, with a code fence it opened and never closed closed
    (CommonMark's rule: the same character, at least as many, nothing after)."""
    text = text.rstrip("\n")
    fence: str | None = None
    for line in text.split("\n"):
        if fence is None:
            found = _FENCE_OPEN.match(line)
            # A backtick fence's info string may not hold a backtick.
            if found and not (found.group(2)[0] == "`" and "`" in found.group(3)):
                fence = found.group(2)
        else:
            stripped = line.lstrip(" ")
            run = len(stripped) - len(stripped.lstrip(fence[0]))
            if len(line) - len(stripped) <= 3 and run >= len(fence) and not stripped[run:].strip():
                fence = None
    return text if fence is None else f"{text}\n{fence}"
