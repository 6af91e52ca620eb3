"""The download queue: jobs, worker threads, pause / resume / cancel, progress for the UI.

A job is one model: a single GGUF file, or every part of a split one (``-00001-of-0000N``),
with one combined progress. Jobs run on the manager's own worker threads (``max_parallel``);
listeners get immutable DownloadSnapshots from the manager's event thread (snapshot_publisher),
so a GUI hands them to its own thread (a queued signal). Jobs are written down in
``.partial/`` (manifest, partial_state), so ``restore()`` after a restart lists unfinished
ones as paused. Registering a finished model is not done here: the ``on_completed`` hook (given
by the app) does it, while the job is still "verifying".

One model, one job: a job's id comes from its repository, revision and files, so asking again
for a model, the manifest of an interrupted run and a partial file found on disk all lead to
the same job. Across processes (two windows, the window and a command) the transfer's claim on
the partial file (partial_lock) keeps a second writer out.
"""

from __future__ import annotations

import functools
import logging
import shutil
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
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
from desktop_llm.hub.download.local_paths import final_path, partial_dir, size_on_disk
from desktop_llm.hub.download.manifest import (
    JobManifest,
    load_manifests,
    remove_manifest,
    remove_stale_temporaries,
    save_manifest,
)
from desktop_llm.hub.download.partial_lock import (
    remove_if_unclaimed,
    remove_unclaimed_leftovers,
)
from desktop_llm.hub.download.partial_state import PartialRecord, find_partials
from desktop_llm.hub.download.retry import RetryPolicy
from desktop_llm.hub.download.snapshot_publisher import SnapshotPublisher
from desktop_llm.hub.download.transfer import (
    DownloadCancelled,
    DownloadPaused,
    TransferControl,
    TransferOptions,
    TransferProgress,
    download_file,
)
from desktop_llm.hub.endpoint import HubConfig
from desktop_llm.hub.error_mapping import os_error_reason
from desktop_llm.hub.types import FilePart
from desktop_llm.i18n import translate

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

        Raises DownloadError at once for unsafe file names or an empty list. Asking for a model
        that already has an unfinished job returns that job (resumed if it was paused or
        failed). A model whose files are all in place already gives a job that completes at
        once without fetching anything (its snapshots say ``already_installed``), so the app
        still registers it.
        """
        if not files:
            raise DownloadError(translate(
                "Downloads", "Nothing to download from {repo}: no files were chosen."
            ).format(repo=repo_id))
        job_files = tuple(files)
        targets = [final_path(self._models_dir, repo_id, f.path) for f in job_files]
        if len(set(targets)) != len(targets):
            raise DownloadError(translate(
                "Downloads",
                "Two of the chosen files of {repo} have the same name; download them one at a "
                "time.",
            ).format(repo=repo_id))
        requested = JobManifest.for_request(repo_id, revision, job_files)
        # One critical section from the look-up to the new job: two requests for the same
        # model at the same moment must not both find nothing and both start a job.
        with self._lock:
            self._refuse_when_closed()
            existing = self._unfinished_job(requested.job_id, targets)
            if existing is not None:
                if existing.id == requested.job_id:
                    updated = existing.update_files(job_files)
                    if updated is not None:
                        self._save(updated)
                if existing.state.can_resume:
                    self._queue_job(existing)
                return existing
            installed = all(
                _has_size(target, item.size_bytes)
                for item, target in zip(job_files, targets, strict=True)
            )
            manifest = requested
            if installed:
                # Not fetched by this job, so not deleted by it either (cancel). Files only
                # reach their final place once their sha256 matched: the size is enough here.
                for item in job_files:
                    manifest = manifest.with_finished(item.path, downloaded=False)
            else:
                self._save(manifest)
            job = DownloadJob(manifest, self._models_dir, self._lock, already_installed=installed)
            job.measure_on_disk()
            self._jobs[job.id] = job
            self._queue_job(job)
        return job

    def pause(self, job_id: str) -> None:
        """Pause a queued or running job; its partial files stay for resume()."""
        with self._lock:
            job = self.job(job_id)
            if job.state is JobState.QUEUED:
                self._queue.remove(job)
                job.pause()
                self._publish(job)
            elif job.state is JobState.DOWNLOADING:
                job.interrupt(cancel=False)  # the worker stops at once and reports "paused"

    def resume(self, job_id: str) -> None:
        """Queue a paused or failed job again; it continues where its partial files end."""
        with self._lock:
            self._refuse_when_closed()
            job = self.job(job_id)
            if job.state.can_resume:
                self._queue_job(job)

    def cancel(self, job_id: str) -> None:
        """Stop a job and delete its partial files (and parts it already fetched)."""
        with self._lock:
            job = self.job(job_id)
            if job.state is JobState.DOWNLOADING:
                job.interrupt(cancel=True)  # the worker deletes the files, reports "cancelled"
                return
            if job.state is JobState.QUEUED:
                self._queue.remove(job)
            elif not job.state.can_resume:
                return  # verifying, completed, cancelled: too late or nothing to do
            # Under the lock, so a resume() cannot start it again while its files go.
            self._delete_files(job)
            job.end(JobState.CANCELLED)
            self._publish(job)

    def restore(self) -> list[DownloadJob]:
        """Add the unfinished downloads found on disk as paused jobs; return the new ones."""
        restored: list[DownloadJob] = []
        with self._lock:
            remove_stale_temporaries(self._models_dir)
            remove_unclaimed_leftovers(partial_dir(self._models_dir))
            for manifest in load_manifests(self._models_dir):
                job = self._restored_job(manifest)
                if job is not None:
                    restored.append(job)
            for part, record in find_partials(partial_dir(self._models_dir)):
                job = self._job_for_partial(part, record)
                if job is not None:
                    restored.append(job)
            for job in restored:
                self._publish(job)
        return restored

    def shutdown(self) -> None:
        """Pause everything (partial files stay), stop the threads and wait for them.

        Listeners get the last snapshots (all "paused") before this returns.
        """
        with self._lock:
            self._closing = True
            for job in self._jobs.values():
                if job.state is JobState.DOWNLOADING:
                    job.interrupt(cancel=False)
                elif job.state is JobState.QUEUED:
                    job.pause()
                    self._publish(job)
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
                control = job.start(time.monotonic())
                self._publish(job)
            self._run(job, control)

    def _run(self, job: DownloadJob, control: TransferControl) -> None:
        try:
            paths = self._download_all(job, control)
            with self._lock:
                job.verify()
                self._publish(job)
            if self._on_completed is not None:
                self._on_completed(job.snapshot(), paths)
        except DownloadPaused:
            self._end(job, JobState.PAUSED)
        except DownloadCancelled:
            self._delete_files(job)
            self._end(job, JobState.CANCELLED)
        except DesktopLLMError as error:
            log.warning("download of %s failed: %s", job.repo_id, error)
            self._end(job, JobState.FAILED, error)
        except OSError as error:
            # The manager's own files (the job's manifest) or the on_completed hook's.
            log.warning("download of %s failed", job.repo_id, exc_info=True)
            where = f": {error.filename}" if error.filename else ""
            self._end(
                job,
                JobState.FAILED,
                DownloadError(translate(
                    "Downloads",
                    "Downloading {name} failed: {reason}{where}. Check the disk and the models "
                    "folder, then try again.",
                ).format(name=job.repo_id, reason=os_error_reason(error), where=where)),
            )
        except Exception:
            # The thread boundary: a bug must show up as a failed job, not a silent dead worker.
            log.exception("unexpected error while downloading %s", job.repo_id)
            self._end(
                job,
                JobState.FAILED,
                DownloadError(translate(
                    "Downloads",
                    "Downloading {repo} failed because of an unexpected problem in desktop-llm; "
                    "the details are in its log file.",
                ).format(repo=job.repo_id)),
            )
        else:
            remove_manifest(self._models_dir, job.id)
            self._end(job, JobState.COMPLETED)

    def _download_all(self, job: DownloadJob, control: TransferControl) -> list[Path]:
        with self._lock:
            config, manifest = self._config, job.manifest
        self._check_space(job, manifest)
        paths = []
        for item, target in zip(manifest.files, job.paths, strict=True):
            if item.path in manifest.finished and _has_size(target, item.size_bytes):
                paths.append(target)
                continue
            with self._lock:
                job.begin_file(item.path)
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
                    control=control,
                    on_progress=functools.partial(self._on_progress, job),
                    options=self._options,
                )
            )
            with self._lock:
                manifest = job.file_finished(item, downloaded=not already_there)
                self._save(manifest)
        return paths

    def _check_space(self, job: DownloadJob, manifest: JobManifest) -> None:
        needed = 0
        for item, part in zip(manifest.files, job.partial_paths, strict=True):
            if item.path in manifest.finished:
                continue
            needed += item.size_bytes - size_on_disk(part)
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
            if job.record_progress(progress, time.monotonic()):
                self._publish(job)  # "the connection dropped; trying again" must not be missed
                return
        self._events.progress(job.id, job.snapshot)

    # -- bookkeeping -----------------------------------------------------------------------

    def _queue_job(self, job: DownloadJob) -> None:
        """Paused or failed -> queued, at the back of the queue; call with the lock held."""
        job.queue()
        self._queue.append(job)
        self._publish(job)
        self._work.notify()

    def _end(self, job: DownloadJob, state: JobState, error: DesktopLLMError | None = None) -> None:
        with self._lock:
            job.end(state, error)
            job.measure_on_disk()
            self._publish(job)

    def _publish(self, job: DownloadJob) -> None:
        # Under the lock: the events reach the publisher in the order the changes were made.
        self._events.publish(job.id, job.snapshot())

    def _save(self, manifest: JobManifest) -> None:
        try:
            save_manifest(self._models_dir, manifest)
        except OSError as error:
            where = f": {error.filename}" if error.filename else ""
            raise DownloadError(translate(
                "Downloads",
                "Couldn't write down the download of {repo} in {folder}: {reason}{where}. Check "
                "the disk and the models folder, then try again.",
            ).format(
                repo=manifest.repo_id, folder=partial_dir(self._models_dir),
                reason=os_error_reason(error), where=where,
            )) from error

    def _unfinished_job(self, job_id: str, targets: Sequence[Path]) -> DownloadJob | None:
        """The job that is this request, or one still busy with any of its files."""
        same = self._jobs.get(job_id)
        if same is not None and not same.state.is_final:
            return same
        wanted = set(targets)
        for job in self._jobs.values():
            if not job.state.is_final and wanted & set(job.paths):
                return job
        return None

    def _restored_job(self, manifest: JobManifest) -> DownloadJob | None:
        current = self._jobs.get(manifest.job_id)
        if current is not None and not current.state.is_final:
            return None  # known already
        try:
            job = DownloadJob(manifest, self._models_dir, self._lock)
        except DownloadError as error:
            log.warning("ignoring download job %s: %s", manifest.job_id, error)
            return None
        other = self._unfinished_job(job.id, job.paths)
        if other is not None:
            # Another job has (some of) these files: one job per file. A manifest whose files
            # are all another's (older versions named jobs at random, so a resumed download
            # could be written down twice) is of no use and goes.
            log.info("ignoring download job %s: its files belong to job %s", job.id, other.id)
            if set(job.paths) <= set(other.paths):
                remove_manifest(self._models_dir, job.id)
            return None
        job.measure_on_disk()
        self._jobs[job.id] = job
        return job

    def _job_for_partial(self, part: Path, record: PartialRecord) -> DownloadJob | None:
        """A job for a partial file no manifest mentions (left by download_file alone)."""
        if not part.is_file():
            # The sidecar outlived its file (a kill right after the final rename): stale.
            remove_if_unclaimed(part)
            return None
        if record.expected_size is None:
            log.warning("ignoring partial download %s of unknown size", part)
            return None
        item = FilePart(record.repo_path, record.expected_size, record.expected_sha256)
        manifest = JobManifest.for_request(record.repo_id, record.revision, (item,))
        try:
            target = final_path(self._models_dir, record.repo_id, record.repo_path)
        except DownloadError as error:
            log.warning("ignoring partial download %s: %s", part, error)
            return None
        if self._unfinished_job(manifest.job_id, [target]) is not None:
            return None
        try:
            save_manifest(self._models_dir, manifest)
        except OSError as error:
            log.warning("ignoring partial download %s: %s", part, os_error_reason(error))
            return None
        return self._restored_job(manifest)

    def _delete_files(self, job: DownloadJob) -> None:
        """Cancel: partial files, parts this job fetched (useless alone), the manifest."""
        manifest = job.manifest
        kept = False
        for item, target, part in zip(job.files, job.paths, job.partial_paths, strict=True):
            # A partial file another process is writing is that process's, not ours to delete
            # (nor is the manifest that process's job shares with this one).
            kept |= not remove_if_unclaimed(part)
            if item.path in manifest.downloaded:
                target.unlink(missing_ok=True)
        if not kept:
            remove_manifest(self._models_dir, job.id)
        with self._lock:
            job.forget_downloaded()
            job.measure_on_disk()

    def _refuse_when_closed(self) -> None:
        if self._closing:
            raise RuntimeError("the download manager has been shut down")


def _has_size(path: Path, size: int) -> bool:
    return path.is_file() and path.stat().st_size == size
