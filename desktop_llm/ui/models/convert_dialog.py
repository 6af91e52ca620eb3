"""Convert Hugging Face weights to GGUF, quantize, and measure what each quantization costs.

The conversion runs in a child process owned by the core's ``ConversionJob``; this dialog only
starts it (off the GUI thread), listens to its progress and shows its result. The job calls
its listener and its future's callbacks on its own thread, so both only emit signals here.
"""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import PurePath
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
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
)
from desktop_llm.chat.model_manager import ModelManager
from desktop_llm.errors import ConversionCancelled
from desktop_llm.model_files import human_size
from desktop_llm.ui.background import describe_failure
from desktop_llm.ui.models.formatting import tr
from desktop_llm.ui.models.table import RowTable
from desktop_llm.ui.models_bridge import ModelsBridge

# What a quantization costs, as llama.cpp's quantize tool describes it, so that users choose
# knowing the trade before they spend minutes on a conversion.
QUANT_HINTS = {
    "f16": "16 bits/weight, the reference",
    "bf16": "16 bits/weight, the reference",
    "q8_0": "~8.5 bits/weight, nearly lossless",
    "q6_k": "~6.6 bits/weight, very small loss",
    "q5_k_m": "~5.7 bits/weight, small loss",
    "q5_k_s": "~5.5 bits/weight, small loss",
    "q5_1": "~6.0 bits/weight, small loss (older format)",
    "q5_0": "~5.5 bits/weight, small loss (older format)",
    "q4_k_m": "~4.8 bits/weight, good balance",
    "q4_k_s": "~4.6 bits/weight, some loss",
    "q4_1": "~5.0 bits/weight, some loss (older format)",
    "q4_0": "~4.5 bits/weight, some loss (older format)",
    "iq4_xs": "~4.3 bits/weight, some loss, slower on CPU",
    "iq4_nl": "~4.5 bits/weight, some loss, slower on CPU",
    "q3_k_l": "~4.3 bits/weight, noticeable loss",
    "q3_k_m": "~3.9 bits/weight, noticeable loss",
    "q3_k_s": "~3.5 bits/weight, large loss",
    "iq3_m": "~3.7 bits/weight, noticeable loss, slower on CPU",
    "iq3_s": "~3.4 bits/weight, large loss, slower on CPU",
    "iq3_xs": "~3.3 bits/weight, large loss, slower on CPU",
    "iq3_xxs": "~3.1 bits/weight, large loss, slower on CPU",
    "q2_k": "~3.0 bits/weight, large loss, smallest",
}

_CHECKED = Qt.ItemDataRole.UserRole


def quant_label(quantization: str) -> str:
    hint = QUANT_HINTS.get(quantization.lower())
    return f"{quantization.upper()} — {tr(hint)}" if hint else quantization.upper()


def change_text(change: float | None) -> str:
    """A perplexity change against the base, already in percent (3.1): "+3.1 %"."""
    return "" if change is None else f"{change:+.1f} %"


def stage_text(progress: JobProgress) -> str:
    """ "quantize Q4_K_M" + "Tensor 3 of 20" -> "Quantizing to Q4_K_M: Tensor 3 of 20"."""
    verb, _, what = progress.stage.partition(" ")
    labels = {
        "download": tr("Downloading"),
        "check": tr("Checking"),
        "convert": tr("Converting"),
        "quantize": tr("Quantizing to {0}"),
        "evaluate": tr("Measuring {0}"),
    }
    label = labels.get(verb, progress.stage).format(what).strip()
    return f"{label}: {progress.message}" if progress.message else label


class ConvertDialog(QDialog):
    useRequested = Signal(str)  # a converted model's name, to chat with
    _progressed = Signal(object)  # JobProgress, from the job's thread
    _ended = Signal(object)  # the job's Future, from the job's thread

    def __init__(
        self,
        bridge: ModelsBridge,
        parent: QWidget | None = None,
        *,
        manager: ModelManager | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("convertDialog")
        self.setWindowTitle(tr("Convert a model to GGUF"))
        self.setModal(False)
        self.resize(720, 600)
        self._bridge = bridge
        # The manager can be given, so that a test (or another caller) can offer one whose
        # conversion support differs from this machine's.
        self._manager = manager if manager is not None else bridge.manager
        self._job: ConversionJob | None = None
        # Between Start and the job's arrival from the worker thread: already busy, and a
        # cancel pressed then is applied as soon as the job exists.
        self._starting = False
        self._cancel_wanted = False
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
            tr("A folder with config.json and weights, or a Hub repo id")
        )
        self.browse = QPushButton(tr("Browse…"))
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
        self.evaluate = QCheckBox(tr("Measure quality (perplexity)"))
        self.evaluate.setObjectName("convertEvaluate")
        self.start = QPushButton(tr("Start"))
        self.start.setObjectName("convertStart")
        self.cancel = QPushButton(tr("Cancel"))
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
            [tr("Name"), tr("Quantization"), tr("Size"), tr("Perplexity"), tr("Change vs base")],
        )
        self.use = QPushButton(tr("Chat with it"))
        self.use.setObjectName("convertUse")

        source_row = QHBoxLayout()
        source_row.addWidget(self.source, 1)
        source_row.addWidget(self.browse)
        form = QFormLayout()
        form.addRow(tr("Source"), source_row)
        form.addRow(tr("Output type"), self.outtype)
        form.addRow(tr("Quantize to"), self.quants)
        form.addRow(tr("Output name"), self.name)
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
        self._progressed.connect(self._on_progress)
        self._ended.connect(self._on_ended)
        self._update_buttons()
        self._check_available()

    @property
    def running(self) -> bool:
        return self._starting or self._job is not None

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
        # Finding out may import the converter's packages: not on the GUI thread.
        def checked(sentence: str | None) -> None:
            self._checked = True
            self._unavailable = sentence
            self.unavailable.setText(sentence or "")
            self.unavailable.setVisible(bool(sentence))
            self._update_buttons()

        self._bridge.run(self._manager.conversion_unavailable, checked, self.error.setText)

    @Slot()
    def _update_buttons(self) -> None:
        idle = not self.running
        can_start = self._checked and self._unavailable is None and bool(self.source.text().strip())
        self.start.setEnabled(idle and can_start)
        self.cancel.setEnabled(not idle)
        inputs = (self.source, self.browse, self.outtype, self.quants, self.name, self.evaluate)
        for widget in inputs:
            widget.setEnabled(idle)
        self.use.setEnabled(self.quality.selected_data() is not None)

    @Slot()
    def _on_browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("A folder of Hugging Face weights"))
        if folder:
            self.source.setText(folder)

    @Slot(str)
    def _on_source_changed(self, text: str) -> None:
        # The name follows the source until the user writes their own.
        if not self._name_edited:
            self.name.setText(PurePath(text.strip().rstrip("/\\")).name if text.strip() else "")
        self._update_buttons()

    @Slot(str)
    def _on_name_edited(self, text: str) -> None:
        self._name_edited = bool(text)

    @Slot()
    def _on_start(self) -> None:
        request = self.request()
        self.error.clear()
        self.quality.setRowCount(0)
        self.stage.setText(tr("Starting…"))
        self.progress.setRange(0, 0)
        self._job = None
        self._starting = True
        self._cancel_wanted = False
        self._update_buttons()

        def failed(sentence: str) -> None:
            self._finish(tr("Failed."))
            self.error.setText(sentence)

        # Starting may check the source (or reach the Hub) before the child process runs.
        self._bridge.run(lambda: self._manager.convert(request), self._on_started, failed)

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
        self.stage.setText(tr("Cancelling…"))
        self._cancel_wanted = True
        job = self._job
        if job is None:
            return
        # Stopping waits for the child to exit and its files to go: off the GUI thread. The
        # future then ends with ConversionCancelled, which _on_ended reports.
        self._bridge.run(job.cancel, lambda _done: None, self.error.setText)

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
            self._finish(tr("Done."))
            self.progress.setValue(1000)
            self._bridge.installedChanged.emit()
        elif isinstance(error, ConversionCancelled):
            self._finish(tr("Cancelled; partial files were removed."))
        else:
            self._finish(tr("Failed."))
            self.error.setText(describe_failure(error))

    def _finish(self, stage: str) -> None:
        self._job = None
        self._starting = False
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.stage.setText(stage)
        self._update_buttons()

    def _show_result(self, result: ConversionResult) -> None:
        quality = {row.name: row for row in result.quality}
        for row, model in enumerate(result.models):
            measured = quality.get(model.name)
            perplexity = measured.perplexity if measured else None
            self.quality.set_row(
                row,
                model,
                [
                    model.name,
                    measured.quantization if measured else model.metadata.get("quantization", ""),
                    human_size(measured.size_bytes if measured else model.size_bytes),
                    "" if perplexity is None else f"{perplexity:.2f}",
                    change_text(measured.change if measured else None),
                ],
                tooltip=str(model.path),
            )
        if result.models:
            self.quality.selectRow(0)

    @Slot()
    def _on_use(self) -> None:
        model: Any = self.quality.selected_data()
        if model is not None:
            self.useRequested.emit(model.name)
