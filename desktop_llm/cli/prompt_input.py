"""The prompt of ``chat``: the PROMPT argument, text piped on stdin, or both."""

from __future__ import annotations

from typing import TextIO


def piped_text(stream: TextIO | None) -> str | None:
    """Everything piped on ``stream``; None when it is a terminal (or there is none, as
    under pythonw)."""
    if stream is None or stream.isatty():
        return None
    # Bytes, decoded here: a file piped in is UTF-8 far more often than the console's code
    # page (Windows), and a stray byte must not end the command.
    return stream.buffer.read().decode("utf-8-sig", errors="replace")


def combine(piped: str | None, prompt: str | None) -> str | None:
    """The piped text is the prompt, or goes before PROMPT with a blank line between
    (``cat notes.txt | desktop-llm chat 'Summarize this'``). None when there is neither."""
    text = piped.rstrip() if piped is not None and piped.strip() else None
    if text is None:
        return prompt
    if prompt is None:
        return text
    return f"{text}\n\n{prompt}"
