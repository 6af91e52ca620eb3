"""DownloadJob: its states change only through its own transitions, and only the allowed ones."""

from __future__ import annotations

import ast
import threading
from pathlib import Path

import pytest

import desktop_llm.hub.download.manager as manager_module
from desktop_llm.errors import DownloadError
from desktop_llm.hub.download import DownloadJob, JobState
from desktop_llm.hub.download.manifest import JobManifest, job_id_for
from desktop_llm.hub.download.transfer import TransferPhase, TransferProgress
from desktop_llm.hub.types import FilePart

REPO = "test-org/Job-GGUF"
FILES = (FilePart("model-Q4_K_M.gguf", 1000, "a" * 64),)


@pytest.fixture
def job(tmp_path: Path) -> DownloadJob:
    return DownloadJob(JobManifest.for_request(REPO, "main", FILES), tmp_path, threading.RLock())


def test_a_job_goes_through_its_states_by_its_own_methods(job: DownloadJob) -> None:
    assert job.state is JobState.PAUSED  # new and restored jobs start paused
    job.queue()
    assert job.state is JobState.QUEUED
    control = job.start(now=0.0)
    assert job.state is JobState.DOWNLOADING
    job.interrupt(cancel=False)
    assert control.requested is not None  # the running transfer is asked to pause
    job.end(JobState.PAUSED)
    job.queue()
    assert job.start(now=1.0) is not control  # a resumed run gets a fresh switch
    job.verify()
    job.end(JobState.COMPLETED)
    assert job.state is JobState.COMPLETED and job.state.is_final


@pytest.mark.parametrize(
    ("steps", "wrong"),
    [
        ((), JobState.DOWNLOADING),  # paused -> downloading skips the queue
        ((JobState.QUEUED,), JobState.COMPLETED),  # nothing was downloaded or verified
        ((JobState.QUEUED, JobState.DOWNLOADING, JobState.VERIFYING), JobState.PAUSED),
        ((JobState.QUEUED, JobState.CANCELLED), JobState.QUEUED),  # cancelled is final
    ],
)
def test_impossible_changes_raise(
    job: DownloadJob, steps: tuple[JobState, ...], wrong: JobState
) -> None:
    moves = {
        JobState.QUEUED: job.queue,
        JobState.DOWNLOADING: lambda: job.start(now=0.0),
        JobState.VERIFYING: job.verify,
        JobState.COMPLETED: lambda: job.end(JobState.COMPLETED),
        JobState.PAUSED: lambda: job.end(JobState.PAUSED),
        JobState.CANCELLED: lambda: job.end(JobState.CANCELLED),
    }
    for step in steps:
        moves[step]()
    before = job.state
    with pytest.raises(RuntimeError, match="cannot go from"):
        moves[wrong]()
    assert job.state is before


def test_only_a_running_job_can_be_interrupted(job: DownloadJob) -> None:
    with pytest.raises(RuntimeError):
        job.interrupt(cancel=True)


def test_progress_counts_bytes_and_reports_a_new_note_once(job: DownloadJob) -> None:
    job.queue()
    job.start(now=0.0)
    job.begin_file(FILES[0].path)
    downloading = TransferProgress(TransferPhase.DOWNLOADING, 400, 1000, 400)
    retrying = TransferProgress(TransferPhase.RETRYING, 400, 1000, 400, note="dropped")

    assert not job.record_progress(downloading, now=1.0)
    assert job.record_progress(retrying, now=2.0)  # news: listeners must see it
    assert not job.record_progress(retrying, now=3.0)
    snapshot = job.snapshot()
    assert snapshot.bytes_done == 400 and snapshot.note == "dropped"
    assert snapshot.current_file == FILES[0].path


def test_the_job_id_names_what_is_downloaded() -> None:
    two = [FilePart("b.gguf", 1, None), FilePart("a.gguf", 1, None)]
    same = job_id_for(REPO, "main", ["a.gguf", "b.gguf"])
    assert JobManifest.for_request(REPO, "main", tuple(two)).job_id == same
    assert job_id_for(REPO, "main", ["a.gguf"]) != same
    assert job_id_for(REPO, "v2", ["a.gguf", "b.gguf"]) != same
    assert job_id_for("test-org/Other", "main", ["a.gguf", "b.gguf"]) != same


def test_a_newer_listing_replaces_sizes_and_hashes_of_a_paused_job(job: DownloadJob) -> None:
    newer = (FilePart(FILES[0].path, 2000, "b" * 64),)
    manifest = job.update_files(newer)
    assert manifest is not None and job.files == newer and job.bytes_total == 2000
    assert job.update_files(newer) is None  # unchanged: nothing to write down
    with pytest.raises(ValueError):
        job.update_files((FilePart("other.gguf", 1, None),))


def test_an_unsafe_name_is_refused_before_a_job_exists(tmp_path: Path) -> None:
    manifest = JobManifest.for_request(REPO, "main", (FilePart("../x.gguf", 1, None),))
    with pytest.raises(DownloadError):
        DownloadJob(manifest, tmp_path, threading.RLock())


def test_the_manager_never_touches_a_jobs_private_fields() -> None:
    """Every change of a job goes through its methods: no ``job._anything`` in the manager."""
    tree = ast.parse(Path(manager_module.__file__).read_text(encoding="utf-8"))
    foreign = sorted(
        f"line {node.lineno}: {ast.unparse(node)}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
        and not (isinstance(node.value, ast.Name) and node.value.id == "self")
    )
    assert not foreign, foreign
