"""Downloads: the queue with progress, speed and time left; pause, resume and cancel."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from desktop_llm.chat import DownloadSnapshot, DownloadState
from desktop_llm.errors import HubAuthError
from desktop_llm.ui.locale_format import size
from desktop_llm.ui.models.formatting import duration
from desktop_llm.ui.models.table import RowTable
from desktop_llm.ui.models_bridge import ModelsBridge

_PAUSABLE = (DownloadState.QUEUED, DownloadState.DOWNLOADING)
_RESUMABLE = (DownloadState.PAUSED, DownloadState.FAILED)
_CANCELLABLE = (*_PAUSABLE, *_RESUMABLE)
Action = Callable[[str, Callable[[str], None]], None]


class DownloadsTab(QWidget):
    tokenNeeded = Signal()  # a gated or private repository refused us: ask for a token

    def __init__(self, bridge: ModelsBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._rows: dict[str, int] = {}
        self._snapshots: dict[str, DownloadSnapshot] = {}
        self.table = RowTable(
            "downloadList",
            [
                self.tr("Model"),
                self.tr("State"),
                self.tr("Progress"),
                self.tr("Downloaded"),
                self.tr("Speed"),
                self.tr("Time left"),
            ],
        )
        self.pause_button = QPushButton(self.tr("Pause"))
        self.pause_button.setObjectName("pauseButton")
        self.resume_button = QPushButton(self.tr("Resume"))
        self.resume_button.setObjectName("resumeButton")
        self.cancel_button = QPushButton(self.tr("Cancel download"))
        self.cancel_button.setObjectName("cancelDownloadButton")
        self.problem = QLabel()
        self.problem.setObjectName("downloadProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b91c1c;")
        buttons = QHBoxLayout()
        for button in (self.pause_button, self.resume_button, self.cancel_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        column = QVBoxLayout(self)
        column.addWidget(self.table, 1)
        column.addWidget(self.problem)
        column.addLayout(buttons)

        self.pause_button.clicked.connect(lambda: self._act(bridge.pause_download))
        self.resume_button.clicked.connect(lambda: self._act(bridge.resume_download))
        self.cancel_button.clicked.connect(lambda: self._act(bridge.cancel_download))
        self.table.itemSelectionChanged.connect(self._update_buttons)
        bridge.downloadChanged.connect(self.show_snapshot)
        self._update_buttons()

    def job_ids(self) -> list[str]:
        return list(self._rows)

    def state_of(self, job_id: str) -> DownloadState | None:
        snapshot = self._snapshots.get(job_id)
        return snapshot.state if snapshot else None

    def bytes_done(self, job_id: str) -> int:
        snapshot = self._snapshots.get(job_id)
        return snapshot.bytes_done if snapshot else 0

    @Slot(object)
    def show_snapshot(self, snapshot: DownloadSnapshot) -> None:
        previous = self._snapshots.get(snapshot.job_id)
        newly_failed = snapshot.error is not None and (
            previous is None or previous.state != snapshot.state
        )
        self._snapshots[snapshot.job_id] = snapshot
        row = self._rows.setdefault(snapshot.job_id, len(self._rows))
        state = snapshot.state
        name = snapshot.current_file or snapshot.files[0].path
        done = f"{size(snapshot.bytes_done)} / {size(snapshot.bytes_total)}"
        speed = self.tr("{0}/s").format(size(snapshot.speed)) if snapshot.speed else ""
        eta = duration(snapshot.eta_seconds) if state is DownloadState.DOWNLOADING else ""
        label = self._state_label(state)
        if snapshot.note:
            label += f" ({snapshot.note})"
        self.table.set_row(
            row,
            snapshot.job_id,
            [
                f"{snapshot.repo_id} · {name}",
                label,
                "",
                done,
                speed,
                eta,
            ],
            tooltip=str(snapshot.error or snapshot.note or ""),
        )
        bar = self.table.cellWidget(row, 2)
        if not isinstance(bar, QProgressBar):
            bar = QProgressBar()
            bar.setRange(0, 1000)
            self.table.setCellWidget(row, 2, bar)
        bar.setValue(int(snapshot.fraction * 1000))
        if snapshot.error is not None:
            self.problem.setText(str(snapshot.error))
            if newly_failed and isinstance(snapshot.error, HubAuthError):
                self.tokenNeeded.emit()
        self._update_buttons()

    def _state_label(self, state: DownloadState) -> str:
        return {
            DownloadState.QUEUED: self.tr("Queued"),
            DownloadState.DOWNLOADING: self.tr("Downloading"),
            DownloadState.PAUSED: self.tr("Paused"),
            DownloadState.VERIFYING: self.tr("Checking"),
            DownloadState.COMPLETED: self.tr("Done"),
            DownloadState.FAILED: self.tr("Failed"),
            DownloadState.CANCELLED: self.tr("Cancelled"),
        }.get(state, state.value)

    def select_job(self, job_id: str) -> None:
        if job_id in self._rows:
            self.table.selectRow(self._rows[job_id])

    def _selected(self) -> DownloadSnapshot | None:
        job_id = self.table.selected_data()
        return self._snapshots.get(job_id) if job_id else None

    @Slot()
    def _update_buttons(self) -> None:
        snapshot = self._selected()
        state = snapshot.state if snapshot else None
        self.pause_button.setEnabled(state in _PAUSABLE)
        self.resume_button.setEnabled(state in _RESUMABLE)
        self.cancel_button.setEnabled(state in _CANCELLABLE)

    def _act(self, action: Action) -> None:
        snapshot = self._selected()
        if snapshot is not None:
            action(snapshot.job_id, self.problem.setText)
