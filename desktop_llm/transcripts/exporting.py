"""One conversation to one file in any export format: the text formats drawn here, PDF by
the ``PdfWriter`` the caller holds (only Qt can draw one)."""

from __future__ import annotations

from pathlib import Path

from desktop_llm.errors import ExportError
from desktop_llm.i18n import translatable, translate
from desktop_llm.transcripts.atomic_write import write_text
from desktop_llm.transcripts.formats import ExportFormat, PdfWriter, export_format
from desktop_llm.transcripts.transcript import Transcript

# Translated where it is raised: translate("Export", PDF_NEEDS_QT).
PDF_NEEDS_QT = translatable(
    "Export",
    "PDF export needs the window's Qt libraries, which are not available here; "
    "export as md, html, json or txt instead.",
)


def render(transcript: Transcript, fmt: ExportFormat | str) -> str:
    """``transcript`` in a text format (``md``, ``html``, ``json`` or ``txt``)."""
    found = export_format(fmt) if isinstance(fmt, str) else fmt
    # Imported here: the HTML renderer pulls in Pygments and markdown-it, which a JSON
    # export or a backup has no use for.
    if found.key == "md":
        from desktop_llm.transcripts.markdown_export import to_markdown

        return to_markdown(transcript)
    if found.key == "html":
        from desktop_llm.transcripts.html_export import to_html

        return to_html(transcript)
    if found.key == "json":
        from desktop_llm.transcripts.json_export import to_json

        return to_json(transcript)
    if found.key == "txt":
        from desktop_llm.transcripts.text_export import to_text

        return to_text(transcript)
    raise ExportError(translate(
        "Export", "{format} is not a text format; it cannot be shown as text."
    ).format(format=found.label))


def write(
    transcript: Transcript,
    fmt: ExportFormat | str,
    path: Path,
    *,
    pdf_writer: PdfWriter | None = None,
) -> None:
    """Write ``transcript`` to ``path`` whole or not at all."""
    found = export_format(fmt) if isinstance(fmt, str) else fmt
    if found.is_text:
        write_text(path, render(transcript, found))
    elif pdf_writer is None:
        raise ExportError(translate("Export", PDF_NEEDS_QT))
    else:
        pdf_writer(transcript, path)
