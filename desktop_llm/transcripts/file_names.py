"""File names for exported conversations: the title, readable in any script, made safe for
Windows, macOS and Linux, with the conversation's id so two names never collide."""

from __future__ import annotations

import re
import unicodedata

from desktop_llm.storage import ConversationRecord
from desktop_llm.transcripts.formats import ExportFormat, export_format

# Characters no Windows file name may hold (and "/" nowhere).
_FORBIDDEN = re.compile(r'[<>:"/\\|?*]')
_WINDOWS_RESERVED = {
    "CON", "PRN", "AUX", "NUL",
    *(f"COM{n}" for n in range(1, 10)),
    *(f"LPT{n}" for n in range(1, 10)),
}
# Room for " (12345678).html" and a temporary file's name within the usual 255-byte limit;
# macOS counts bytes of the decomposed (NFD) form, which only grows accented letters.
_TITLE_BYTES = 150
FALLBACK_TITLE = "Conversation"


def export_file_name(conversation: ConversationRecord, fmt: ExportFormat | str) -> str:
    """``"<title> (<id>)<extension>"``, e.g. ``"Rust 与 Python (12).md"``."""
    found = export_format(fmt) if isinstance(fmt, str) else fmt
    return f"{safe_title(conversation.title)} ({conversation.id}){found.extension}"


def safe_title(title: str) -> str:
    """``title`` as a file name stem: no path separators, no characters Windows refuses, no
    control or invisible formatting characters (a right-to-left override could disguise the
    extension), no leading or trailing dots or spaces, at most ``_TITLE_BYTES`` bytes."""
    text = unicodedata.normalize("NFC", title)
    text = "".join(
        " " if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") else char
        for char in text
    )
    text = _FORBIDDEN.sub("_", text)
    text = " ".join(text.split())
    text = _cut_to_bytes(text, _TITLE_BYTES).strip(" .")
    if not text:
        return FALLBACK_TITLE
    if text.split(".")[0].strip().upper() in _WINDOWS_RESERVED:
        text = f"_{text}"
    return text


def _cut_to_bytes(text: str, limit: int) -> str:
    """``text`` cut at a character boundary to fit ``limit`` UTF-8 bytes, "…" marking a cut."""
    if len(text.encode("utf-8")) <= limit:
        return text
    ellipsis = "…"
    room = limit - len(ellipsis.encode("utf-8"))
    return text.encode("utf-8")[:room].decode("utf-8", errors="ignore").rstrip() + ellipsis
