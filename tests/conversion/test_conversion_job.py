"""ConversionJob on its own: progress to late subscribers, failures, cancel and clean-up."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from desktop_llm.converter.job import (
    ConversionJob,
    ConversionResult,
    JobControl,
    JobProgress,
)
from desktop_llm.errors import ConversionCancelled, ConversionError

EMPTY = ConversionResult((), ())


def test_a_late_subscriber_gets_the_last_report_of_each_stage() -> None:
    reported, release = threading.Event(), threading.Event()

    def work(control: JobControl) -> ConversionResult:
        control.report(JobProgress("check", None, "checking"))
        control.report(JobProgress("convert", 0.2, "a"))
        control.report(JobProgress("convert", 0.5, "b"))
        reported.set()
        release.wait(10)
        control.report(JobProgress("convert", 1.0, "c"))
        return EMPTY

    job = ConversionJob("test", work)
    seen: list[JobProgress] = []
    assert reported.wait(10)
    job.subscribe(seen.append)
    release.set()
    assert job.future.result(timeout=10) is EMPTY
    assert [(p.stage, p.fraction) for p in seen] == [
        ("check", None),
        ("convert", 0.5),
        ("convert", 1.0),
    ]


def test_a_failure_removes_what_the_job_made(tmp_path: Path) -> None:
    folder = tmp_path / "converted" / "m"

    def work(control: JobControl) -> ConversionResult:
        folder.mkdir(parents=True)
        control.making(folder)
        control.making(folder / "m-F16.gguf.part").write_bytes(b"half")
        raise ConversionError("The conversion process crashed (exit code 1).")

    job = ConversionJob("test", work)
    with pytest.raises(ConversionError, match="crashed"):
        job.future.result(timeout=10)
    assert not folder.exists()


def test_cancel_removes_files_and_raises_cancelled(tmp_path: Path) -> None:
    started = threading.Event()
    output = tmp_path / "m-Q4_K_M.gguf"

    def work(control: JobControl) -> ConversionResult:
        control.making(output).write_bytes(b"done")
        started.set()
        while not control.cancelled:
            threading.Event().wait(0.01)
        return EMPTY  # work that ignores the flag still ends as cancelled

    job = ConversionJob("test", work)
    assert started.wait(10)
    job.cancel()
    with pytest.raises(ConversionCancelled):
        job.future.result(timeout=10)
    assert not output.exists()


def test_a_successful_job_keeps_its_files(tmp_path: Path) -> None:
    output = tmp_path / "m-F16.gguf"

    def work(control: JobControl) -> ConversionResult:
        control.making(output).write_bytes(b"done")
        return EMPTY

    assert ConversionJob("test", work).future.result(timeout=10) is EMPTY
    assert output.read_bytes() == b"done"
