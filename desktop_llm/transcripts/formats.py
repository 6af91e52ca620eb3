"""The export formats: one registry the window's save dialog, the command line and the chat
service all read, so a format is named, labelled and given its extension in one place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop_llm.errors import ExportError
from desktop_llm.i18n import translate
from desktop_llm.transcripts.transcript import Transcript

# Draws a transcript as a PDF file at a path. Only Qt can (``ui/pdf_export.py``), so whoever
# holds one passes it in: this package stays Qt-free.
PdfWriter = Callable[[Transcript, Path], None]


@dataclass(frozen=True)
class ExportFormat:
    key: str  # what the command line's --format takes
    label: str  # what a save dialog's filter shows
    extension: str  # with its dot
    # Text formats are written by the chat service (and can go to stdout); PDF is not text.
    is_text: bool


FORMATS: dict[str, ExportFormat] = {
    f.key: f
    for f in (
        ExportFormat("md", "Markdown", ".md", True),
        ExportFormat("html", "Web page (HTML)", ".html", True),
        ExportFormat("json", "JSON (every branch)", ".json", True),
        ExportFormat("txt", "Plain text", ".txt", True),
        ExportFormat("pdf", "PDF", ".pdf", False),
    )
}
TEXT_FORMATS = tuple(key for key, f in FORMATS.items() if f.is_text)


def export_format(key: str) -> ExportFormat:
    """The format named ``key`` (``md``, ``html``, ``json``, ``txt``, ``pdf``; any case, a
    leading dot allowed, so an extension works too)."""
    found = FORMATS.get(key.strip().lower().lstrip("."))
    if found is None:
        known = ", ".join(FORMATS)
        raise ExportError(translate(
            "Export", "There is no export format {format}; choose one of {known}."
        ).format(format=repr(key), known=known))
    return found


def format_for_path(path: Path) -> ExportFormat | None:
    """The format a file name's extension asks for (``.markdown``/``.htm``/``.text`` too)."""
    suffix = path.suffix.lower()
    aliases = {".markdown": "md", ".htm": "html", ".text": "txt"}
    key = aliases.get(suffix, suffix.lstrip("."))
    return FORMATS.get(key)
