"""The message box: Enter sends and Shift+Enter starts a new line, or, with the
"Ctrl+Enter sends" preference, Ctrl+Enter sends and Enter starts a new line. Up in an empty
box asks to edit the last message; a prompt template can be put in with the typed text."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from desktop_llm.chat.presets import fill_template


class MessageInput(QPlainTextEdit):
    submitted = Signal(str)
    # Up pressed in an empty box: the window edits the last user message.
    editLastRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageInput")
        self.setTabChangesFocus(True)
        self.setMaximumHeight(140)
        self._ctrl_enter_sends = False
        self._show_keys()

    def set_ctrl_enter_sends(self, on: bool) -> None:
        self._ctrl_enter_sends = on
        self._show_keys()

    def ctrl_enter_sends(self) -> bool:
        return self._ctrl_enter_sends

    def _show_keys(self) -> None:
        if self._ctrl_enter_sends:
            self.setPlaceholderText(
                self.tr("Ask anything… (Ctrl+Enter to send, Enter for a new line)")
            )
        else:
            self.setPlaceholderText(
                self.tr("Ask anything… (Enter to send, Shift+Enter for a new line)")
            )

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, modifiers = event.key(), event.modifiers()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            ctrl = bool(modifiers & Qt.KeyboardModifier.ControlModifier)
            shift = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
            sends = ctrl if self._ctrl_enter_sends else not shift
            if sends:
                self.submit()
            else:
                # Qt's own Ctrl+Enter inserts nothing: a new line is the same for every key.
                self.textCursor().insertText("\n")
                self.ensureCursorVisible()
            return
        if (
            key == Qt.Key.Key_Up
            and not modifiers & ~Qt.KeyboardModifier.KeypadModifier
            and not self.toPlainText()
        ):
            self.editLastRequested.emit()
            return
        super().keyPressEvent(event)

    def submit(self) -> None:
        text = self.toPlainText().strip()
        if text:
            self.submitted.emit(text)

    def insert_template(self, template: str) -> None:
        """Replace the box's text by the template filled with it (see fill_template); the
        cursor goes where the typed text ends, ready to go on writing. One undo step."""
        message, position = fill_template(template, self.toPlainText())
        cursor = self.textCursor()
        cursor.beginEditBlock()
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.insertText(message)
        cursor.endEditBlock()
        # Qt counts positions in UTF-16 units: an emoji before the cursor counts twice.
        cursor.setPosition(len(message[:position].encode("utf-16-le")) // 2)
        self.setTextCursor(cursor)
        self.setFocus()
