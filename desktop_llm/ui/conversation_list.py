"""The list of saved conversations: open, rename (F2 or menu), delete (with confirmation)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QWidget,
)

from desktop_llm.chat import ConversationRecord

_ID_ROLE = Qt.ItemDataRole.UserRole


class ConversationList(QListWidget):
    conversationSelected = Signal(int)
    renameRequested = Signal(int, str)
    deleteRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conversationList")
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._on_context_menu)
        self.itemClicked.connect(self._on_item_activated)
        self.itemActivated.connect(self._on_item_activated)
        self.itemChanged.connect(self._on_item_changed)
        self._populating = False
        self._deferred: tuple[list[ConversationRecord], int | None] | None = None

        self.rename_action = QAction(self.tr("Rename"), self)
        self.rename_action.setShortcut(QKeySequence(Qt.Key.Key_F2))
        self.rename_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.rename_action.triggered.connect(self.rename_current)
        self.delete_action = QAction(self.tr("Delete…"), self)
        self.delete_action.setShortcut(QKeySequence.StandardKey.Delete)
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.delete_action.triggered.connect(self.delete_current)
        self.addActions([self.rename_action, self.delete_action])

    def set_conversations(
        self, conversations: list[ConversationRecord], current: int | None
    ) -> None:
        if self.state() == QAbstractItemView.State.EditingState:
            # Rebuilding the items now would drop the title being typed: wait for the editor.
            self._deferred = (conversations, current)
            return
        self._deferred = None
        self._populating = True
        try:
            self.clear()
            for conversation in conversations:
                item = QListWidgetItem(conversation.title)
                item.setData(_ID_ROLE, conversation.id)
                item.setToolTip(conversation.title)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
                self.addItem(item)
                if conversation.id == current:
                    self.setCurrentItem(item)
        finally:
            self._populating = False
        self._deferred: tuple[list[ConversationRecord], int | None] | None = None

    def closeEditor(
        self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint
    ) -> None:
        super().closeEditor(editor, hint)
        if self._deferred is not None:
            # Not now: the closing editor may still lose focus and commit, and the items it
            # would commit to must exist until then (Qt warns otherwise).
            QTimer.singleShot(0, self._apply_deferred)

    @Slot()
    def _apply_deferred(self) -> None:
        if self._deferred is not None:
            conversations, current = self._deferred
            self.set_conversations(conversations, self.current_id() or current)

    def select_id(self, conversation_id: int) -> None:
        for row in range(self.count()):
            item = self.item(row)
            if int(item.data(_ID_ROLE)) == conversation_id:
                self.setCurrentItem(item)
                return

    def titles(self) -> list[str]:
        return [self.item(row).text() for row in range(self.count())]

    def current_id(self) -> int | None:
        item = self.currentItem()
        return int(item.data(_ID_ROLE)) if item else None

    @Slot()
    def rename_current(self) -> None:
        item = self.currentItem()
        if item is not None:
            self.editItem(item)

    @Slot()
    def delete_current(self) -> None:
        item = self.currentItem()
        if item is None:
            return
        answer = QMessageBox.question(
            self,
            self.tr("Delete conversation"),
            self.tr("Delete “{0}” and all its messages? This cannot be undone.").format(
                item.text()
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.deleteRequested.emit(int(item.data(_ID_ROLE)))

    @Slot(QListWidgetItem)
    def _on_item_activated(self, item: QListWidgetItem) -> None:
        self.conversationSelected.emit(int(item.data(_ID_ROLE)))

    @Slot(QListWidgetItem)
    def _on_item_changed(self, item: QListWidgetItem) -> None:
        if self._populating:
            return
        title = item.text().strip()
        if title:
            self.renameRequested.emit(int(item.data(_ID_ROLE)), title)

    @Slot(QPoint)
    def _on_context_menu(self, position: QPoint) -> None:
        if self.itemAt(position) is None:
            return
        menu = QMenu(self)
        menu.addActions([self.rename_action, self.delete_action])
        menu.exec(self.viewport().mapToGlobal(position))
