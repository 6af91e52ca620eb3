"""Export several conversations at once: tick them in a list, pick a format and a folder.

The dialog only gathers the choice; the window's transfer actions do the export off the GUI
thread once it is accepted.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_llm.chat import ConversationRecord
from desktop_llm.transcripts.formats import ExportFormat
from desktop_llm.ui.dialog_parts import ok_cancel_buttons, problem_label

_ID_ROLE = Qt.ItemDataRole.UserRole


class ExportDialog(QDialog):
    def __init__(
        self,
        conversations: Sequence[ConversationRecord],
        checked_id: int | None,
        formats: Sequence[tuple[ExportFormat, str]],  # each format with its label
        folder: Path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle(self.tr("Export conversations"))
        self._formats = [fmt for fmt, _label in formats]

        self.filter = QLineEdit()
        self.filter.setObjectName("exportFilter")
        self.filter.setPlaceholderText(self.tr("Filter by title"))
        self.filter.setClearButtonEnabled(True)
        self.checklist = QListWidget()
        self.checklist.setObjectName("exportChecklist")
        self.checklist.setUniformItemSizes(True)
        for conversation in conversations:
            item = QListWidgetItem(conversation.title)
            item.setData(_ID_ROLE, conversation.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = conversation.id == checked_id
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.checklist.addItem(item)
            if checked:
                self.checklist.setCurrentItem(item)
        self.select_all_button = QPushButton(self.tr("Select all"))
        self.select_all_button.setObjectName("selectAllButton")
        self.select_none_button = QPushButton(self.tr("Select none"))
        self.select_none_button.setObjectName("selectNoneButton")
        self.count_label = QLabel()
        self.count_label.setObjectName("exportCount")

        self.format_box = QComboBox()
        self.format_box.setObjectName("exportFormat")
        for fmt, label in formats:
            self.format_box.addItem(f"{label} ({fmt.extension})", fmt.key)
        self.folder_field = QLineEdit(str(folder))
        self.folder_field.setObjectName("exportFolder")
        self.choose_button = QPushButton(self.tr("Choose…"))
        self.choose_button.setObjectName("chooseFolderButton")
        self.problem = problem_label("exportProblem")
        self.buttons = ok_cancel_buttons(self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Export"))

        self._lay_out()
        self.filter.textChanged.connect(self._on_filter_changed)
        self.checklist.itemChanged.connect(self._update_count)
        self.select_all_button.clicked.connect(lambda: self._check_shown(True))
        self.select_none_button.clicked.connect(lambda: self._check_shown(False))
        self.choose_button.clicked.connect(self._choose_folder)
        self._update_count()
        self.resize(480, 520)

    def _lay_out(self) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Conversations to export:")))
        layout.addWidget(self.filter)
        layout.addWidget(self.checklist, 1)
        row = QHBoxLayout()
        row.addWidget(self.select_all_button)
        row.addWidget(self.select_none_button)
        row.addStretch(1)
        row.addWidget(self.count_label)
        layout.addLayout(row)
        form = QFormLayout()
        form.addRow(self.tr("Format:"), self.format_box)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_field, 1)
        folder_row.addWidget(self.choose_button)
        form.addRow(self.tr("Into the folder:"), folder_row)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

    # What was chosen ----------------------------------------------------------------------------

    def chosen_ids(self) -> list[int]:
        """The ticked conversations, in the list's order (hidden by the filter or not)."""
        return [
            int(item.data(_ID_ROLE)) for item in self._items()
            if item.checkState() == Qt.CheckState.Checked
        ]

    def chosen_format(self) -> ExportFormat:
        return self._formats[self.format_box.currentIndex()]

    def folder(self) -> Path:
        return Path(self.folder_field.text().strip()).expanduser()

    def accept(self) -> None:
        if not self.chosen_ids():
            self._show_problem(self.tr("Tick at least one conversation to export."))
            return
        if not self.folder_field.text().strip():
            self._show_problem(self.tr("Choose the folder to export into."))
            return
        folder = self.folder()
        if folder.exists() and not folder.is_dir():
            self._show_problem(self.tr("{0} is a file, not a folder.").format(folder))
            return
        super().accept()

    # Helpers ------------------------------------------------------------------------------------

    def _items(self) -> list[QListWidgetItem]:
        return [self.checklist.item(row) for row in range(self.checklist.count())]

    def _check_shown(self, checked: bool) -> None:
        state = Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
        self.checklist.blockSignals(True)  # one count update, not one per row
        for item in self._items():
            if not item.isHidden():
                item.setCheckState(state)
        self.checklist.blockSignals(False)
        self._update_count()

    @Slot(str)
    def _on_filter_changed(self, text: str) -> None:
        needle = text.casefold().strip()
        for item in self._items():
            item.setHidden(bool(needle) and needle not in item.text().casefold())

    @Slot()
    def _update_count(self) -> None:
        chosen = len(self.chosen_ids())
        total = self.checklist.count()
        self.count_label.setText(self.tr("{0} of {1} chosen").format(chosen, total))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(chosen > 0)
        if chosen:
            self.problem.hide()

    def _show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()

    @Slot()
    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(
            self, self.tr("Export into the folder"), self.folder_field.text()
        )
        if chosen:
            self.folder_field.setText(chosen)
