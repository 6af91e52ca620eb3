"""The conversations of the sidebar as a Qt list model, and the short dates its rows show.

One model row per conversation (no widget per row), so 10,000 conversations cost a list of
records. A refresh keeps the view's selection and current row on the same conversations even
when they move (a layout change with the persistent indexes moved along), and costs one
comparison per row when nothing moved.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from desktop_llm.chat import ConversationRecord
from desktop_llm.ui.locale_format import short_date, short_time

ID_ROLE = Qt.ItemDataRole.UserRole
PINNED_ROLE = Qt.ItemDataRole.UserRole + 1
UPDATED_ROLE = Qt.ItemDataRole.UserRole + 2

_Index = QModelIndex | QPersistentModelIndex


def relative_date(when: datetime, now: datetime | None = None) -> str:
    """In local time and the interface's locale: the time today ("14:03", "2:03 PM"),
    "Yesterday", a short weekday name within the week, else the short date ("3/1/26",
    "2026/3/1")."""
    local = when.astimezone()
    today = (now or datetime.now().astimezone()).astimezone().date()
    day = local.date()
    if day == today:
        return short_time(local)
    if day == today - timedelta(days=1):
        return QCoreApplication.translate("ConversationModel", "Yesterday")
    if today - timedelta(days=7) < day < today:
        return QLocale().dayName(day.isoweekday(), QLocale.FormatType.ShortFormat)
    return short_date(local)


class ConversationModel(QAbstractListModel):
    # A title changed through the view's editor: (conversation id, new title).
    titleEdited = Signal(int, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ConversationRecord] = []
        self._row_of: dict[int, int] = {}

    # Reading ----------------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        record = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return record.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return record.title
        if role == Qt.ItemDataRole.AccessibleTextRole:
            if record.pinned:
                return self.tr("{0} (pinned)").format(record.title)
            return record.title
        if role == ID_ROLE:
            return record.id
        if role == PINNED_ROLE:
            return record.pinned
        if role == UPDATED_ROLE:
            return record.updated_at
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        return flags | Qt.ItemFlag.ItemIsEditable if index.isValid() else flags

    def record(self, row: int) -> ConversationRecord:
        return self._rows[row]

    def row_of(self, conversation_id: int) -> int | None:
        return self._row_of.get(conversation_id)

    def ids(self) -> list[int]:
        return [record.id for record in self._rows]

    def titles(self) -> list[str]:
        return [record.title for record in self._rows]

    # Changing ---------------------------------------------------------------------------------

    def setData(
        self, index: _Index, value: object, role: int = Qt.ItemDataRole.EditRole
    ) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        record = self._rows[index.row()]
        title = str(value).strip()
        if not title or title == record.title:
            return False
        # Shown at once; the store's answer comes back with the next refresh.
        self._rows[index.row()] = dataclasses.replace(record, title=title)
        self.dataChanged.emit(index, index)
        self.titleEdited.emit(record.id, title)
        return True

    def set_conversations(self, conversations: Sequence[ConversationRecord]) -> None:
        records = list(conversations)
        old_ids = self.ids()
        new_ids = [record.id for record in records]
        if old_ids == new_ids:
            changed = [row for row, (old, new) in enumerate(zip(self._rows, records, strict=True))
                       if old != new]
            self._rows = records
            if changed:
                self.dataChanged.emit(self.index(changed[0]), self.index(changed[-1]))
            return
        if not old_ids or not new_ids:
            self.beginResetModel()
            self._replace(records)
            self.endResetModel()
            return
        # Rows moved, came or went: a layout change that carries the selection, the current
        # row and an open editor's index to where their conversations are now.
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        moved_ids = [old_ids[index.row()] for index in persistent]
        self._replace(records)
        self.changePersistentIndexList(
            persistent,
            [self._index_of(conversation_id) for conversation_id in moved_ids],
        )
        self.layoutChanged.emit()

    def _replace(self, records: list[ConversationRecord]) -> None:
        self._rows = records
        self._row_of = {record.id: row for row, record in enumerate(records)}

    def _index_of(self, conversation_id: int) -> QModelIndex:
        row = self._row_of.get(conversation_id)
        return self.index(row) if row is not None else QModelIndex()
