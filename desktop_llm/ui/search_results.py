"""Search hits as a list: each row the conversation's title and date, then the snippet with
the matched text marked.

Only the rows in view are painted, each through a small QTextDocument built from the snippet,
so a result set costs nothing per hidden row. A snippet whose match would fall below the two
lines a row shows is scrolled inside its row so the match stays visible (long CJK snippets).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPalette,
    QTextDocument,
)
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

from desktop_llm.ui.conversation_delegate import (
    PADDING,
    draw_row_background,
    row_colours,
    small_font,
)
from desktop_llm.ui.conversation_model import relative_date

HIT_ROLE = Qt.ItemDataRole.UserRole
SNIPPET_LINES = 2
# Marked text: dark on amber reads in light and dark themes, selected or not.
MARK_STYLE = "background-color:#fcd34d; color:#111827;"

_Index = QModelIndex | QPersistentModelIndex


class Hit(Protocol):
    """What a result row shows: the fields of the store's SearchHit."""

    @property
    def conversation_id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def message_id(self) -> int | None: ...
    @property
    def role(self) -> str | None: ...
    @property
    def snippet(self) -> str: ...
    @property
    def highlights(self) -> Sequence[tuple[int, int]]: ...
    @property
    def updated_at(self) -> datetime: ...


def marked_html(text: str, spans: Sequence[tuple[int, int]], style: str = MARK_STYLE) -> str:
    """``text`` as HTML with each (start, end) span wrapped in a marked <span>. Spans are
    clamped to the text and merged where they overlap; line breaks become spaces."""
    text = text.replace("\r", " ").replace("\n", " ")
    merged: list[list[int]] = []
    for start, end in sorted((max(0, s), min(len(text), e)) for s, e in spans):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    parts: list[str] = []
    position = 0
    for start, end in merged:
        parts.append(html.escape(text[position:start]))
        parts.append(f'<span style="{style}">{html.escape(text[start:end])}</span>')
        position = end
    parts.append(html.escape(text[position:]))
    return "".join(parts)


def css_colour(colour: QColor) -> str:
    return f"rgba({colour.red()},{colour.green()},{colour.blue()},{colour.alphaF():.2f})"


def utf16_length(text: str) -> int:
    """Qt counts text positions in UTF-16 units (an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


class SearchResultsModel(QAbstractListModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._hits: list[Hit] = []

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._hits):
            return None
        hit = self._hits[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return f"{hit.title}: {hit.snippet}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return hit.snippet or hit.title
        if role == HIT_ROLE:
            return hit
        return None

    def hit(self, row: int) -> Hit:
        return self._hits[row]

    def set_hits(self, hits: Sequence[Hit]) -> None:
        self.beginResetModel()
        self._hits = list(hits)
        self.endResetModel()


class SearchHitDelegate(QStyledItemDelegate):
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        hit = index.data(HIT_ROLE)
        if hit is None:
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        draw_row_background(painter, opt)
        text_colour, muted = row_colours(opt)
        area = QRectF(opt.rect).adjusted(PADDING, PADDING / 2, -PADDING, -PADDING / 2)
        title_font = QFont(opt.font)
        title_font.setBold(True)
        title_height = QFontMetrics(title_font).height()
        title_area = QRectF(area.left(), area.top(), area.width(), title_height)

        painter.save()
        date_font = small_font(opt.font)
        date = relative_date(hit.updated_at)
        painter.setFont(date_font)
        painter.setPen(muted)
        painter.drawText(title_area, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                         date)
        title_area.setRight(
            title_area.right() - QFontMetrics(date_font).horizontalAdvance(date) - PADDING
        )
        painter.restore()

        title_match = hit.message_id is None and hit.snippet == hit.title
        if title_match:
            # Only the title matched: mark it there; the line below says so.
            self._draw_text(painter, title_area, hit.title, hit.highlights, title_font,
                            text_colour, lines=1)
            note = self.tr("Matched in the title")
            body = QRectF(area.left(), title_area.bottom(), area.width(),
                          area.bottom() - title_area.bottom())
            self._draw_text(painter, body, note, (), opt.font, muted, lines=1)
            return
        painter.save()
        painter.setFont(title_font)
        painter.setPen(text_colour)
        painter.drawText(
            title_area, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            QFontMetrics(title_font).elidedText(
                hit.title, Qt.TextElideMode.ElideRight, int(title_area.width())
            ),
        )
        painter.restore()
        body = QRectF(area.left(), title_area.bottom(), area.width(),
                      area.bottom() - title_area.bottom())
        prefix = {"user": self.tr("You: "), "assistant": self.tr("Assistant: ")}.get(
            hit.role or "", ""
        )
        self._draw_text(painter, body, hit.snippet, hit.highlights, opt.font, text_colour,
                        lines=SNIPPET_LINES, prefix=prefix, prefix_colour=css_colour(muted))

    def _draw_text(
        self,
        painter: QPainter,
        box: QRectF,
        text: str,
        spans: Sequence[tuple[int, int]],
        font: QFont,
        colour: QColor,
        *,
        lines: int,
        prefix: str = "",
        prefix_colour: str = "",
    ) -> None:
        document = QTextDocument()
        document.setDocumentMargin(0)
        document.setDefaultFont(font)
        prefix_html = (f'<span style="color:{prefix_colour}">{html.escape(prefix)}</span>'
                       if prefix else "")
        document.setHtml(prefix_html + marked_html(text, spans))
        if lines == 1:
            document.setTextWidth(-1)
        else:
            document.setTextWidth(box.width())
        line_height = QFontMetrics(font).lineSpacing()
        visible = QRectF(0, 0, box.width(), line_height * lines)
        offset = self._match_offset(document, prefix, text, spans, lines)
        painter.save()
        painter.translate(box.topLeft())
        painter.setClipRect(visible)
        painter.translate(0, -offset)
        context = QAbstractTextDocumentLayout.PaintContext()
        context.palette.setColor(QPalette.ColorRole.Text, colour)
        context.clip = visible.translated(0, offset)
        document.documentLayout().draw(painter, context)
        painter.restore()

    @staticmethod
    def _match_offset(
        document: QTextDocument,
        prefix: str,
        text: str,
        spans: Sequence[tuple[int, int]],
        lines: int,
    ) -> float:
        """How far to scroll the text up so the first match is on the last visible line."""
        if not spans:
            return 0.0
        start = min(max(0, s) for s, _e in spans)
        position = utf16_length(prefix) + utf16_length(text[:start])
        document.documentLayout().documentSize()  # lays the lines out (lazy until asked)
        block = document.findBlock(position)
        layout = block.layout()
        if layout is None or layout.lineCount() == 0:
            return 0.0
        line_number = layout.lineForTextPosition(position - block.position()).lineNumber()
        first_shown = max(0, line_number - (lines - 1))
        return layout.lineAt(first_shown).y() if first_shown else 0.0

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        title_font = QFont(option.font)
        title_font.setBold(True)
        height = (QFontMetrics(title_font).height()
                  + SNIPPET_LINES * QFontMetrics(option.font).lineSpacing() + PADDING)
        return QSize(max(option.rect.width(), 100), height)
