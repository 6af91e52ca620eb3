"""Convert Hugging Face weights to GGUF, quantize, and measure what each quantization costs.

The work is one core ``ConversionJob`` (converting a folder or repo, or quantizing an installed
model to several types and measuring them: the workflow and the quality table are the core's);
this dialog starts it through the bridge, listens to its progress and shows its result. A job
calls its listener and its future's callbacks on its own thread, so both only emit signals.
"""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import PurePath

from PySide6.QtCore import QCoreApplication, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_llm.chat import (
    OUTTYPES,
    QUANT_TARGETS,
    ConversionJob,
    ConversionRequest,
    ConversionResult,
    JobProgress,
    describe_quantization,
)
from desktop_llm.errors import ConversionCancelled
from desktop_llm.ui.background import describe_failure
from desktop_llm.ui.locale_format import decimal, size
from desktop_llm.ui.models.table import RowTable
from desktop_llm.ui.models_bridge import ModelsBridge

_CHECKED = Qt.ItemDataRole.UserRole


def quant_label(quantization: str) -> str:
    hint = describe_quantization(quantization)
    return f"{quantization.upper()} — {hint}" if hint else quantization.upper()


def change_text(change: float | None) -> str:
    """A perplexity change against the base, already in percent (3.1): "+3.1 %"."""
    if change is None:
        return ""
    return ("+" if change >= 0 else "") + decimal(change, 1) + " %"


def stage_text(progress: JobProgress) -> str:
    """ "quantize Q4_K_M" + "Tensor 3 of 20" -> "Quantizing to Q4_K_M: Tensor 3 of 20"."""
    verb, _, what = progress.stage.partition(" ")
    labels = {
        "download": QCoreApplication.translate("ConvertDialog", "Downloading"),
        "check": QCoreApplication.translate("ConvertDialog", "Checking"),
        "convert": QCoreApplication.translate("ConvertDialog", "Converting"),
        "quantize": QCoreApplication.translate("ConvertDialog", "Quantizing to {0}"),
        "evaluate": QCoreApplication.translate("ConvertDialog", "Measuring {0}"),
    }
    label = labels.get(verb, progress.stage).format(what).strip()
    if not progress.message:
        return label
    return QCoreApplication.translate("ConvertDialog", "{0}: {1}").format(label, progress.message)


class ConvertDialog(QDialog):
    useRequested = Signal(str)  # a converted model's name, to chat with
    _progressed = Signal(object)  # JobProgress, from the job's thread
    _ended = Signal(object)  # the job's Future, from the job's thread

    def __init__(self, bridge: ModelsBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("convertDialog")
        self.setWindowTitle(self.tr("Convert a model to GGUF"))
        self.setModal(False)
        self.resize(720, 600)
        self._bridge = bridge
        self._job: ConversionJob | None = None
        # Between Start and the job's arrival from the worker thread: already busy, and a
        # cancel pressed then is applied as soon as the job exists.
        self._starting = False
        self._cancel_wanted = False
        # Set when quantizing an installed model rather than converting a folder.
        self._model: str | None = None
        self._unavailable: str | None = None
        self._checked = False
        self._name_edited = False

        self.unavailable = QLabel()
        self.unavailable.setObjectName("convertUnavailable")
        self.unavailable.setWordWrap(True)
        self.unavailable.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.unavailable.setStyleSheet(
            "background: #fef3c7; color: #92400e; padding: 8px; border-radius: 4px;"
        )
        self.unavailable.hide()
        self.source = QLineEdit()
        self.source.setObjectName("convertSource")
        self.source.setPlaceholderText(
            self.tr("A folder with config.json and weights, or a Hub repo id")
        )
        self.browse = QPushButton(self.tr("Browse…"))
        self.browse.setObjectName("convertBrowse")
        self.outtype = QComboBox()
        self.outtype.setObjectName("convertOuttype")
        for outtype in OUTTYPES:
            self.outtype.addItem(outtype.upper(), outtype)
        self.quants = QListWidget()
        self.quants.setObjectName("convertQuants")
        for quantization in QUANT_TARGETS:
            item = QListWidgetItem(quant_label(quantization))
            item.setData(_CHECKED, quantization)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.quants.addItem(item)
        self.name = QLineEdit()
        self.name.setObjectName("convertName")
        self.evaluate = QCheckBox(self.tr("Measure quality (perplexity)"))
        self.evaluate.setObjectName("convertEvaluate")
        self.start = QPushButton(self.tr("Start"))
        self.start.setObjectName("convertStart")
        self.cancel = QPushButton(self.tr("Cancel"))
        self.cancel.setObjectName("convertCancel")
        self.progress = QProgressBar()
        self.progress.setObjectName("convertProgress")
        self.progress.setRange(0, 1000)
        self.stage = QLabel()
        self.stage.setObjectName("convertStage")
        self.error = QLabel()
        self.error.setObjectName("convertError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b91c1c;")
        self.quality = RowTable(
            "qualityTable",
            [
                self.tr("Name"),
                self.tr("Quantization"),
                self.tr("Size"),
                self.tr("Perplexity"),
                self.tr("Change vs base"),
            ],
        )
        self.use = QPushButton(self.tr("Chat with it"))
        self.use.setObjectName("convertUse")
        self.mode = QLabel()
        self.mode.setObjectName("convertMode")

        source_row = QHBoxLayout()
        source_row.addWidget(self.source, 1)
        source_row.addWidget(self.browse)
        form = QFormLayout()
        form.addRow(self.tr("Source"), source_row)
        form.addRow("", self.mode)
        form.addRow(self.tr("Output type"), self.outtype)
        form.addRow(self.tr("Quantize to"), self.quants)
        form.addRow(self.tr("Output name"), self.name)
        form.addRow("", self.evaluate)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start)
        buttons.addWidget(self.cancel)
        buttons.addStretch(1)
        result_buttons = QHBoxLayout()
        result_buttons.addStretch(1)
        result_buttons.addWidget(self.use)
        column = QVBoxLayout(self)
        column.addWidget(self.unavailable)
        column.addLayout(form)
        column.addLayout(buttons)
        column.addWidget(self.progress)
        column.addWidget(self.stage)
        column.addWidget(self.error)
        column.addWidget(self.quality, 1)
        column.addLayout(result_buttons)

        self.browse.clicked.connect(self._on_browse)
        self.source.textChanged.connect(self._on_source_changed)
        self.name.textEdited.connect(self._on_name_edited)
        self.start.clicked.connect(self._on_start)
        self.cancel.clicked.connect(self._on_cancel)
        self.use.clicked.connect(self._on_use)
        self.quality.itemSelectionChanged.connect(self._update_buttons)
        # What is checked decides whether a quantization has anything to do.
        self.quants.itemChanged.connect(lambda _item: self._update_buttons())
        self.evaluate.toggled.connect(lambda _on: self._update_buttons())
        self._progressed.connect(self._on_progress)
        self._ended.connect(self._on_ended)
        self._update_buttons()
        self._check_available()

    @property
    def running(self) -> bool:
        return self._starting or self._job is not None

    def convert_folder(self) -> None:
        """Back to converting a folder or Hub repo (unless a job is running)."""
        if self.running or self._model is None:
            return
        self._model = None
        self.setWindowTitle(self.tr("Convert a model to GGUF"))
        self.source.setReadOnly(False)
        self.source.clear()
        self._show_mode()

    def quantize_model(self, name: str) -> None:
        """Quantize (and or measure) an installed model instead (unless a job is running)."""
        if self.running:
            return
        self._model = name
        self.setWindowTitle(self.tr("Quantize {0}").format(name))
        self.source.setText(name)
        self.source.setReadOnly(True)
        self._show_mode()

    def _show_mode(self) -> None:
        quantizing = self._model is not None
        self.browse.setVisible(not quantizing)
        self.mode.setText(
            self.tr("Quantizing an installed model: its new files are named after it.")
            if quantizing
            else ""
        )
        self.mode.setVisible(quantizing)
        # Quantizing and measuring use llama.cpp alone: only converting needs the extra.
        self.unavailable.setVisible(bool(self._unavailable) and not quantizing)
        self._update_buttons()

    def quantizations(self) -> tuple[str, ...]:
        return tuple(
            self.quants.item(row).data(_CHECKED)
            for row in range(self.quants.count())
            if self.quants.item(row).checkState() == Qt.CheckState.Checked
        )

    def request(self) -> ConversionRequest:
        return ConversionRequest(
            source=self.source.text().strip(),
            outtype=self.outtype.currentData(),
            quantizations=self.quantizations(),
            name=self.name.text().strip() or None,
            evaluate=self.evaluate.isChecked(),
        )

    def _check_available(self) -> None:
        def checked(sentence: str | None) -> None:
            self._checked = True
            self._unavailable = sentence
            self.unavailable.setText(sentence or "")
            self._show_mode()

        self._bridge.conversion_unavailable(checked, self.error.setText)

    @Slot()
    def _update_buttons(self) -> None:
        idle = not self.running
        can_start = self._checked and bool(self.source.text().strip())
        if self._model is None:
            can_start = can_start and self._unavailable is None
        else:
            can_start = can_start and bool(self.quantizations() or self.evaluate.isChecked())
        self.start.setEnabled(idle and can_start)
        self.cancel.setEnabled(not idle)
        for widget in (self.source, self.browse, self.quants, self.evaluate):
            widget.setEnabled(idle)
        # The output type and name belong to a conversion; a quantization derives them.
        for widget in (self.outtype, self.name):
            widget.setEnabled(idle and self._model is None)
        self.use.setEnabled(self.quality.selected_data() is not None)

    @Slot()
    def _on_browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("A folder of Hugging Face weights"))
        if folder:
            self.source.setText(folder)

    @Slot(str)
    def _on_source_changed(self, text: str) -> None:
        # The name follows the source until the user writes their own.
        if not self._name_edited and self._model is None:
            self.name.setText(PurePath(text.strip().rstrip("/\\")).name if text.strip() else "")
        self._update_buttons()

    @Slot(str)
    def _on_name_edited(self, text: str) -> None:
        self._name_edited = bool(text)

    @Slot()
    def _on_start(self) -> None:
        self.error.clear()
        self.quality.setRowCount(0)
        self.stage.setText(self.tr("Starting…"))
        self.progress.setRange(0, 0)
        self._job = None
        self._cancel_wanted = False
        self._starting = True
        self._update_buttons()

        def failed(sentence: str) -> None:
            self._finish(self.tr("Failed."))
            self.error.setText(sentence)

        if self._model is None:
            self._bridge.convert(self.request(), self._on_started, failed)
        else:
            self._bridge.quantize(
                self._model,
                self.quantizations(),
                evaluate=self.evaluate.isChecked(),
                on_started=self._on_started,
                on_error=failed,
            )

    def _on_started(self, job: ConversionJob) -> None:
        self._starting = False
        self._job = job
        self._update_buttons()
        job.subscribe(self._progressed.emit)
        job.future.add_done_callback(self._ended.emit)
        if self._cancel_wanted:
            self._on_cancel()

    @Slot()
    def _on_cancel(self) -> None:
        self.cancel.setEnabled(False)
        self.stage.setText(self.tr("Cancelling…"))
        self._cancel_wanted = True
        job = self._job
        if job is None:
            return
        # The future then ends with ConversionCancelled, which _on_ended reports.
        self._bridge.cancel_conversion(job, self.error.setText)

    @Slot(object)
    def _on_progress(self, progress: JobProgress) -> None:
        if self._job is None or self._cancel_wanted:
            return  # a late report from a job that ended or is being stopped
        self.stage.setText(stage_text(progress))
        if progress.fraction is None:
            self.progress.setRange(0, 0)
        else:
            self.progress.setRange(0, 1000)
            self.progress.setValue(round(progress.fraction * 1000))

    @Slot(object)
    def _on_ended(self, future: Future[ConversionResult]) -> None:
        error = future.exception()
        if error is None:
            result = future.result()
            self._show_result(result)
            if result.models:
                self._bridge.installedChanged.emit()
            self._finish(self.tr("Done."))
            self.progress.setValue(1000)
        elif isinstance(error, ConversionCancelled):
            self._finish(self.tr("Cancelled; partial files were removed."))
        else:
            self._finish(self.tr("Failed."))
            self.error.setText(describe_failure(error))

    def _finish(self, stage: str) -> None:
        self._job = None
        self._starting = False
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.stage.setText(stage)
        self._update_buttons()

    def _show_result(self, result: ConversionResult) -> None:
        """One row per model: measured ones first (base, then the others), in their order."""
        measured = result.quality
        known = {row.name for row in measured}
        rows = [
            (row.name, row.quantization, row.size_bytes, row.perplexity, row.change)
            for row in measured
        ] + [
            (m.name, m.metadata.get("quantization") or "", m.size_bytes, None, None)
            for m in result.models
            if m.name not in known
        ]
        for index, (name, quantization, size_bytes, perplexity, change) in enumerate(rows):
            self.quality.set_row(
                index,
                name,
                [
                    name,
                    quantization,
                    size(size_bytes),
                    "" if perplexity is None else decimal(perplexity, 2),
                    change_text(change),
                ],
            )
        if rows:
            self.quality.selectRow(0)

    @Slot()
    def _on_use(self) -> None:
        name: str | None = self.quality.selected_data()
        if name is not None:
            self.useRequested.emit(name)
