"""The list of saved conversations: open, pin, rename (F2 or menu), export, delete (with
confirmation).

A refresh keeps what the user sees: the selected conversation stays selected wherever it moved,
and the rows in view stay in view (a conversation jumping to the top does not push them down),
unless the list was scrolled to the very top, where new activity shows. A refresh that arrives
while a title is being edited waits for the editor to close.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Sequence

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QListView,
    QMenu,
    QMessageBox,
    QWidget,
)

from desktop_llm.chat import ConversationRecord
from desktop_llm.ui.conversation_delegate import ConversationDelegate
from desktop_llm.ui.conversation_model import ID_ROLE, ConversationModel

# The first row in view, the ids of the rows in view (top first), the scroll bar's value.
_Anchor = tuple[int, list[int], int]


class ConversationView(QListView):
    conversationActivated = Signal(int)
    renameRequested = Signal(int, str)
    deleteRequested = Signal(int)
    pinRequested = Signal(int, bool)
    exportRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conversationView")
        self.conversations = ConversationModel(self)
        self.setModel(self.conversations)
        self.setItemDelegate(ConversationDelegate(self))
        # One row height for all: layout and scrolling stay O(1) per row with 10,000 rows.
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._on_context_menu)
        self.clicked.connect(self._on_activated)
        self.activated.connect(self._on_activated)
        self.conversations.titleEdited.connect(self._on_title_edited)
        self._deferred: tuple[list[ConversationRecord], int | None] | None = None
        # Titles typed while a refresh was held back: that refresh predates them.
        self._edited: dict[int, str] = {}

        self.pin_action = QAction(self.tr("Pin"), self)
        self.pin_action.triggered.connect(self.toggle_pin_current)
        self.rename_action = QAction(self.tr("Rename"), self)
        self.rename_action.setShortcut(QKeySequence(Qt.Key.Key_F2))
        self.rename_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.rename_action.triggered.connect(self.rename_current)
        self.delete_action = QAction(self.tr("Delete…"), self)
        self.delete_action.setShortcut(QKeySequence.StandardKey.Delete)
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.delete_action.triggered.connect(self.delete_current)
        self.export_action = QAction(self.tr("Export…"), self)
        self.export_action.triggered.connect(self.export_current)
        self.addActions([self.pin_action, self.rename_action, self.delete_action])

    # Contents ---------------------------------------------------------------------------------

    def set_conversations(
        self, conversations: Sequence[ConversationRecord], current: int | None
    ) -> None:
        if self.state() == QAbstractItemView.State.EditingState:
            # Updating the rows now would drop the title being typed: wait for the editor.
            self._deferred = (list(conversations), current)
            return
        self._deferred = None
        anchor = self._scroll_anchor()
        self.conversations.set_conversations(conversations)
        self._make_current(current, scroll=False)
        self._restore_anchor(anchor)

    def closeEditor(
        self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint
    ) -> None:
        super().closeEditor(editor, hint)
        if self._deferred is not None:
            # Not now: the closing editor may still lose focus and commit, and the rows it
            # would commit to must exist until then (Qt warns otherwise).
            QTimer.singleShot(0, self._apply_deferred)

    @Slot()
    def _apply_deferred(self) -> None:
        if self._deferred is None or self.state() == QAbstractItemView.State.EditingState:
            return
        conversations, current = self._deferred
        edited, self._edited = self._edited, {}
        conversations = [
            dataclasses.replace(c, title=edited[c.id]) if c.id in edited else c
            for c in conversations
        ]
        self.set_conversations(conversations, self.current_id() or current)

    def select_id(self, conversation_id: int) -> None:
        """Make it the selected row; scrolled into view when it was not selected before.

        Not while a title is being typed: moving the current row would close the editor
        under the user's fingers (and its last keystrokes would commit to a closed editor).
        """
        if self.state() == QAbstractItemView.State.EditingState:
            return
        self._make_current(conversation_id, scroll=True)

    def current_id(self) -> int | None:
        index = self.currentIndex()
        return int(index.data(ID_ROLE)) if index.isValid() else None

    def _make_current(self, conversation_id: int | None, *, scroll: bool) -> None:
        selection = self.selectionModel()
        row = None if conversation_id is None else self.conversations.row_of(conversation_id)
        if row is None:
            selection.clear()
            return
        index = self.conversations.index(row)
        if index == selection.currentIndex() and selection.isSelected(index):
            return
        # Qt scrolls to a new current row by itself; a refresh must not move the list.
        auto_scroll = self.hasAutoScroll()
        self.setAutoScroll(scroll)
        try:
            selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        finally:
            self.setAutoScroll(auto_scroll)
        if scroll:
            self.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)

    def _scroll_anchor(self) -> _Anchor | None:
        bar = self.verticalScrollBar()
        if bar.value() == 0 or self.conversations.rowCount() == 0:
            return None  # at the top, where new activity shows: stay there
        first = self.indexAt(QPoint(1, 1))
        if not first.isValid():
            return None
        step = max(self.visualRect(first).height(), 1)
        last = min(first.row() + self.viewport().height() // step + 1,
                   self.conversations.rowCount())
        return first.row(), self.conversations.ids()[first.row():last], bar.value()

    def _restore_anchor(self, anchor: _Anchor | None) -> None:
        """Scroll by how far the rows that were in view moved. The median of their moves
        ignores the one conversation that jumped to the top."""
        if anchor is None:
            return
        first_row, ids, value = anchor
        moves = []
        for offset, conversation_id in enumerate(ids):
            row = self.conversations.row_of(conversation_id)
            if row is not None:
                moves.append(row - (first_row + offset))
        shift = statistics.median_low(moves) if moves else 0
        if shift == 0:
            return
        self.doItemsLayout()  # the scroll range must fit the new rows before it is set
        step = max(self.sizeHintForRow(0), 1)
        self.verticalScrollBar().setValue(value + shift * step)

    # Actions ----------------------------------------------------------------------------------

    @Slot()
    def rename_current(self) -> None:
        index = self.currentIndex()
        if index.isValid():
            self.edit(index)

    @Slot()
    def delete_current(self) -> None:
        index = self.currentIndex()
        if not index.isValid():
            return
        answer = QMessageBox.question(
            self,
            self.tr("Delete conversation"),
            self.tr("Delete “{0}” and all its messages? This cannot be undone.").format(
                self.conversations.record(index.row()).title
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.deleteRequested.emit(int(index.data(ID_ROLE)))

    @Slot()
    def export_current(self) -> None:
        index = self.currentIndex()
        if index.isValid():
            self.exportRequested.emit(int(index.data(ID_ROLE)))

    @Slot()
    def toggle_pin_current(self) -> None:
        index = self.currentIndex()
        if index.isValid():
            record = self.conversations.record(index.row())
            self.pinRequested.emit(record.id, not record.pinned)

    @Slot(QModelIndex)
    def _on_activated(self, index: QModelIndex | QPersistentModelIndex) -> None:
        if index.isValid():
            self.conversationActivated.emit(int(index.data(ID_ROLE)))

    @Slot(int, str)
    def _on_title_edited(self, conversation_id: int, title: str) -> None:
        if self._deferred is not None:
            self._edited[conversation_id] = title
        self.renameRequested.emit(conversation_id, title)

    @Slot(QPoint)
    def _on_context_menu(self, position: QPoint) -> None:
        index = self.indexAt(position)
        if not index.isValid():
            return
        self.setCurrentIndex(index)
        pinned = self.conversations.record(index.row()).pinned
        self.pin_action.setText(self.tr("Unpin") if pinned else self.tr("Pin"))
        menu = QMenu(self)
        menu.addActions([self.pin_action, self.rename_action, self.export_action])
        menu.addSeparator()
        menu.addAction(self.delete_action)
        menu.exec(self.viewport().mapToGlobal(position))
