"""The model selector: a combo box that says when its list is about to open, so the remote
servers' models can be asked for again; the list opens at once, and grows to fit the rows
that arrive while it is open."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QWidget


class ModelSelector(QComboBox):
    popupAboutToShow = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelSelector")
        # The list is rebuilt row by row: refit the open popup once, after the last row.
        self._refit = QTimer(self)
        self._refit.setSingleShot(True)
        self._refit.setInterval(0)
        self._refit.timeout.connect(self._on_refit)
        self.model().rowsInserted.connect(self._refit.start)
        self.model().rowsRemoved.connect(self._refit.start)

    def showPopup(self) -> None:
        self.popupAboutToShow.emit()  # receivers must not block: the list opens now
        super().showPopup()

    def _on_refit(self) -> None:
        if self.view().isVisible():
            super().showPopup()  # sized again for the rows it now has
