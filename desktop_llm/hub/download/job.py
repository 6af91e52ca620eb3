"""One download job (a model: one file or all parts of a split one), its states and snapshots.

A DownloadJob changes only through its own methods, each a transition of the state machine
below (an impossible change is a bug and raises); the manager (manager.DownloadManager) decides
when, and publishes the result. The job shares the manager's lock, so a change and the
snapshot taken after it are one step for every other thread. A DownloadSnapshot is an immutable
copy for listeners on other threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path

from desktop_llm.errors import DesktopLLMError
from desktop_llm.hub.download.local_paths import final_path, partial_path, size_on_disk
from desktop_llm.hub.download.manifest import JobManifest
from desktop_llm.hub.download.transfer import TransferPhase, TransferProgress
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

    @property
    def can_resume(self) -> bool:
        return self in (JobState.PAUSED, JobState.FAILED)


# Every change a job can go through. Paused is also where a job starts (new or restored).
_NEXT: dict[JobState, frozenset[JobState]] = {
    JobState.PAUSED: frozenset({JobState.QUEUED, JobState.CANCELLED}),
    JobState.FAILED: frozenset({JobState.QUEUED, JobState.CANCELLED}),
    JobState.QUEUED: frozenset({JobState.DOWNLOADING, JobState.PAUSED, JobState.CANCELLED}),
    JobState.DOWNLOADING: frozenset(
        {JobState.VERIFYING, JobState.PAUSED, JobState.CANCELLED, JobState.FAILED}
    ),
    JobState.VERIFYING: frozenset({JobState.COMPLETED, JobState.FAILED}),
    JobState.COMPLETED: frozenset(),
    JobState.CANCELLED: frozenset(),
}


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
    already_installed: bool = False
    """Every file was already in place when the model was asked for: nothing was fetched."""

    @property
    def fraction(self) -> float:
        return self.bytes_done / self.bytes_total if self.bytes_total else 0.0


CompletedHook = Callable[[DownloadSnapshot, list[Path]], None]
Listener = Callable[[DownloadSnapshot], None]


class DownloadJob:
    """A live view on one job; its state changes only through the transition methods."""

    def __init__(
        self,
        manifest: JobManifest,
        models_dir: Path,
        lock: threading.RLock,
        *,
        already_installed: bool = False,
    ) -> None:
        self._lock = lock
        self._manifest = manifest
        self._paths = tuple(
            final_path(models_dir, manifest.repo_id, item.path) for item in manifest.files
        )
        self._parts = tuple(
            partial_path(models_dir, manifest.repo_id, item.path) for item in manifest.files
        )
        self._state = JobState.PAUSED
        self._already_installed = already_installed
        self._finished_bytes = 0
        self._current_done = 0
        self._received = 0  # network bytes this session, for the speed
        self._received_in_call = 0
        self._meter = RateMeter()
        self._error: DesktopLLMError | None = None
        self._note: str | None = None
        self._current_file: str | None = None
        self._control = TransferControl()

    # -- reading (any thread) --------------------------------------------------------------

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
    def manifest(self) -> JobManifest:
        return self._manifest

    @property
    def paths(self) -> tuple[Path, ...]:
        return self._paths

    @property
    def partial_paths(self) -> tuple[Path, ...]:
        return self._parts

    @property
    def state(self) -> JobState:
        return self._state

    @property
    def already_installed(self) -> bool:
        return self._already_installed

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
                already_installed=self._already_installed,
            )

    # -- transitions (the manager's threads) -----------------------------------------------

    def queue(self) -> None:
        """Paused or failed -> queued, with a fresh pause / cancel switch for the next run."""
        with self._lock:
            self._move(JobState.QUEUED)
            self._control = TransferControl()
            self._error = None

    def start(self, now: float) -> TransferControl:
        """Queued -> downloading; returns the switch the transfer must obey."""
        with self._lock:
            self._move(JobState.DOWNLOADING)
            self._meter.restart(now, self._received)
            self._note = None
            return self._control

    def pause(self) -> None:
        """Queued -> paused (a running job is asked with ``interrupt`` and ends with ``end``)."""
        with self._lock:
            self._move(JobState.PAUSED)

    def interrupt(self, *, cancel: bool) -> None:
        """Ask the running transfer to pause or cancel; it stops at once and the worker ends
        the job with ``end``."""
        with self._lock:
            if self._state is not JobState.DOWNLOADING:
                raise RuntimeError(f"{self!r} is not running: there is nothing to interrupt")
            if cancel:
                self._control.cancel()
            else:
                self._control.pause()

    def verify(self) -> None:
        """Downloading -> verifying: every file is in place, the app now registers it."""
        with self._lock:
            self._move(JobState.VERIFYING)
            self._current_file = None

    def end(self, state: JobState, error: DesktopLLMError | None = None) -> None:
        """-> completed, paused, failed or cancelled."""
        if state not in (JobState.COMPLETED, JobState.PAUSED, JobState.FAILED, JobState.CANCELLED):
            raise ValueError(f"{state.value} is not a state a job ends in")
        with self._lock:
            self._move(state)
            self._error = error
            self._current_file = None
            self._note = None
            if state is JobState.COMPLETED and self._already_installed:
                self._note = f"{self._paths[0].name} is already installed at {self._paths[0]}."

    # -- progress (no change of state) -----------------------------------------------------

    def begin_file(self, repo_path: str) -> None:
        with self._lock:
            self._current_file = repo_path
            self._received_in_call = 0

    def record_progress(self, progress: TransferProgress, now: float) -> bool:
        """Count what the transfer reports; True when its note changed (news for listeners)."""
        with self._lock:
            self._received += progress.bytes_received - self._received_in_call
            self._received_in_call = progress.bytes_received
            self._current_done = progress.bytes_done
            self._meter.update(now, self._received)
            note = progress.note if progress.phase is TransferPhase.RETRYING else None
            changed = note != self._note
            self._note = note
            return changed

    def file_finished(self, item: FilePart, *, downloaded: bool) -> JobManifest:
        """One file is in place; returns the manifest to write down."""
        with self._lock:
            self._manifest = self._manifest.with_finished(item.path, downloaded=downloaded)
            self._finished_bytes += item.size_bytes
            self._current_done = 0
            return self._manifest

    def forget_downloaded(self) -> None:
        """After a cancel deleted them: the fetched files are no longer this job's."""
        with self._lock:
            self._manifest = replace(self._manifest, downloaded=frozenset())

    def update_files(self, files: tuple[FilePart, ...]) -> JobManifest | None:
        """The Hub's current listing for a paused or failed job (sizes or hashes may have
        changed since it was written down); returns the manifest to write down, if it changed."""
        with self._lock:
            by_path = {f.path: f for f in files}
            if by_path.keys() != {f.path for f in self._manifest.files}:
                raise ValueError("a job's files are fixed; only their sizes and hashes may change")
            listed = tuple(by_path[f.path] for f in self._manifest.files)  # the job's order
            if not self._state.can_resume or listed == self._manifest.files:
                return None
            self._manifest = self._manifest.with_files(listed)
            return self._manifest

    def measure_on_disk(self) -> None:
        """Bytes done as found on disk: finished files plus partial files."""
        finished = current = 0
        with self._lock:
            for item, target, part in zip(self.files, self._paths, self._parts, strict=True):
                if item.path in self._manifest.finished and target.is_file():
                    finished += size_on_disk(target)
                else:
                    current += size_on_disk(part)
            self._finished_bytes, self._current_done = finished, current

    def _move(self, state: JobState) -> None:
        if state not in _NEXT[self._state]:
            raise RuntimeError(f"{self!r} cannot go from {self._state.value} to {state.value}")
        self._state = state

    def __repr__(self) -> str:
        return f"<DownloadJob {self.id} {self.repo_id} {self._state.value}>"
