"""Installed models: what each file's header says; import, scan a folder, delete, show."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_llm.chat import ModelRecord
from desktop_llm.ui.locale_format import size
from desktop_llm.ui.models.formatting import tokens
from desktop_llm.ui.models.table import RowTable
from desktop_llm.ui.models_bridge import ModelsBridge


class InstalledTab(QWidget):
    useRequested = Signal(str)  # model name
    convertRequested = Signal()  # open the conversion dialog
    quantizeRequested = Signal(str)  # an installed model's name, to quantize or measure

    def __init__(self, bridge: ModelsBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self.table = RowTable(
            "installedList",
            [
                self.tr("Name"),
                self.tr("Architecture"),
                self.tr("Parameters"),
                self.tr("Quantization"),
                self.tr("Context"),
                self.tr("Chat template"),
                self.tr("Size"),
                self.tr("Source"),
            ],
        )
        self.import_button = QPushButton(self.tr("Import file…"))
        self.import_button.setObjectName("importButton")
        self.scan_button = QPushButton(self.tr("Scan folder…"))
        self.scan_button.setObjectName("scanButton")
        self.use_button = QPushButton(self.tr("Chat with it"))
        self.use_button.setObjectName("useModelButton")
        self.show_button = QPushButton(self.tr("Show in folder"))
        self.show_button.setObjectName("showInFolderButton")
        self.delete_button = QPushButton(self.tr("Delete…"))
        self.delete_button.setObjectName("deleteModelButton")
        self.convert_button = QPushButton(self.tr("Convert…"))
        self.convert_button.setObjectName("convertButton")
        self.convert_button.setToolTip(
            self.tr("Turn Hugging Face weights into GGUF and quantize them, with a quality table")
        )
        self.quantize_button = QPushButton(self.tr("Quantize…"))
        self.quantize_button.setObjectName("quantizeButton")
        self.report = QLabel()
        self.report.setObjectName("importReport")
        self.report.setWordWrap(True)
        buttons = QHBoxLayout()
        for button in (self.import_button, self.scan_button, self.convert_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        for button in (
            self.use_button,
            self.quantize_button,
            self.show_button,
            self.delete_button,
        ):
            buttons.addWidget(button)
        column = QVBoxLayout(self)
        column.addWidget(self.table, 1)
        column.addWidget(self.report)
        column.addLayout(buttons)

        self.import_button.clicked.connect(self._on_import)
        self.scan_button.clicked.connect(self._on_scan)
        self.convert_button.clicked.connect(self.convertRequested)
        self.use_button.clicked.connect(self._on_use)
        self.quantize_button.clicked.connect(self._on_quantize)
        self.show_button.clicked.connect(self._on_show)
        self.delete_button.clicked.connect(self._on_delete)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        bridge.installedChanged.connect(self.refresh)
        self._update_buttons()
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        self._bridge.installed(self._show)

    def _show(self, models: list[ModelRecord]) -> None:
        self.table.setRowCount(0)
        for row, model in enumerate(models):
            facts = model.metadata
            warnings = facts.get("warnings") or []
            template = self.tr("yes") if facts.get("chat_template_present") else self.tr("no")
            if warnings:
                template += " ⚠"
            self.table.set_row(
                row,
                model,
                [
                    model.name,
                    facts.get("architecture") or "",
                    facts.get("parameters") or "",
                    facts.get("quantization") or "",
                    tokens(facts.get("context_length")),
                    template,
                    size(model.size_bytes),
                    self._source_label(model.source),
                ],
                tooltip="\n".join([str(model.path), *warnings]),
            )
        self._update_buttons()

    def _source_label(self, source: str) -> str:
        return {
            "bundled": self.tr("bundled"),
            "imported": self.tr("imported"),
            "downloaded": self.tr("downloaded"),
            "converted": self.tr("converted"),
        }.get(source, source)

    def names(self) -> list[str]:
        return self.table.column_texts(0)

    def import_paths(self, paths: list[Path]) -> None:
        self.report.setText(self.tr("Checking {0}…").format(", ".join(p.name for p in paths)))

        def done(problems: list[str]) -> None:
            self.report.setText("\n".join(problems) if problems else self.tr("Imported."))

        self._bridge.import_paths(paths, done)

    @Slot()
    def _update_buttons(self) -> None:
        chosen = self.table.selected_data() is not None
        for button in (
            self.use_button,
            self.quantize_button,
            self.show_button,
            self.delete_button,
        ):
            button.setEnabled(chosen)

    @Slot()
    def _on_import(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Import a GGUF model"), "", self.tr("GGUF models (*.gguf)")
        )
        if path:
            self.import_paths([Path(path)])

    @Slot()
    def _on_scan(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Scan a folder for GGUF models"))
        if folder:
            self.import_paths([Path(folder)])

    @Slot()
    def _on_use(self) -> None:
        model = self.table.selected_data()
        if model is not None:
            self.useRequested.emit(model.name)

    @Slot()
    def _on_quantize(self) -> None:
        model = self.table.selected_data()
        if model is not None:
            self.quantizeRequested.emit(model.name)

    @Slot()
    def _on_show(self) -> None:
        model = self.table.selected_data()
        if model is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(model.path.parent)))

    @Slot()
    def _on_delete(self) -> None:
        model: ModelRecord | None = self.table.selected_data()
        if model is None:
            return
        inside = model.path.resolve().is_relative_to(self._bridge.models_dir.resolve())
        question = (
            self.tr("Delete {0}? Its file ({1}) is removed from disk.")
            if inside
            else self.tr("Remove {0} from the list? Its file ({1}) stays where it is.")
        ).format(model.name, size(model.size_bytes))
        answer = QMessageBox.question(
            self,
            self.tr("Delete model"),
            question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self._bridge.remove_model(model.name, self.report.setText)
