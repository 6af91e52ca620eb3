"""download_file against a FakeHub over real sockets: resume, retry, stall, verify, refuse.

The Hub here redirects LFS files to a "CDN" on another origin, as the real one does, so every
file is fetched as: GET resolve (302) -> GET CDN (200/206). Files are a few MB of random bytes.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_llm.errors import DownloadError, HubAuthError, HubNotFoundError
from desktop_llm.hub.disk_space import Usage
from desktop_llm.hub.download.local_paths import partial_path
from desktop_llm.hub.download.partial_state import PartialRecord, save_record, sidecar_path
from desktop_llm.hub.download.retry import RetryPolicy
from desktop_llm.hub.download.transfer import (
    DownloadCancelled,
    DownloadPaused,
    TransferControl,
    TransferOptions,
    TransferPhase,
    TransferProgress,
    download_file,
)
from desktop_llm.hub.download.write_behind import WriteBehindFile
from desktop_llm.hub.endpoint import HubConfig
from desktop_llm.model_files.humanize import human_size
from tests.fake_hub import FakeFile, FakeHub, FakeRepo, Fault

REPO = "test-org/Resumable-GGUF"
NAME = "model-Q4_K_M.gguf"
GATED_REPO = "test-org/Gated-GGUF"
CHUNK = 64 * 1024
FAST = TransferOptions(
    chunk_size=CHUNK,
    stall_timeout=0.5,
    retry=RetryPolicy(max_attempts=4, initial_delay=0.01, max_delay=0.05),
    checkpoint_interval=0.05,
)


def random_bytes(size: int, seed: int = 1) -> bytes:
    return random.Random(seed).randbytes(size)


@pytest.fixture
def model() -> FakeFile:
    return FakeFile(NAME, random_bytes(3_000_000))


@pytest.fixture
def hub(model: FakeFile) -> Iterator[FakeHub]:
    repos = [
        FakeRepo(REPO, [model, FakeFile("README.md", b"# card\n", lfs=False)]),
        FakeRepo(GATED_REPO, [FakeFile("g.gguf", random_bytes(10_000, seed=2))], gated=True),
    ]
    with FakeHub(repos, lfs_redirect=True) as fake:
        yield fake


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    return tmp_path / "models"


def fetch(
    hub: FakeHub,
    models_dir: Path,
    file: FakeFile,
    *,
    repo_id: str = REPO,
    token: str | None = None,
    options: TransferOptions = FAST,
    **kwargs: object,
) -> Path:
    return download_file(
        models_dir,
        HubConfig(endpoint=hub.url, token=token),
        repo_id,
        file.path,
        expected_size=file.size,
        expected_sha256=file.sha256,
        options=options,
        **kwargs,  # type: ignore[arg-type]
    )


def byte_requests(hub: FakeHub, path: str = NAME, repo_id: str = REPO) -> list[str | None]:
    """The Range header of each request that carried the file's bytes (CDN GETs)."""
    return [
        r.range
        for r in hub.file_requests(repo_id, path)
        if r.method == "GET" and r.status in (200, 206)
    ]


def leftovers(models_dir: Path) -> list[str]:
    folder = models_dir / ".partial"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def pause_after(control: TransferControl, threshold: int, seen: list[TransferProgress]):
    def on_progress(progress: TransferProgress) -> None:
        seen.append(progress)
        if progress.bytes_done >= threshold:
            control.pause()

    return on_progress


def test_downloads_the_exact_bytes_into_a_folder_per_repository(
    hub: FakeHub, models_dir: Path, model: FakeFile
) -> None:
    path = fetch(hub, models_dir, model)

    assert path == models_dir / "test-org" / "Resumable-GGUF" / NAME
    assert path.read_bytes() == model.content
    assert leftovers(models_dir) == []
    assert byte_requests(hub) == [None]


def test_a_dropped_connection_is_resumed_with_a_range_request(
    hub: FakeHub, models_dir: Path, model: FakeFile
) -> None:
    hub.inject(REPO, NAME, Fault(drop_after=1_000_000))

    path = fetch(hub, models_dir, model)

    assert path.read_bytes() == model.content
    first, second = byte_requests(hub)
    assert first is None
    assert second == "bytes=1000000-"  # everything received before the drop was kept
    assert hub.bytes_served(REPO, NAME) <= model.size + CHUNK


def test_a_stall_is_detected_within_the_stall_timeout_and_retried(
    hub: FakeHub, models_dir: Path, model: FakeFile
) -> None:
    hub.inject(REPO, NAME, Fault(stall_after=700_000, stall_seconds=20))

    started = time.monotonic()
    path = fetch(hub, models_dir, model)
    elapsed = time.monotonic() - started

    assert path.read_bytes() == model.content
    assert elapsed < FAST.stall_timeout + 2, "the stall was waited out instead of detected"
    assert byte_requests(hub) == [None, "bytes=700000-"]


def test_server_errors_are_retried_and_the_retry_after_is_honoured(
    hub: FakeHub, models_dir: Path, model: FakeFile
) -> None:
    hub.inject(REPO, NAME, Fault(status=503))  # the fake sends Retry-After: 1
    retrying: list[TransferProgress] = []

    started = time.monotonic()
    fetch(hub, models_dir, model, on_progress=retrying.append)

    assert time.monotonic() - started >= FAST.retry.max_delay * 0.9  # capped by max_delay
    notes = [p.note for p in retrying if p.phase is TransferPhase.RETRYING]
    assert notes and "HTTP 503" in notes[0]


def test_retries_give_up_after_max_attempts_and_keep_what_was_received(
    hub: FakeHub, models_dir: Path, model: FakeFile
) -> None:
    control = TransferControl()
    with pytest.raises(DownloadPaused):
        fetch(hub, models_dir, model, control=control, on_progress=pause_after(control, 1, []))
    part = partial_path(models_dir, REPO, NAME)
    kept = part.stat().st_size
    hub.inject(REPO, NAME, Fault(status=500, times=10))

    with pytest.raises(DownloadError, match="failed 4 times in a row") as caught:
        fetch(hub, models_dir, model)

    assert "resume" in str(caught.value)
    assert [r.status for r in hub.file_requests(REPO, NAME)][-4:] == [500] * 4
    assert part.stat().st_size == kept
    assert json.loads(sidecar_path(part).read_text())["bytes_done"] == kept


def test_a_missing_file_is_a_clear_error_without_retries(
    hub: FakeHub, models_dir: Path
) -> None:
    missing = FakeFile("no-such-file.gguf", b"x" * 10)

    with pytest.raises(HubNotFoundError, match=r"no-such-file\.gguf"):
        fetch(hub, models_dir, missing)

    assert len(hub.file_requests(REPO, missing.path)) == 1
    assert leftovers(models_dir) == []


def test_a_gated_repository_without_a_token_is_an_auth_error_without_retries(
    hub: FakeHub, models_dir: Path
) -> None:
    gated = hub.repo(GATED_REPO).files[0]

    with pytest.raises(HubAuthError, match="gated"):
        fetch(hub, models_dir, gated, repo_id=GATED_REPO)

    assert len(hub.file_requests(GATED_REPO, gated.path)) == 1
    assert leftovers(models_dir) == []


def test_the_token_opens_a_gated_repository_and_stays_on_the_hub_origin(
    hub: FakeHub, models_dir: Path
) -> None:
    gated = hub.repo(GATED_REPO).files[0]

    path = fetch(hub, models_dir, gated, repo_id=GATED_REPO, token=hub.token)

    assert path.read_bytes() == gated.content
    resolve, cdn = hub.file_requests(GATED_REPO, gated.path)
    assert resolve.authorization == f"Bearer {hub.token}"
    assert cdn.authorization is None  # never sent to the other origin


def test_corrupt_content_is_refused_and_deleted(
    hub: FakeHub, models_dir: Path, model: FakeFile
) -> None:
    hub.inject(REPO, NAME, Fault(corrupt=True))

    with pytest.raises(DownloadError, match="damaged: its checksum doesn't match the Hub's"):
        fetch(hub, models_dir, model)

    assert not (models_dir / "test-org" / "Resumable-GGUF" / NAME).exists()
    assert leftovers(models_dir) == []


def test_pause_keeps_the_partial_file_and_a_later_call_continues_with_range(
    hub: FakeHub, models_dir: Path, model: FakeFile
) -> None:
    control = TransferControl()
    seen: list[TransferProgress] = []

    with pytest.raises(DownloadPaused):
        fetch(hub, models_dir, model, control=control, on_progress=pause_after(control, 1, seen))

    part = partial_path(models_dir, REPO, NAME)
    kept = part.stat().st_size
    assert 0 < kept < model.size
    record = json.loads(sidecar_path(part).read_text())
    assert record["bytes_done"] == kept
    assert record["expected_sha256"] == model.sha256
    assert record["repo_id"] == REPO and record["repo_path"] == NAME

    resumed: list[TransferProgress] = []
    path = fetch(hub, models_dir, model, on_progress=resumed.append)

    assert path.read_bytes() == model.content
    assert byte_requests(hub)[-1] == f"bytes={kept}-"
    assert resumed[0].phase is TransferPhase.CHECKING  # the kept bytes were hashed again
    assert resumed[-1].bytes_received == model.size - kept


def test_cancel_deletes_the_partial_file_and_its_sidecar(
    hub: FakeHub, models_dir: Path, model: FakeFile
) -> None:
    control = TransferControl()

    def cancel_midway(progress: TransferProgress) -> None:
        if progress.bytes_done > 0:
            control.cancel()
            control.pause()  # a pause after a cancel must not bring the partial back

    with pytest.raises(DownloadCancelled):
        fetch(hub, models_dir, model, control=control, on_progress=cancel_midway)

    assert leftovers(models_dir) == []
    assert not (models_dir / "test-org").exists()


def test_a_stalled_transfer_stops_at_once_when_paused(
    hub: FakeHub, models_dir: Path, model: FakeFile
) -> None:
    hub.inject(REPO, NAME, Fault(stall_after=200_000, stall_seconds=20))
    control = TransferControl()
    slow = TransferOptions(stall_timeout=30)

    def pause_soon(progress: TransferProgress) -> None:
        if progress.bytes_done >= 200_000:
            # From another thread, as the GUI would, while the worker waits on the socket.
            threading.Timer(0.2, control.pause).start()

    started = time.monotonic()
    with pytest.raises(DownloadPaused):
        fetch(hub, models_dir, model, control=control, on_progress=pause_soon, options=slow)

    assert time.monotonic() - started < 5, "pause waited for the stall timeout"
    assert partial_path(models_dir, REPO, NAME).stat().st_size == 200_000


def test_a_complete_partial_left_by_a_crash_is_verified_and_moved_in_place(
    hub: FakeHub, models_dir: Path, model: FakeFile
) -> None:
    part = partial_path(models_dir, REPO, NAME)
    part.parent.mkdir(parents=True)
    part.write_bytes(model.content)
    save_record(part, _record(hub, model, bytes_done=model.size))

    path = fetch(hub, models_dir, model)

    assert path.read_bytes() == model.content
    assert [r.status for r in hub.file_requests(REPO, NAME)] == [302, 416]
    assert leftovers(models_dir) == []


def test_a_partial_of_another_version_is_started_over(
    hub: FakeHub, models_dir: Path, model: FakeFile
) -> None:
    part = partial_path(models_dir, REPO, NAME)
    part.parent.mkdir(parents=True)
    part.write_bytes(b"old bytes of an older upload")
    old = _record(hub, model, bytes_done=28)
    save_record(part, PartialRecord(**{**old.__dict__, "expected_sha256": "0" * 64}))

    path = fetch(hub, models_dir, model)

    assert path.read_bytes() == model.content
    assert byte_requests(hub) == [None]


def test_without_enough_free_space_nothing_is_requested(
    hub: FakeHub, models_dir: Path, model: FakeFile
) -> None:
    free = 10_000_000

    def small_disk(path: Path) -> Usage:
        return Usage(total=100_000_000, used=100_000_000 - free, free=free)

    options = TransferOptions(disk_usage=small_disk)
    with pytest.raises(DownloadError, match="Not enough free space") as caught:
        fetch(hub, models_dir, model, options=options)

    message = str(caught.value)
    assert human_size(model.size) in message and human_size(free) in message
    assert hub.file_requests(REPO, NAME) == []


@pytest.mark.parametrize(
    "name",
    ["../x.gguf", "a/../../x.gguf", "/etc/x.gguf", "a\\b.gguf", "C:x.gguf", "c:/x.gguf", "./x"],
)
def test_file_names_that_could_escape_the_models_folder_are_refused(
    hub: FakeHub, models_dir: Path, name: str
) -> None:
    hostile = FakeFile(name, b"evil")

    with pytest.raises(DownloadError, match="not downloaded"):
        fetch(hub, models_dir, hostile)

    assert hub.requests == []
    assert not models_dir.exists()


def test_a_repository_folder_linked_outside_the_models_folder_is_refused(
    hub: FakeHub, models_dir: Path, model: FakeFile, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    models_dir.mkdir()
    (models_dir / "test-org").symlink_to(elsewhere, target_is_directory=True)

    with pytest.raises(DownloadError, match="outside the models folder"):
        fetch(hub, models_dir, model)

    assert hub.requests == []
    assert list(elsewhere.iterdir()) == []


def test_only_the_base_name_is_used_locally(hub: FakeHub, models_dir: Path) -> None:
    nested = FakeFile("Q4_K_M/sub/model.gguf", random_bytes(1000, seed=3))
    hub.repo(REPO).files.append(nested)

    path = fetch(hub, models_dir, nested)

    assert path == models_dir / "test-org" / "Resumable-GGUF" / "model.gguf"


def _record(hub: FakeHub, file: FakeFile, *, bytes_done: int) -> PartialRecord:
    return PartialRecord(
        repo_id=REPO,
        revision="main",
        repo_path=file.path,
        url=f"{hub.url}/{REPO}/resolve/main/{file.path}",
        expected_size=file.size,
        expected_sha256=file.sha256,
        bytes_done=bytes_done,
    )


def test_bytes_received_before_a_stall_reach_the_disk_without_waiting_for_more(
    tmp_path: Path,
) -> None:
    """A kill during a long stall must not lose the write buffer (up to a chunk)."""
    path = tmp_path / "f.part"
    with path.open("ab", buffering=1024 * 1024) as stream:
        sink = WriteBehindFile(stream, flush_interval=0.05)
        try:
            sink.write(b"x" * 1000)  # far less than the buffer: nothing written yet
            deadline = time.monotonic() + 5
            while path.stat().st_size < 1000 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert path.stat().st_size == 1000
        finally:
            sink.stop(sync=True)
    assert not [t for t in threading.enumerate() if t.name == "download-sync"]


def test_a_second_transfer_of_the_same_file_is_refused_while_the_first_runs(
    hub: FakeHub, models_dir: Path, model: FakeFile
) -> None:
    from desktop_llm.hub.download.partial_lock import PartialInUseError, lock_path

    hub.inject(REPO, NAME, Fault(stall_after=1_000_000, stall_seconds=60))
    control = TransferControl()
    halfway = threading.Event()
    failures: list[BaseException] = []

    def first() -> None:
        def on_progress(progress: TransferProgress) -> None:
            if progress.bytes_done >= 1_000_000:
                halfway.set()

        try:
            fetch(hub, models_dir, model, control=control, on_progress=on_progress)
        except BaseException as error:  # handed to the test thread
            failures.append(error)

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert halfway.wait(10)
        with pytest.raises(PartialInUseError, match="being downloaded by another desktop-llm"):
            fetch(hub, models_dir, model)
    finally:
        control.pause()
        thread.join(10)
    assert [type(error) for error in failures] == [DownloadPaused]
    part = partial_path(models_dir, REPO, NAME)
    assert part.stat().st_size == 1_000_000  # the refused call touched nothing

    assert fetch(hub, models_dir, model).read_bytes() == model.content  # free again
    assert not lock_path(part).exists()
    assert leftovers(models_dir) == []


def test_a_claim_left_by_a_killed_transfer_does_not_block_the_next(
    hub: FakeHub, models_dir: Path, model: FakeFile
) -> None:
    from desktop_llm.hub.download.partial_lock import lock_path

    left = lock_path(partial_path(models_dir, REPO, NAME))
    left.parent.mkdir(parents=True)
    left.write_bytes(b"")  # the file stays when its holder dies; the OS lock does not

    assert fetch(hub, models_dir, model).read_bytes() == model.content
    assert leftovers(models_dir) == []
