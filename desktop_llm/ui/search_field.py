"""The search box above the conversation list: it asks for a search once typing pauses."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget

SEARCH_DELAY_MS = 150


class SearchField(QLineEdit):
    # The query to show results for, once typing has paused; "" at once when the field empties.
    queryChanged = Signal(str)
    # Esc cleared the field, or Down was pressed: the list below should take the focus.
    leaveRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conversationSearch")
        self.setPlaceholderText(self.tr("Search conversations"))
        self.setToolTip(self.tr("Search titles and messages of all conversations"))
        self.setClearButtonEnabled(True)
        self._pause = QTimer(self)
        self._pause.setSingleShot(True)
        self._pause.setInterval(SEARCH_DELAY_MS)
        self._pause.timeout.connect(self._on_pause)
        self.textChanged.connect(self._on_text_changed)
        self._emitted = ""

    def query(self) -> str:
        return self.text().strip()

    def event(self, event: QEvent) -> bool:
        # Esc is also the window's "stop the reply" shortcut; while there is a search to
        # clear, the field takes it first.
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
            and self.text()
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            self.leaveRequested.emit()
            return
        if event.key() == Qt.Key.Key_Down:
            self.leaveRequested.emit()
            return
        super().keyPressEvent(event)

    @Slot(str)
    def _on_text_changed(self, text: str) -> None:
        if text.strip():
            self._pause.start()
        else:
            self._pause.stop()
            self._emit("")

    @Slot()
    def _on_pause(self) -> None:
        if self.query():
            self._emit(self.query())

    def _emit(self, query: str) -> None:
        # "cat" and "cat " are one search.
        if query != self._emitted:
            self._emitted = query
            self.queryChanged.emit(query)
