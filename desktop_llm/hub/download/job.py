"""One download job (a model: one file or all parts of a split one) and its snapshots.

The manager (manager.DownloadManager) owns the jobs and changes them under its lock; a
DownloadJob is the live, read-only view it hands out, a DownloadSnapshot an immutable copy for
listeners on other threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from desktop_llm.errors import DesktopLLMError
from desktop_llm.hub.download.local_paths import final_path
from desktop_llm.hub.download.manifest import JobManifest
from desktop_llm.hub.download.transfer_control import TransferControl
from desktop_llm.hub.download.transfer_rate import RateMeter
from desktop_llm.hub.types import FilePart


class JobState(str, Enum):
    QUEUED = "queued"
    DOWNLOADING = "downloading"
    PAUSED = "paused"
    VERIFYING = "verifying"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in (JobState.COMPLETED, JobState.CANCELLED)


@dataclass(frozen=True)
class DownloadSnapshot:
    """A job's state at one moment: immutable, safe to pass to another thread."""

    job_id: str
    repo_id: str
    revision: str
    files: tuple[FilePart, ...]
    state: JobState
    bytes_done: int
    bytes_total: int
    speed: float | None
    """Smoothed bytes per second while downloading, else None."""
    eta_seconds: float | None
    error: DesktopLLMError | None
    note: str | None
    """What is happening right now, e.g. the retry after a dropped connection."""
    current_file: str | None
    paths: tuple[Path, ...]
    """Final paths of the files (all of them once the job is completed)."""

    @property
    def fraction(self) -> float:
        return self.bytes_done / self.bytes_total if self.bytes_total else 0.0


CompletedHook = Callable[[DownloadSnapshot, list[Path]], None]
Listener = Callable[[DownloadSnapshot], None]


class DownloadJob:
    """A live, read-only view on one job; the manager changes it under its lock."""

    def __init__(
        self, manifest: JobManifest, models_dir: Path, state: JobState, lock: threading.RLock
    ) -> None:
        self._lock = lock
        self._manifest = manifest
        self._paths = tuple(
            final_path(models_dir, manifest.repo_id, item.path) for item in manifest.files
        )
        self._state = state
        self._finished_bytes = 0
        self._current_done = 0
        self._received = 0  # network bytes this session, for the speed
        self._received_in_call = 0
        self._meter = RateMeter()
        self._error: DesktopLLMError | None = None
        self._note: str | None = None
        self._current_file: str | None = None
        self._control = TransferControl()

    @property
    def id(self) -> str:
        return self._manifest.job_id

    @property
    def repo_id(self) -> str:
        return self._manifest.repo_id

    @property
    def revision(self) -> str:
        return self._manifest.revision

    @property
    def files(self) -> tuple[FilePart, ...]:
        return self._manifest.files

    @property
    def paths(self) -> tuple[Path, ...]:
        return self._paths

    @property
    def state(self) -> JobState:
        return self._state

    @property
    def bytes_done(self) -> int:
        return self._finished_bytes + self._current_done

    @property
    def bytes_total(self) -> int:
        return sum(f.size_bytes for f in self.files)

    @property
    def speed(self) -> float | None:
        return self._meter.speed if self._state is JobState.DOWNLOADING else None

    @property
    def eta_seconds(self) -> float | None:
        if self._state is not JobState.DOWNLOADING:
            return None
        return self._meter.seconds_left(self.bytes_total - self.bytes_done)

    @property
    def error(self) -> DesktopLLMError | None:
        return self._error

    def snapshot(self) -> DownloadSnapshot:
        """A consistent copy of every field (the properties above may change in between)."""
        with self._lock:
            return self._snapshot_locked()

    def _snapshot_locked(self) -> DownloadSnapshot:
        return DownloadSnapshot(
            job_id=self.id,
            repo_id=self.repo_id,
            revision=self.revision,
            files=self.files,
            state=self._state,
            bytes_done=self.bytes_done,
            bytes_total=self.bytes_total,
            speed=self.speed,
            eta_seconds=self.eta_seconds,
            error=self._error,
            note=self._note,
            current_file=self._current_file,
            paths=self._paths,
        )

    def __repr__(self) -> str:
        return f"<DownloadJob {self.id} {self.repo_id} {self._state.value}>"
