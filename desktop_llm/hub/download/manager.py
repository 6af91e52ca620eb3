"""The download queue: jobs, worker threads, pause / resume / cancel, progress for the UI.

A job is one model: a single GGUF file, or every part of a split one (``-00001-of-0000N``),
with one combined progress. Jobs run on the manager's own worker threads (``max_parallel``);
listeners get immutable DownloadSnapshots from the manager's event thread (snapshot_publisher),
so a GUI hands them to its own thread (a queued signal). Jobs are written down in
``.partial/`` (manifest, partial_state), so ``restore()`` after a restart lists unfinished
ones as paused. Registering a finished model is not done here: the ``on_completed`` hook (given
by the app) does it, while the job is still "verifying".
"""

from __future__ import annotations

import functools
import logging
import shutil
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from desktop_llm.errors import DesktopLLMError, DownloadError
from desktop_llm.hub.disk_space import DiskUsageFunction, ensure_free_space
from desktop_llm.hub.download.job import (
    CompletedHook,
    DownloadJob,
    DownloadSnapshot,
    JobState,
    Listener,
)
from desktop_llm.hub.download.local_paths import final_path, partial_dir, partial_path
from desktop_llm.hub.download.manifest import (
    JobManifest,
    load_manifests,
    remove_manifest,
    save_manifest,
)
from desktop_llm.hub.download.partial_state import find_partials, remove_partial
from desktop_llm.hub.download.retry import RetryPolicy
from desktop_llm.hub.download.snapshot_publisher import SnapshotPublisher
from desktop_llm.hub.download.transfer import (
    DownloadCancelled,
    DownloadPaused,
    TransferControl,
    TransferOptions,
    TransferPhase,
    TransferProgress,
    download_file,
)
from desktop_llm.hub.endpoint import HubConfig
from desktop_llm.hub.types import FilePart

__all__ = ["DownloadJob", "DownloadManager", "DownloadSnapshot", "JobState"]

log = logging.getLogger(__name__)

_PROGRESS_INTERVAL = 0.1  # progress reaches listeners at most ~10 times a second


class DownloadManager:
    """Queue, run, pause, resume and cancel model downloads into ``models_dir``."""

    def __init__(
        self,
        models_dir: Path,
        config: HubConfig,
        *,
        max_parallel: int = 1,
        stall_timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        chunk_size: int = 1024 * 1024,
        disk_usage: DiskUsageFunction = shutil.disk_usage,
        on_completed: CompletedHook | None = None,
    ) -> None:
        if max_parallel < 1:
            raise ValueError("max_parallel must be at least 1")
        self._models_dir = Path(models_dir)
        self._config = config
        self._options = TransferOptions(
            chunk_size=chunk_size,
            stall_timeout=stall_timeout,
            retry=retry or RetryPolicy(),
            disk_usage=disk_usage,
        )
        self._on_completed = on_completed
        self._lock = threading.RLock()
        self._work = threading.Condition(self._lock)
        self._jobs: dict[str, DownloadJob] = {}
        self._queue: deque[DownloadJob] = deque()
        self._events: SnapshotPublisher[DownloadSnapshot] = SnapshotPublisher(
            interval=_PROGRESS_INTERVAL
        )
        self._closing = False
        # Daemon threads: an app that forgets shutdown() must still be able to quit; the
        # partial files make that safe (at worst the last unwritten chunk is fetched again).
        self._workers = [
            threading.Thread(target=self._work_loop, name=f"download-{n}", daemon=True)
            for n in range(1, max_parallel + 1)
        ]
        for worker in self._workers:
            worker.start()

    # -- public API (any thread) -----------------------------------------------------------

    def update_config(self, config: HubConfig) -> None:
        """Use another endpoint or token from the next attempt on (e.g. after signing in)."""
        with self._lock:
            self._config = config

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with a snapshot on every change; returns an unsubscribe.

        Calls come from the manager's one event thread, in order: every state change, and
        progress at most ~10 times a second per job. A GUI hands them to its own thread.
        """
        return self._events.subscribe(listener)

    def jobs(self) -> list[DownloadJob]:
        with self._lock:
            return list(self._jobs.values())

    def job(self, job_id: str) -> DownloadJob:
        with self._lock:
            try:
                return self._jobs[job_id]
            except KeyError:
                raise KeyError(f"no download job {job_id!r}") from None

    def enqueue(
        self, repo_id: str, files: Sequence[FilePart], revision: str = "main"
    ) -> DownloadJob:
        """Queue one model (a file, or all parts of a split model) for download.

        Raises DownloadError at once for unsafe file names or an empty list. Queuing a model
        that already has an unfinished job returns that job (resumed if it was paused or failed).
        """
        if not files:
            raise DownloadError(f"Nothing to download from {repo_id}: no files were chosen.")
        job_files = tuple(files)
        targets = [final_path(self._models_dir, repo_id, f.path) for f in job_files]
        if len(set(targets)) != len(targets):
            raise DownloadError(
                f"Two of the chosen files of {repo_id} have the same name; download them one "
                "at a time."
            )
        with self._lock:
            self._refuse_when_closed()
            for existing in self._jobs.values():
                if not existing.state.is_final and set(existing.paths) & set(targets):
                    break
            else:
                existing = None
        if existing is not None:
            self.resume(existing.id)
            return existing
        with self._lock:
            self._refuse_when_closed()
            manifest = JobManifest(uuid.uuid4().hex, repo_id, revision, job_files)
            save_manifest(self._models_dir, manifest)
            job = DownloadJob(manifest, self._models_dir, JobState.QUEUED, self._lock)
            self._refresh_done(job)
            self._jobs[job.id] = job
            self._queue.append(job)
            self._set_state(job, JobState.QUEUED)
            self._work.notify()
        return job

    def pause(self, job_id: str) -> None:
        """Pause a queued or running job; its partial files stay for resume()."""
        with self._lock:
            job = self.job(job_id)
            if job.state is JobState.QUEUED:
                self._queue.remove(job)
                self._set_state(job, JobState.PAUSED)
            elif job.state is JobState.DOWNLOADING:
                job._control.pause()  # the worker stops at once and reports "paused"

    def resume(self, job_id: str) -> None:
        """Queue a paused or failed job again; it continues where its partial files end."""
        with self._lock:
            self._refuse_when_closed()
            job = self.job(job_id)
            if job.state not in (JobState.PAUSED, JobState.FAILED):
                return
            job._control = TransferControl()
            job._error = None
            self._set_state(job, JobState.QUEUED)
            self._queue.append(job)
            self._work.notify()

    def cancel(self, job_id: str) -> None:
        """Stop a job and delete its partial files (and parts it already fetched)."""
        with self._lock:
            job = self.job(job_id)
            if job.state is JobState.DOWNLOADING:
                job._control.cancel()  # the worker deletes the files and reports "cancelled"
                return
            if job.state not in (JobState.QUEUED, JobState.PAUSED, JobState.FAILED):
                return  # verifying, completed, cancelled: too late or nothing to do
            if job.state is JobState.QUEUED:
                self._queue.remove(job)
            # Under the lock, so a resume() cannot start it again while its files go.
            self._delete_files(job)
            self._set_state(job, JobState.CANCELLED)

    def restore(self) -> list[DownloadJob]:
        """Add the unfinished downloads found on disk as paused jobs; return the new ones."""
        restored = []
        with self._lock:
            known_paths = {path for job in self._jobs.values() for path in job.paths}
            for manifest in load_manifests(self._models_dir):
                if manifest.job_id in self._jobs:
                    continue
                job = self._restored_job(manifest)
                if job is not None:
                    restored.append(job)
                    known_paths.update(job.paths)
            for part, record in find_partials(partial_dir(self._models_dir)):
                # A partial without a job: left by a direct download_file call.
                if record.expected_size is None:
                    log.warning("ignoring partial download %s of unknown size", part)
                    continue
                try:
                    target = final_path(self._models_dir, record.repo_id, record.repo_path)
                except DownloadError as error:
                    log.warning("ignoring partial download %s: %s", part, error)
                    continue
                if target in known_paths:
                    continue
                manifest = JobManifest(
                    uuid.uuid4().hex,
                    record.repo_id,
                    record.revision,
                    (FilePart(record.repo_path, record.expected_size, record.expected_sha256),),
                )
                save_manifest(self._models_dir, manifest)
                job = self._restored_job(manifest)
                if job is not None:
                    restored.append(job)
                    known_paths.update(job.paths)
            for job in restored:
                self._set_state(job, JobState.PAUSED)
        return restored

    def shutdown(self) -> None:
        """Pause everything (partial files stay), stop the threads and wait for them.

        Listeners get the last snapshots (all "paused") before this returns.
        """
        with self._lock:
            self._closing = True
            for job in self._jobs.values():
                if job.state is JobState.DOWNLOADING:
                    job._control.pause()
                elif job.state is JobState.QUEUED:
                    self._set_state(job, JobState.PAUSED)
            self._queue.clear()
            self._work.notify_all()
        for worker in self._workers:
            worker.join()
        self._events.close()

    # -- worker threads --------------------------------------------------------------------

    def _work_loop(self) -> None:
        while True:
            with self._lock:
                while not self._queue and not self._closing:
                    self._work.wait()
                if self._closing:
                    return
                job = self._queue.popleft()
                job._meter.restart(time.monotonic(), job._received)
                job._note = None
                self._set_state(job, JobState.DOWNLOADING)
            self._run(job)

    def _run(self, job: DownloadJob) -> None:
        try:
            paths = self._download_all(job)
            with self._lock:
                self._set_state(job, JobState.VERIFYING)
            if self._on_completed is not None:
                self._on_completed(job.snapshot(), paths)
        except DownloadPaused:
            self._finish(job, JobState.PAUSED)
        except DownloadCancelled:
            self._delete_files(job)
            self._finish(job, JobState.CANCELLED)
        except DesktopLLMError as error:
            log.warning("download of %s failed: %s", job.repo_id, error)
            self._finish(job, JobState.FAILED, error)
        except Exception as error:
            # The thread boundary: a bug must show up as a failed job, not a silent dead worker.
            log.exception("unexpected error while downloading %s", job.repo_id)
            self._finish(
                job,
                JobState.FAILED,
                DownloadError(f"Downloading {job.repo_id} failed unexpectedly: {error}"),
            )
        else:
            remove_manifest(self._models_dir, job.id)
            self._finish(job, JobState.COMPLETED)

    def _download_all(self, job: DownloadJob) -> list[Path]:
        with self._lock:
            config, manifest = self._config, job._manifest
        self._check_space(job)
        paths = []
        for item, target in zip(manifest.files, job.paths, strict=True):
            if item.path in job._manifest.finished and _has_size(target, item.size_bytes):
                paths.append(target)
                continue
            with self._lock:
                job._current_file = item.path
                job._received_in_call = 0
                self._publish(job)  # "part 2 of 3" is news even when the bytes come in fast
            already_there = target.exists()
            paths.append(
                download_file(
                    self._models_dir,
                    config,
                    job.repo_id,
                    item.path,
                    revision=job.revision,
                    expected_size=item.size_bytes,
                    expected_sha256=item.sha256,
                    control=job._control,
                    on_progress=functools.partial(self._on_progress, job),
                    options=self._options,
                )
            )
            with self._lock:
                job._manifest = job._manifest.with_finished(item.path, downloaded=not already_there)
                job._finished_bytes += item.size_bytes
                job._current_done = 0
                save_manifest(self._models_dir, job._manifest)
        return paths

    def _check_space(self, job: DownloadJob) -> None:
        needed = 0
        for item in job.files:
            if item.path in job._manifest.finished:
                continue
            part = partial_path(self._models_dir, job.repo_id, item.path)
            needed += item.size_bytes - (part.stat().st_size if part.is_file() else 0)
        ensure_free_space(
            self._models_dir,
            needed,
            what=job.repo_id,
            disk_usage=self._options.disk_usage,
            margin=self._options.free_space_margin,
        )

    def _on_progress(self, job: DownloadJob, progress: TransferProgress) -> None:
        """Called by download_file for every piece received: cheap, and never blocks."""
        with self._lock:
            job._received += progress.bytes_received - job._received_in_call
            job._received_in_call = progress.bytes_received
            job._current_done = progress.bytes_done
            job._meter.update(time.monotonic(), job._received)
            note = progress.note if progress.phase is TransferPhase.RETRYING else None
            if note != job._note:
                job._note = note
                self._publish(job)  # "the connection dropped; trying again" must not be missed
                return
        self._events.progress(job.id, job.snapshot)

    # -- bookkeeping -----------------------------------------------------------------------

    def _finish(
        self, job: DownloadJob, state: JobState, error: DesktopLLMError | None = None
    ) -> None:
        with self._lock:
            job._error = error
            job._note = None
            job._current_file = None
            self._refresh_done(job)
            self._set_state(job, state)

    def _set_state(self, job: DownloadJob, state: JobState) -> None:
        """Change a job's state and tell the listeners; call with the lock held."""
        job._state = state
        self._publish(job)

    def _publish(self, job: DownloadJob) -> None:
        # Under the lock: the events reach the publisher in the order the changes were made.
        self._events.publish(job.id, job._snapshot_locked())

    def _refresh_done(self, job: DownloadJob) -> None:
        """Bytes done as found on disk: finished files plus partial files."""
        finished = current = 0
        for item, target in zip(job.files, job.paths, strict=True):
            if item.path in job._manifest.finished and target.is_file():
                finished += target.stat().st_size
            else:
                part = partial_path(self._models_dir, job.repo_id, item.path)
                current += part.stat().st_size if part.is_file() else 0
        job._finished_bytes, job._current_done = finished, current

    def _restored_job(self, manifest: JobManifest) -> DownloadJob | None:
        try:
            job = DownloadJob(manifest, self._models_dir, JobState.PAUSED, self._lock)
        except DownloadError as error:
            log.warning("ignoring download job %s: %s", manifest.job_id, error)
            return None
        self._refresh_done(job)
        self._jobs[job.id] = job
        return job

    def _delete_files(self, job: DownloadJob) -> None:
        """Cancel: partial files, parts this job fetched (useless alone), the manifest."""
        for item, target in zip(job.files, job.paths, strict=True):
            remove_partial(partial_path(self._models_dir, job.repo_id, item.path))
            if item.path in job._manifest.downloaded:
                target.unlink(missing_ok=True)
        remove_manifest(self._models_dir, job.id)
        with self._lock:
            job._manifest = replace(job._manifest, downloaded=frozenset())
            self._refresh_done(job)

    def _refuse_when_closed(self) -> None:
        if self._closing:
            raise RuntimeError("the download manager has been shut down")


def _has_size(path: Path, size: int) -> bool:
    return path.is_file() and path.stat().st_size == size

