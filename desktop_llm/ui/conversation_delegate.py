"""How one conversation row looks: a pin mark when pinned, the title, a short date on the right."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from desktop_llm.ui.conversation_model import PINNED_ROLE, UPDATED_ROLE, relative_date

PADDING = 8
PIN_WIDTH = 14


def small_font(font: QFont) -> QFont:
    small = QFont(font)
    small.setPointSizeF(max(font.pointSizeF() * 0.85, 7.0))
    return small


def row_colours(option: QStyleOptionViewItem) -> tuple[QColor, QColor]:
    """The text colour of a row and a quieter one for dates and notes, selected or not."""
    selected = bool(option.state & QStyle.StateFlag.State_Selected)
    group = (QPalette.ColorGroup.Active if option.state & QStyle.StateFlag.State_Active
             else QPalette.ColorGroup.Inactive)
    role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
    text = option.palette.color(group, role)
    muted = QColor(text)
    muted.setAlphaF(0.65)
    return text, muted


def draw_row_background(painter: QPainter, option: QStyleOptionViewItem) -> None:
    """Selection, hover and focus as the style draws them, without any text."""
    background = QStyleOptionViewItem(option)
    background.text = ""
    style = option.widget.style() if option.widget is not None else QApplication.style()
    style.drawControl(QStyle.ControlElement.CE_ItemViewItem, background, painter, option.widget)


def draw_pin(painter: QPainter, box: QRectF, colour: QColor) -> None:
    """A small push pin, drawn (no icon font needed), leaning like one stuck in a board."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.translate(box.center())
    painter.rotate(35)
    head = QPainterPath()
    head.addRoundedRect(QRectF(-3.0, -6.0, 6.0, 5.0), 1.5, 1.5)
    head.addRect(QRectF(-4.5, -1.5, 9.0, 1.8))
    painter.fillPath(head, colour)
    pen = painter.pen()
    pen.setColor(colour)
    pen.setWidthF(1.3)
    painter.setPen(pen)
    painter.drawLine(QPointF(0.0, 0.3), QPointF(0.0, 6.0))
    painter.restore()


class ConversationDelegate(QStyledItemDelegate):
    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        title = opt.text
        draw_row_background(painter, opt)
        text_colour, muted = row_colours(opt)
        area = QRectF(opt.rect).adjusted(PADDING, 0, -PADDING, 0)

        painter.save()
        updated = index.data(UPDATED_ROLE)
        if isinstance(updated, datetime):
            date_font = small_font(opt.font)
            date = relative_date(updated)
            painter.setFont(date_font)
            painter.setPen(muted)
            width = QFontMetrics(date_font).horizontalAdvance(date)
            painter.drawText(area, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             date)
            area.setRight(area.right() - width - PADDING)
        if index.data(PINNED_ROLE):
            draw_pin(painter, QRectF(area.left(), area.top(), PIN_WIDTH, area.height()), muted)
            area.setLeft(area.left() + PIN_WIDTH + 4)
        painter.setFont(opt.font)
        painter.setPen(text_colour)
        elided = QFontMetrics(opt.font).elidedText(
            title, Qt.TextElideMode.ElideRight, int(area.width())
        )
        painter.drawText(area, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         elided)
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        height = QFontMetrics(option.font).height() + 2 * PADDING
        return QSize(max(option.rect.width(), 100), height)
