"""A read-only table whose rows carry an object, the building block of every tab."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

_ROW_DATA = Qt.ItemDataRole.UserRole


class RowTable(QTableWidget):
    def __init__(self, object_name: str, headers: Sequence[str], parent: QWidget | None = None):
        super().__init__(0, len(headers), parent)
        self.setObjectName(object_name)
        self.setHorizontalHeaderLabels(list(headers))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(headers)):
            self.horizontalHeader().setSectionResizeMode(
                column, QHeaderView.ResizeMode.ResizeToContents
            )

    def set_row(
        self,
        row: int,
        data: Any,
        cells: Sequence[str],
        *,
        tooltip: str = "",
        colours: dict[int, QColor] | None = None,
    ) -> None:
        if row >= self.rowCount():
            self.setRowCount(row + 1)
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setData(_ROW_DATA, data)
            if tooltip:
                item.setToolTip(tooltip)
            if colours and column in colours:
                item.setForeground(colours[column])
            self.setItem(row, column, item)

    def row_data(self, row: int) -> Any:
        item = self.item(row, 0)
        return item.data(_ROW_DATA) if item else None

    def selected_data(self) -> Any:
        rows = self.selectionModel().selectedRows()
        return self.row_data(rows[0].row()) if rows else None

    def column_texts(self, column: int) -> list[str]:
        return [self.item(row, column).text() for row in range(self.rowCount())]
