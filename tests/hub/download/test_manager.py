"""DownloadManager against a FakeHub: the queue, pause / resume / cancel, restart, split models.

Waiting is done on the listener's snapshots (a Condition), never by polling job attributes.
Transfers are held mid-file with a FakeHub stall fault, so "pause while downloading" is
deterministic however fast the loopback is.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from desktop_llm.errors import DownloadError, HubNotFoundError
from desktop_llm.hub.disk_space import Usage
from desktop_llm.hub.download import DownloadJob, DownloadManager, DownloadSnapshot, JobState
from desktop_llm.hub.download.local_paths import partial_path
from desktop_llm.hub.download.partial_state import sidecar_path
from desktop_llm.hub.download.retry import RetryPolicy
from desktop_llm.hub.endpoint import HubConfig
from desktop_llm.hub.types import FilePart
from desktop_llm.model_files import GGUFError, read_gguf_info
from tests.fake_hub import FakeFile, FakeHub, FakeRepo, Fault
from tests.hub.sample_repos import SMOL, SMOL_FILE

REPO = "test-org/Queue-GGUF"
SINGLE = "Queue-Q4_K_M.gguf"
SPLIT_PARTS = [f"Q8_0/Queue-Q8_0-0000{i}-of-00003.gguf" for i in (1, 2, 3)]
CHUNK = 64 * 1024
FAST_RETRY = RetryPolicy(max_attempts=4, initial_delay=0.01, max_delay=0.05)
WAIT = 15.0


def _content(size: int, seed: int) -> bytes:
    import random

    return random.Random(seed).randbytes(size)


@pytest.fixture
def repo() -> FakeRepo:
    files = [FakeFile(SINGLE, _content(2_000_000, 1))]
    files += [FakeFile(path, _content(700_000, i)) for i, path in enumerate(SPLIT_PARTS, 2)]
    return FakeRepo(REPO, files)


@pytest.fixture
def hub(repo: FakeRepo) -> Iterator[FakeHub]:
    with FakeHub([repo], lfs_redirect=True) as fake:
        yield fake


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    return tmp_path / "models"


class Completed:
    """An on_completed hook that records what it was given."""

    def __init__(self) -> None:
        self.calls: list[tuple[DownloadSnapshot, list[Path]]] = []

    def __call__(self, job: DownloadSnapshot, paths: list[Path]) -> None:
        self.calls.append((job, paths))


class Recorder:
    """Every snapshot a manager publishes, and a way to wait for one."""

    def __init__(self, manager: DownloadManager) -> None:
        self.snapshots: list[DownloadSnapshot] = []
        self._changed = threading.Condition()
        manager.subscribe(self)

    def __call__(self, snapshot: DownloadSnapshot) -> None:
        with self._changed:
            self.snapshots.append(snapshot)
            self._changed.notify_all()

    def wait_for(
        self, job: DownloadJob, predicate: Callable[[DownloadSnapshot], bool]
    ) -> DownloadSnapshot:
        def found() -> DownloadSnapshot | None:
            return next(
                (s for s in self.snapshots if s.job_id == job.id and predicate(s)), None
            )

        with self._changed:
            if not self._changed.wait_for(lambda: found() is not None, timeout=WAIT):
                states = [s.state.value for s in self.snapshots if s.job_id == job.id]
                raise AssertionError(f"job {job.id} never got there; states seen: {states}")
            result = found()
            assert result is not None
            return result

    def wait_state(self, job: DownloadJob, state: JobState) -> DownloadSnapshot:
        return self.wait_for(job, lambda s: s.state is state)

    def of(self, job: DownloadJob) -> list[DownloadSnapshot]:
        with self._changed:
            return [s for s in self.snapshots if s.job_id == job.id]


MakeManager = Callable[..., tuple[DownloadManager, Recorder]]


@pytest.fixture
def make_manager(hub: FakeHub, models_dir: Path) -> Iterator[MakeManager]:
    managers: list[DownloadManager] = []

    def make(**options: object) -> tuple[DownloadManager, Recorder]:
        options = {"stall_timeout": 30.0, "retry": FAST_RETRY, "chunk_size": CHUNK, **options}
        manager = DownloadManager(models_dir, HubConfig(endpoint=hub.url), **options)  # type: ignore[arg-type]
        managers.append(manager)
        return manager, Recorder(manager)

    yield make
    for manager in managers:
        manager.shutdown()
    alive = [t.name for t in threading.enumerate() if t.name.startswith("download-")]
    assert not alive, f"download threads still running: {alive}"


def parts(repo: FakeRepo, *paths: str) -> list[FilePart]:
    chosen = [repo.file(path) for path in paths]
    return [FilePart(f.path, f.size, f.sha256) for f in chosen if f is not None]


def byte_ranges(hub: FakeHub, path: str) -> list[str | None]:
    return [
        r.range
        for r in hub.file_requests(REPO, path)
        if r.method == "GET" and r.status in (200, 206)
    ]


def local(models_dir: Path, path: str) -> Path:
    return models_dir / "test-org" / "Queue-GGUF" / path.rsplit("/", 1)[-1]


def test_a_job_downloads_its_file_and_hands_it_to_on_completed(
    make_manager: MakeManager, hub: FakeHub, repo: FakeRepo, models_dir: Path
) -> None:
    completed = Completed()
    manager, recorder = make_manager(on_completed=completed)

    job = manager.enqueue(REPO, parts(repo, SINGLE), revision=repo.sha)
    done = recorder.wait_state(job, JobState.COMPLETED)

    target = local(models_dir, SINGLE)
    assert target.read_bytes() == repo.file(SINGLE).content  # type: ignore[union-attr]
    assert [paths for _, paths in completed.calls] == [[target]]
    assert completed.calls[0][0].state is JobState.VERIFYING  # registered before "completed"
    assert done.bytes_done == done.bytes_total == 2_000_000
    states = [s.state for s in recorder.of(job)]
    assert states[0] is JobState.QUEUED and JobState.DOWNLOADING in states
    assert list((models_dir / ".partial").iterdir()) == []
    assert f"/resolve/{repo.sha}/" in hub.file_requests(REPO, SINGLE)[0].path


def test_a_split_model_is_one_job_with_combined_progress(
    make_manager: MakeManager, hub: FakeHub, repo: FakeRepo, models_dir: Path
) -> None:
    completed = Completed()
    manager, recorder = make_manager(on_completed=completed)

    job = manager.enqueue(REPO, parts(repo, *SPLIT_PARTS))
    recorder.wait_state(job, JobState.COMPLETED)

    assert [paths for _, paths in completed.calls] == [
        [local(models_dir, path) for path in SPLIT_PARTS]
    ]
    snapshots = recorder.of(job)
    assert {s.bytes_total for s in snapshots} == {3 * 700_000}
    done = [s.bytes_done for s in snapshots]
    assert done == sorted(done) and done[-1] == 3 * 700_000
    assert {s.current_file for s in snapshots} >= {SPLIT_PARTS[0]}
    for path in SPLIT_PARTS:
        assert byte_ranges(hub, path) == [None]


def test_progress_snapshots_carry_speed_and_time_left(
    make_manager: MakeManager, hub: FakeHub, repo: FakeRepo
) -> None:
    # A half-second pause in the middle gives the speed meter something to measure.
    hub.inject(REPO, SINGLE, Fault(stall_after=1_000_000, stall_seconds=0.6))
    manager, recorder = make_manager()

    job = manager.enqueue(REPO, parts(repo, SINGLE))
    measured = recorder.wait_for(job, lambda s: s.speed is not None and s.speed > 0)
    recorder.wait_state(job, JobState.COMPLETED)

    assert measured.state is JobState.DOWNLOADING
    assert measured.eta_seconds is not None and measured.eta_seconds >= 0
    final = recorder.of(job)[-1]
    assert final.speed is None and final.eta_seconds is None


def test_a_stall_is_retried_and_says_so(
    make_manager: MakeManager, hub: FakeHub, repo: FakeRepo
) -> None:
    hub.inject(REPO, SINGLE, Fault(stall_after=300_000, stall_seconds=20))
    manager, recorder = make_manager(stall_timeout=0.3)

    job = manager.enqueue(REPO, parts(repo, SINGLE))
    retrying = recorder.wait_for(job, lambda s: s.note is not None)
    recorder.wait_state(job, JobState.COMPLETED)

    assert "stalled" in retrying.note  # type: ignore[operator]
    assert byte_ranges(hub, SINGLE) == [None, "bytes=300000-"]


def _held_midway(hub: FakeHub, path: str = SINGLE, at: int = 1_000_000) -> None:
    """The next GET of ``path`` sends ``at`` bytes, then nothing (until the hub stops)."""
    hub.inject(REPO, path, Fault(stall_after=at, stall_seconds=60))


def test_pause_keeps_the_partial_and_resume_continues_with_range(
    make_manager: MakeManager, hub: FakeHub, repo: FakeRepo, models_dir: Path
) -> None:
    _held_midway(hub)
    manager, recorder = make_manager()
    job = manager.enqueue(REPO, parts(repo, SINGLE))
    recorder.wait_for(job, lambda s: s.bytes_done >= 1_000_000)

    started = time.monotonic()
    manager.pause(job.id)
    paused = recorder.wait_state(job, JobState.PAUSED)

    assert time.monotonic() - started < 5  # the stalled read was interrupted, not waited out
    part = partial_path(models_dir, REPO, SINGLE)
    assert part.stat().st_size == paused.bytes_done == 1_000_000
    assert sidecar_path(part).is_file()

    manager.resume(job.id)
    recorder.wait_state(job, JobState.COMPLETED)

    assert byte_ranges(hub, SINGLE) == [None, "bytes=1000000-"]
    assert local(models_dir, SINGLE).read_bytes() == repo.file(SINGLE).content  # type: ignore[union-attr]


def test_after_a_restart_restore_lists_the_job_and_resume_finishes_it(
    make_manager: MakeManager, hub: FakeHub, repo: FakeRepo, models_dir: Path
) -> None:
    _held_midway(hub)
    first, recorder = make_manager()
    job = first.enqueue(REPO, parts(repo, SINGLE))
    recorder.wait_for(job, lambda s: s.bytes_done >= 1_000_000)
    first.shutdown()  # the app quits: the running job is paused, its partial kept
    del first

    completed = Completed()
    second, recorder = make_manager(on_completed=completed)
    (restored,) = second.restore()

    assert restored.id == job.id and restored.state is JobState.PAUSED
    assert restored.bytes_done == 1_000_000 and restored.bytes_total == 2_000_000
    assert second.restore() == []  # known jobs are not listed twice

    second.resume(restored.id)
    recorder.wait_state(restored, JobState.COMPLETED)

    assert byte_ranges(hub, SINGLE) == [None, "bytes=1000000-"]
    assert completed.calls[0][1] == [local(models_dir, SINGLE)]


def test_a_split_model_resumes_after_a_restart_without_fetching_finished_parts(
    make_manager: MakeManager, hub: FakeHub, repo: FakeRepo, models_dir: Path
) -> None:
    _held_midway(hub, SPLIT_PARTS[1], at=100_000)
    first, recorder = make_manager()
    job = first.enqueue(REPO, parts(repo, *SPLIT_PARTS))
    recorder.wait_for(job, lambda s: s.bytes_done >= 800_000)
    first.shutdown()

    completed = Completed()
    second, recorder = make_manager(on_completed=completed)
    (restored,) = second.restore()
    assert restored.bytes_done == 800_000
    second.resume(restored.id)
    recorder.wait_state(restored, JobState.COMPLETED)

    assert completed.calls[0][1] == [local(models_dir, path) for path in SPLIT_PARTS]
    assert byte_ranges(hub, SPLIT_PARTS[0]) == [None]
    assert byte_ranges(hub, SPLIT_PARTS[1]) == [None, "bytes=100000-"]
    for path in SPLIT_PARTS:
        assert local(models_dir, path).read_bytes() == repo.file(path).content  # type: ignore[union-attr]


def test_restore_also_finds_a_partial_left_by_download_file_alone(
    make_manager: MakeManager, hub: FakeHub, repo: FakeRepo, models_dir: Path
) -> None:
    _leave_a_paused_partial(hub, repo, models_dir)

    manager, recorder = make_manager()
    (restored,) = manager.restore()
    assert restored.files[0].path == SINGLE and restored.bytes_done > 0

    manager.resume(restored.id)
    recorder.wait_state(restored, JobState.COMPLETED)


def test_cancel_deletes_partials_and_the_parts_already_fetched(
    make_manager: MakeManager, hub: FakeHub, repo: FakeRepo, models_dir: Path
) -> None:
    _held_midway(hub, SPLIT_PARTS[1], at=100_000)
    manager, recorder = make_manager()
    job = manager.enqueue(REPO, parts(repo, *SPLIT_PARTS))
    recorder.wait_for(job, lambda s: s.bytes_done >= 800_000)
    assert local(models_dir, SPLIT_PARTS[0]).is_file()

    manager.cancel(job.id)
    cancelled = recorder.wait_state(job, JobState.CANCELLED)

    assert cancelled.bytes_done == 0
    assert list((models_dir / ".partial").iterdir()) == []
    assert not any(local(models_dir, path).exists() for path in SPLIT_PARTS)
    manager.resume(job.id)  # a cancelled job stays cancelled
    assert job.state is JobState.CANCELLED


def test_cancel_of_a_paused_job_deletes_its_partial(
    make_manager: MakeManager, hub: FakeHub, repo: FakeRepo, models_dir: Path
) -> None:
    _held_midway(hub)
    manager, recorder = make_manager()
    job = manager.enqueue(REPO, parts(repo, SINGLE))
    recorder.wait_for(job, lambda s: s.bytes_done >= 1_000_000)
    manager.pause(job.id)
    recorder.wait_state(job, JobState.PAUSED)

    manager.cancel(job.id)

    assert job.state is JobState.CANCELLED
    assert list((models_dir / ".partial").iterdir()) == []


def test_queued_jobs_wait_their_turn_and_can_be_paused_before_they_start(
    make_manager: MakeManager, hub: FakeHub, repo: FakeRepo
) -> None:
    _held_midway(hub)
    manager, recorder = make_manager(max_parallel=1)
    running = manager.enqueue(REPO, parts(repo, SINGLE))
    waiting = manager.enqueue(REPO, parts(repo, *SPLIT_PARTS))
    recorder.wait_for(running, lambda s: s.bytes_done >= 1_000_000)

    assert waiting.state is JobState.QUEUED
    manager.pause(waiting.id)
    assert waiting.state is JobState.PAUSED
    manager.pause(running.id)
    recorder.wait_state(running, JobState.PAUSED)
    assert hub.file_requests(REPO, SPLIT_PARTS[0]) == []

    manager.resume(waiting.id)
    recorder.wait_state(waiting, JobState.COMPLETED)
    assert manager.enqueue(REPO, parts(repo, SINGLE)) is running  # same model: same job
    recorder.wait_state(running, JobState.COMPLETED)


def test_without_enough_free_space_the_job_fails_before_any_request(
    make_manager: MakeManager, hub: FakeHub, repo: FakeRepo
) -> None:
    def full_disk(path: Path) -> Usage:
        return Usage(total=10**12, used=10**12 - 50_000_000, free=50_000_000)

    manager, recorder = make_manager(disk_usage=full_disk)
    job = manager.enqueue(REPO, parts(repo, SINGLE))
    failed = recorder.wait_state(job, JobState.FAILED)

    assert isinstance(failed.error, DownloadError)
    assert "2.0 MB" in str(failed.error) and "50.0 MB" in str(failed.error)
    assert hub.file_requests(REPO, SINGLE) == []


@pytest.mark.parametrize("name", ["../x.gguf", "/etc/x.gguf", "a\\b.gguf", "C:x.gguf"])
def test_unsafe_file_names_are_refused_when_queued(make_manager: MakeManager, name: str) -> None:
    manager, _ = make_manager()

    with pytest.raises(DownloadError, match="not downloaded"):
        manager.enqueue(REPO, [FilePart(name, 10, "0" * 64)])

    assert manager.jobs() == []


def test_a_missing_file_fails_the_job_without_a_retry_loop(
    make_manager: MakeManager, hub: FakeHub
) -> None:
    manager, recorder = make_manager()
    job = manager.enqueue(REPO, [FilePart("gone.gguf", 10, "0" * 64)])

    failed = recorder.wait_state(job, JobState.FAILED)

    assert isinstance(failed.error, HubNotFoundError)
    assert len(hub.file_requests(REPO, "gone.gguf")) == 1


def test_a_registration_failure_fails_the_job(
    make_manager: MakeManager, repo: FakeRepo, models_dir: Path
) -> None:
    def refuse(job: DownloadSnapshot, paths: list[Path]) -> None:
        read_gguf_info(paths[0])  # random bytes: not a GGUF file

    manager, recorder = make_manager(on_completed=refuse)
    job = manager.enqueue(REPO, parts(repo, SINGLE))
    failed = recorder.wait_state(job, JobState.FAILED)

    assert isinstance(failed.error, GGUFError)
    assert local(models_dir, SINGLE).is_file()  # verified download: kept for a look


def test_shutdown_pauses_a_stalled_download_and_stops_every_thread(
    make_manager: MakeManager, hub: FakeHub, repo: FakeRepo
) -> None:
    _held_midway(hub)
    manager, recorder = make_manager(max_parallel=2)
    job = manager.enqueue(REPO, parts(repo, SINGLE))
    recorder.wait_for(job, lambda s: s.bytes_done >= 1_000_000)

    started = time.monotonic()
    manager.shutdown()

    assert time.monotonic() - started < 5
    assert job.state is JobState.PAUSED
    assert not [t for t in threading.enumerate() if t.name.startswith("download-")]
    with pytest.raises(RuntimeError):
        manager.enqueue(REPO, parts(repo, *SPLIT_PARTS))


def test_the_real_model_survives_a_dropped_connection_end_to_end(
    fake_hub: FakeHub, smol_model: FakeFile, models_dir: Path
) -> None:
    """The bundled 98 MB GGUF through the whole path: drop at 60 %, resume, verify, validate."""
    fake_hub.inject(SMOL, SMOL_FILE, Fault(drop_after=int(smol_model.size * 0.6)))
    infos = []
    manager = DownloadManager(
        models_dir,
        HubConfig(endpoint=fake_hub.url),
        retry=FAST_RETRY,
        on_completed=lambda job, paths: infos.append(read_gguf_info(paths[0])),
    )
    recorder = Recorder(manager)
    try:
        job = manager.enqueue(SMOL, [FilePart(SMOL_FILE, smol_model.size, smol_model.sha256)])
        recorder.wait_state(job, JobState.COMPLETED)
    finally:
        manager.shutdown()

    assert infos and infos[0].architecture == "llama"
    refetched = fake_hub.bytes_served(SMOL, SMOL_FILE) - smol_model.size
    assert 0 <= refetched <= 1024 * 1024



# -- one model, one job ----------------------------------------------------------------------


def test_asking_again_after_a_restart_is_the_restored_job(
    make_manager: MakeManager, hub: FakeHub, repo: FakeRepo, models_dir: Path
) -> None:
    _held_midway(hub)
    first, recorder = make_manager()
    job = first.enqueue(REPO, parts(repo, SINGLE))
    recorder.wait_for(job, lambda s: s.bytes_done >= 1_000_000)
    first.shutdown()

    completed = Completed()
    second, recorder = make_manager(on_completed=completed)
    (restored,) = second.restore()
    again = second.enqueue(REPO, parts(repo, SINGLE))

    assert again is restored and again.id == job.id
    recorder.wait_state(again, JobState.COMPLETED)
    assert second.jobs() == [again]
    assert len(completed.calls) == 1  # registered once: one job finished the file
    assert byte_ranges(hub, SINGLE) == [None, "bytes=1000000-"]
    assert list((models_dir / ".partial").iterdir()) == []


def test_a_partial_without_a_job_and_a_request_for_it_are_one_job(
    make_manager: MakeManager, hub: FakeHub, repo: FakeRepo, models_dir: Path
) -> None:
    _leave_a_paused_partial(hub, repo, models_dir)
    manager, recorder = make_manager()
    (restored,) = manager.restore()

    assert manager.enqueue(REPO, parts(repo, SINGLE)) is restored
    recorder.wait_state(restored, JobState.COMPLETED)
    assert len(manager.jobs()) == 1
    assert local(models_dir, SINGLE).read_bytes() == repo.file(SINGLE).content  # type: ignore[union-attr]


def test_requests_for_one_model_at_the_same_moment_make_one_job(
    make_manager: MakeManager, hub: FakeHub, repo: FakeRepo
) -> None:
    _held_midway(hub)
    manager, _ = make_manager(max_parallel=2)
    start = threading.Barrier(4)
    jobs: list[DownloadJob] = []

    def ask() -> None:
        start.wait()
        jobs.append(manager.enqueue(REPO, parts(repo, SINGLE)))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)

    assert len(jobs) == 4 and all(job is jobs[0] for job in jobs)
    assert manager.jobs() == [jobs[0]]


def test_a_model_already_in_place_is_not_fetched_again(
    make_manager: MakeManager, hub: FakeHub, repo: FakeRepo, models_dir: Path
) -> None:
    completed = Completed()
    manager, recorder = make_manager(on_completed=completed)
    first = manager.enqueue(REPO, parts(repo, SINGLE))
    recorder.wait_state(first, JobState.COMPLETED)
    requests = len(hub.file_requests(REPO, SINGLE))

    again = manager.enqueue(REPO, parts(repo, SINGLE))
    done = recorder.wait_for(again, lambda s: s.state is JobState.COMPLETED and s.already_installed)

    target = local(models_dir, SINGLE)
    assert done.note == f"{SINGLE} is already installed at {target}."
    assert len(hub.file_requests(REPO, SINGLE)) == requests
    assert len(completed.calls) == 2  # registered again: harmless, and right if it was removed
    assert target.read_bytes() == repo.file(SINGLE).content  # type: ignore[union-attr]

    later, recorder = make_manager()  # the next start of the app says the same
    assert later.restore() == []
    job = later.enqueue(REPO, parts(repo, SINGLE))
    assert recorder.wait_state(job, JobState.COMPLETED).already_installed


def test_a_second_writer_of_the_same_file_is_refused_in_words(
    make_manager: MakeManager, hub: FakeHub, repo: FakeRepo, models_dir: Path
) -> None:
    """Two managers on one folder stand for two processes (a window and a command).

    This was the reported failure: the restored job and the running one both finished the
    file, and the second rename found no partial file ("[Errno 2] No such file ...").
    """
    from desktop_llm.hub.download.partial_lock import PartialInUseError

    hub.inject(REPO, SINGLE, Fault(stall_after=1_000_000, stall_seconds=1.5))
    first, first_events = make_manager()
    running = first.enqueue(REPO, parts(repo, SINGLE))
    first_events.wait_for(running, lambda s: s.bytes_done >= 1_000_000)

    second, second_events = make_manager()
    (restored,) = second.restore()  # the running job's manifest, seen from the other process
    assert second.enqueue(REPO, parts(repo, SINGLE)) is restored
    refused = second_events.wait_state(restored, JobState.FAILED)

    assert isinstance(refused.error, PartialInUseError)
    assert "is being downloaded by another desktop-llm" in str(refused.error)
    first_events.wait_state(running, JobState.COMPLETED)  # undisturbed: nothing was deleted
    assert local(models_dir, SINGLE).read_bytes() == repo.file(SINGLE).content  # type: ignore[union-attr]

    second.resume(restored.id)  # the file is there now: verified, not fetched
    second_events.wait_state(restored, JobState.COMPLETED)
    assert byte_ranges(hub, SINGLE) == [None, "bytes=1000000-"]


@pytest.mark.parametrize("with_sidecar", [True, False], ids=["sidecar-and-lock", "lock"])
def test_what_a_kill_after_the_final_rename_leaves_is_swept(
    make_manager: MakeManager, repo: FakeRepo, models_dir: Path, with_sidecar: bool
) -> None:
    from desktop_llm.hub.download.partial_lock import lock_path
    from desktop_llm.hub.download.partial_state import PartialRecord, save_record

    manager, recorder = make_manager()
    recorder.wait_state(manager.enqueue(REPO, parts(repo, SINGLE)), JobState.COMPLETED)
    item = repo.file(SINGLE)
    assert item is not None
    # A kill between the rename and the sidecar's removal leaves the sidecar; until the claim
    # is released, its lock file too (the OS lock itself went with the process).
    part = partial_path(models_dir, REPO, SINGLE)
    if with_sidecar:
        record = PartialRecord(REPO, "main", SINGLE, "http://hub/x", item.size, item.sha256)
        save_record(part, record)
    lock_path(part).write_bytes(b"")

    later, _ = make_manager()
    assert later.restore() == []
    assert list((models_dir / ".partial").iterdir()) == []


def test_file_system_failures_are_sentences_without_errno(
    make_manager: MakeManager, repo: FakeRepo, models_dir: Path
) -> None:
    models_dir.mkdir(parents=True)
    (models_dir / ".partial").write_text("a file where the partial folder goes")
    manager, recorder = make_manager()
    with pytest.raises(DownloadError) as refused:
        manager.enqueue(REPO, parts(repo, SINGLE))
    assert "Errno" not in str(refused.value) and "models folder" in str(refused.value)

    (models_dir / ".partial").unlink()
    (models_dir / "test-org").write_text("a file where the repository folder goes")
    job = manager.enqueue(REPO, parts(repo, SINGLE))
    failed = recorder.wait_state(job, JobState.FAILED)

    message = str(failed.error)
    assert "Errno" not in message and str(models_dir / "test-org") in message
    assert partial_path(models_dir, REPO, SINGLE).stat().st_size == 2_000_000  # kept to resume


def _leave_a_paused_partial(hub: FakeHub, repo: FakeRepo, models_dir: Path) -> None:
    """A partial SINGLE left by download_file alone (paused at its first progress), with no
    job of any manager behind it."""
    from desktop_llm.hub.download.transfer import DownloadPaused, TransferControl, download_file

    control = TransferControl()
    with pytest.raises(DownloadPaused):
        download_file(
            models_dir,
            HubConfig(endpoint=hub.url),
            REPO,
            SINGLE,
            expected_size=2_000_000,
            expected_sha256=repo.file(SINGLE).sha256,  # type: ignore[union-attr]
            control=control,
            on_progress=lambda progress: control.pause(),
        )
