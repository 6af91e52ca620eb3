"""A conversation as a PDF: the branch shown, drawn by Qt (a QTextDocument onto a QPdfWriter).

A4 with margins, the title, model and dates at the top, each message under its role, replies'
Markdown rendered as the window renders it (``markdown_render``, always the light theme: paper
is white), reasoning in a quiet indented block, code in a real monospace family, and
"Page N of M" at the foot of every page. Qt embeds a subset of each font it uses, so Chinese
reads on any machine that opens the file, provided this machine has a font that covers it:
the text's family list ends with one that does (Noto Sans CJK, Source Han, YaHei, PingFang…).
Without one the PDF is still written (the Chinese shows as empty boxes) and
``missing_font_warning`` says so; ``write_pdf`` logs it too.

Works on any thread that is not drawing widgets: the window calls it on its storage thread.
The command line has no QApplication; ``write_pdf`` then starts an offscreen one (never a
window). The bytes are drawn in memory and written through ``transcripts.atomic_write``, so a
failed export leaves no partial file.
"""

from __future__ import annotations

import html
import logging
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QCoreApplication,
    QIODevice,
    QMarginsF,
    QRectF,
    QSizeF,
    Qt,
)
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QFontDatabase,
    QFontInfo,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPainter,
    QPalette,
    QPdfWriter,
    QTextDocument,
)

from desktop_llm import __version__
from desktop_llm.chat import MessageRecord
from desktop_llm.chat.reasoning import split_reasoning
from desktop_llm.errors import ExportError
from desktop_llm.transcripts.atomic_write import write_bytes
from desktop_llm.transcripts.transcript import Transcript
from desktop_llm.ui.markdown_render import Theme, render_markdown
from desktop_llm.ui.pdf_text_map import fix_radicals

logger = logging.getLogger(__name__)
# Literal contexts and texts at each call, so lupdate finds them (the PDF is in the app's language).
translate = QCoreApplication.translate

THEME = Theme()  # light: the page is white whatever the desktop's theme
TEXT_POINTS = 10.5
FOOTER_POINTS = 8.0
# Millimetres: left, top, right, bottom (the footer sits inside the bottom margin's band).
MARGINS_MM = QMarginsF(18, 16, 18, 12)
FOOTER_MM = 9.0
_ROLE_COLOURS = {"user": "#2563eb", "assistant": "#059669", "system": "#6b7280"}
_ERROR_COLOUR = "#dc2626"
_REASONING_BACKGROUND = "#f5f6f8"
# Families that cover Chinese well, best first; any other family Qt says covers Simplified or
# Traditional Chinese comes after them.
_CJK_PREFERRED = (
    "Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "Microsoft YaHei", "PingFang SC",
    "Hiragino Sans GB", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Droid Sans Fallback",
    "SimSun", "Noto Sans CJK TC", "Noto Sans CJK JP",
)
_CJK_MONO_PREFERRED = ("Noto Sans Mono CJK SC", "Sarasa Mono SC", "Source Han Mono SC")
# Han ideographs (with extension A and compatibility ideographs) and CJK punctuation.
_CHINESE = re.compile("[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# The offscreen application the command line needs; kept for the life of the process.
_application: QGuiApplication | None = None
_application_lock = threading.Lock()


@dataclass(frozen=True)
class PdfFonts:
    text: tuple[str, ...]  # families for prose, first choice first, a CJK one last
    code: tuple[str, ...]  # a monospace family, then CJK ones
    covers_chinese: bool  # whether any family here has Chinese glyphs


def write_pdf(transcript: Transcript, path: Path) -> None:
    """Write the branch shown of ``transcript`` to ``path`` as a PDF (a ``PdfWriter``).

    Raises ``ExportError`` with a sentence when the file cannot be written; nothing partial
    is left. Chinese without a font that covers it still writes (and logs a warning)."""
    fonts = pdf_fonts()
    warning = missing_font_warning(transcript, fonts)
    if warning:
        logger.warning("%s", warning)
    write_bytes(Path(path), render_pdf(transcript, fonts))


def missing_font_warning(transcript: Transcript, fonts: PdfFonts | None = None) -> str | None:
    """A sentence when ``transcript`` holds Chinese that no font (installed, or in ``fonts``)
    can draw; None when all is well."""
    fonts = fonts or pdf_fonts()
    if fonts.covers_chinese or not _holds_chinese(transcript):
        return None
    return translate(
        "PdfExport",
        "No font on this computer covers Chinese, so its Chinese text shows as empty boxes "
        "in the PDF; install one (for example Noto Sans CJK) and export again.",
    )


def ensure_gui_application() -> None:
    """Qt draws text only inside a QGuiApplication: start an offscreen one if there is none
    (the command line), so nothing ever needs a display."""
    global _application
    with _application_lock:
        instance = QCoreApplication.instance()
        if isinstance(instance, QGuiApplication):
            return
        if instance is not None:
            raise ExportError(
                "PDF export needs Qt's graphical libraries, and this program started Qt "
                "without them."
            )
        if threading.current_thread() is not threading.main_thread():
            raise ExportError("PDF export must be started from the program's main thread.")
        # "-platform offscreen" on the command line beats QT_QPA_PLATFORM: no window, no
        # display needed, whatever the environment says.
        _application = QGuiApplication(["desktop-llm", "-platform", "offscreen"])


def pdf_fonts() -> PdfFonts:
    """The families used, as Qt resolves them on this machine."""
    ensure_gui_application()
    general = QFontInfo(QFontDatabase.systemFont(QFontDatabase.SystemFont.GeneralFont)).family()
    # The generic "monospace" resolved to a real family: the PDF names the font it embeds,
    # and a style sheet's family list needs real names to fall back along.
    fixed = QFontInfo(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)).family()
    chinese = _chinese_families()
    cjk = _first_of(_CJK_PREFERRED, chinese) or next(
        (f for f in chinese if "mono" not in f.lower()), chinese[0] if chinese else None
    )
    cjk_mono = _first_of(_CJK_MONO_PREFERRED, chinese) or cjk
    text = _unique((general, *(f for f in (cjk,) if f)))
    code = _unique((fixed, *(f for f in (cjk_mono, cjk) if f)))
    return PdfFonts(text=text, code=code, covers_chinese=bool(chinese))


def render_pdf(transcript: Transcript, fonts: PdfFonts | None = None) -> bytes:
    """The PDF file's bytes (drawn in memory)."""
    ensure_gui_application()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle(transcript.conversation.title)
    writer.setCreator(f"desktop-llm {__version__}")
    writer.setPageLayout(QPageLayout(
        QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, MARGINS_MM,
        QPageLayout.Unit.Millimeter,
    ))
    layout = lay_out(transcript, fonts or pdf_fonts(), writer)
    painter = QPainter()
    if not painter.begin(writer):
        raise ExportError("Qt could not start drawing the PDF; nothing was written.")
    try:
        for page in range(layout.pages):
            if page and not writer.newPage():
                raise ExportError("Qt could not add a page to the PDF; nothing was written.")
            draw_page(painter, layout, page)
    finally:
        painter.end()
    buffer.close()
    return fix_radicals(bytes(data.data()))


@dataclass
class PageLayout:
    document: QTextDocument
    body: QSizeF  # the text's part of a page, in the writer's pixels
    footer: float  # the height of the band below it
    footer_font: QFont

    @property
    def pages(self) -> int:
        return self.document.pageCount()


def lay_out(transcript: Transcript, fonts: PdfFonts, writer: QPdfWriter) -> PageLayout:
    """The transcript as a document cut into the writer's pages."""
    paint_rect = writer.pageLayout().paintRectPixels(writer.resolution())
    footer = FOOTER_MM / 25.4 * writer.resolution()
    body = QSizeF(paint_rect.width(), paint_rect.height() - footer)
    document = QTextDocument()
    # Laid out for the writer: its resolution turns points and the HTML's pixels into size.
    document.documentLayout().setPaintDevice(writer)
    font = QFont()
    font.setFamilies(list(fonts.text))
    font.setPointSizeF(TEXT_POINTS)
    document.setDefaultFont(font)
    code_families = ", ".join(f"'{family}'" for family in fonts.code)
    document.setDefaultStyleSheet(f"pre, code {{ font-family: {code_families}; }}")
    document.setDocumentMargin(0)
    document.setPageSize(body)
    document.setHtml(transcript_html(transcript))
    footer_font = QFont(font)
    footer_font.setPointSizeF(FOOTER_POINTS)
    return PageLayout(document, body, footer, footer_font)


def draw_page(painter: QPainter, layout: PageLayout, page: int) -> None:
    """Page ``page`` (from 0) at the painter's origin, its footer below."""
    body = layout.body
    top = page * body.height()
    context = QAbstractTextDocumentLayout.PaintContext()
    palette = QPalette()
    # The document's own colour for text with none given: dark, whatever the desktop's theme.
    palette.setColor(QPalette.ColorRole.Text, QColor(THEME.text))
    context.palette = palette
    context.clip = QRectF(0, top, body.width(), body.height())
    painter.save()
    painter.setClipRect(QRectF(0, 0, body.width(), body.height()))
    painter.translate(0, -top)
    layout.document.documentLayout().draw(painter, context)
    painter.restore()
    _draw_footer(painter, layout.footer_font,
                 QRectF(0, body.height(), body.width(), layout.footer), page + 1, layout.pages)


def _draw_footer(painter: QPainter, font: QFont, area: QRectF, page: int, pages: int) -> None:
    painter.save()
    painter.setFont(font)
    painter.setPen(QColor(THEME.muted))
    text = translate("PdfExport", "Page {0} of {1}").format(page, pages)
    painter.drawText(area, int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom),
                     text)
    painter.restore()


# --- The document ---------------------------------------------------------------------------


def transcript_html(transcript: Transcript) -> str:
    """The PDF's content as Qt rich text; every piece of the conversation's text is escaped."""
    conversation = transcript.conversation
    facts = [
        translate("PdfExport", "Model: {0}").format(
            conversation.model or translate("PdfExport", "none")
        ),
        translate("PdfExport", "Created {0}").format(_when(conversation.created_at)),
        translate("PdfExport", "Updated {0}").format(_when(conversation.updated_at)),
    ]
    parts = [
        f'<h1 style="margin-bottom:2px;">{html.escape(conversation.title)}</h1>',
        f'<p style="color:{THEME.muted}; margin-top:0; margin-bottom:10px;">'
        # Each fact kept on one line: a date never splits from its time.
        + " &nbsp;·&nbsp; ".join(html.escape(f).replace(" ", "&nbsp;") for f in facts) + "</p>",
    ]
    if conversation.system_prompt.strip():
        parts.append(_heading(translate("PdfExport", "System prompt"), "system", ""))
        parts.append(_plain(conversation.system_prompt, THEME.muted))
    for message in transcript.shown():
        parts.append(_message_html(message))
    return "".join(parts)


def _message_html(message: MessageRecord) -> str:
    label = {
        "user": translate("PdfExport", "You"),
        "assistant": translate("PdfExport", "Assistant"),
        "system": translate("PdfExport", "System"),
    }.get(message.role, message.role)
    details = [_when(message.created_at)]
    if message.role == "assistant" and message.model:
        details.insert(0, message.model)
    notes = {
        "cancelled": translate("PdfExport", "stopped"),
        "interrupted": translate("PdfExport", "interrupted"),
        "length": translate("PdfExport", "cut off at the length limit"),
        "error": translate("PdfExport", "failed"),
    }
    if message.finish_reason in notes:
        details.append(notes[message.finish_reason])
    parts = [_heading(label, message.role, " · ".join(details))]
    if message.role == "assistant":
        reasoning, answer = message.reasoning, message.content
        if not reasoning:
            reasoning, answer = split_reasoning(answer)
        if reasoning.strip():
            parts.append(_reasoning_html(reasoning))
        parts.append(render_markdown(answer, THEME, copy_label="").html)
    elif message.content:
        parts.append(_plain(message.content))
    if message.error:
        parts.append(_plain(message.error, _ERROR_COLOUR))
    return "".join(parts)


def _heading(label: str, role: str, details: str) -> str:
    colour = _ROLE_COLOURS.get(role, THEME.text)
    suffix = (
        f' <span style="color:{THEME.muted}; font-weight:normal; font-size:small;">'
        f"&nbsp;{html.escape(details)}</span>" if details else ""
    )
    return (
        f'<p style="margin-top:14px; margin-bottom:3px;"><span style="color:{colour};'
        f' font-weight:bold;">{html.escape(label)}</span>{suffix}</p>'
    )


def _plain(text: str, colour: str = "") -> str:
    style = f" color:{colour};" if colour else ""
    return (
        f'<p style="white-space:pre-wrap; margin-top:2px; margin-bottom:4px;{style}">'
        f"{html.escape(text)}</p>"
    )


def _reasoning_html(reasoning: str) -> str:
    """Quiet: small grey italic text on a pale band, indented, under a "Reasoning" label."""
    label = html.escape(translate("PdfExport", "Reasoning"))
    style = (
        f"background-color:{_REASONING_BACKGROUND}; color:{THEME.muted};"
        " white-space:pre-wrap; font-style:italic; font-size:small;"
        " margin-left:12px; margin-right:12px;"
    )
    return (
        f'<p style="{style} margin-top:4px; margin-bottom:0; font-weight:bold;">{label}</p>'
        f'<p style="{style} margin-top:0; margin-bottom:6px;">{html.escape(reasoning.strip())}</p>'
    )


# --- Helpers ---------------------------------------------------------------------------------


def _when(moment: datetime) -> str:
    """Local time, to the minute (the store keeps UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _chinese_families() -> list[str]:
    systems = (QFontDatabase.WritingSystem.SimplifiedChinese,
               QFontDatabase.WritingSystem.TraditionalChinese)
    found: list[str] = []
    for system in systems:
        found += [f for f in QFontDatabase.families(system) if f not in found]
    return found


def _first_of(preferred: tuple[str, ...], available: list[str]) -> str | None:
    return next((family for family in preferred if family in available), None)


def _unique(families: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f for f in families if f))


def _holds_chinese(transcript: Transcript) -> bool:
    texts = [transcript.conversation.title, transcript.conversation.system_prompt]
    for message in transcript.shown():
        texts += [message.content, message.reasoning, message.error or ""]
    return any(_CHINESE.search(text) for text in texts)
