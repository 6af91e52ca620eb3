"""`desktop-llm export`: conversations to files or stdout, and backups, run for real in a
subprocess on a history built by the test (no model needed)."""

from __future__ import annotations

import base64
import json
import os
import resource
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from desktop_llm.paths import AppPaths
from desktop_llm.storage import HistoryStore
from desktop_llm.transcripts.backup_export import MANIFEST_NAME
from desktop_llm.transcripts.file_names import export_file_name
from desktop_llm.transcripts.json_export import schema
from tests.test_cli import RUN_TIMEOUT, _env, assert_one_line_failure, run_cli, run_ok
from tests.transcripts.samples import (
    ANSWER,
    FOLLOW_UP,
    OLD_ANSWER,
    QUESTION,
    REASONING,
    TITLE,
    rich_conversation,
)


@pytest.fixture
def ids(paths: AppPaths) -> list[int]:
    """Three conversations in the test's history; the store is closed before the CLI runs."""
    with HistoryStore.open(paths.database) as store:
        return [rich_conversation(store).conversation_id for _ in range(3)]


def test_one_conversation_to_stdout_in_each_text_format(
    isolated_home: Path, ids: list[int]
) -> None:
    markdown = run_ok(isolated_home, "export", str(ids[0]), "--format", "md")
    assert markdown.startswith("---\n") and f"# {TITLE}" in markdown
    assert QUESTION in markdown and ANSWER.strip() in markdown and OLD_ANSWER not in markdown

    document = json.loads(run_ok(isolated_home, "export", str(ids[0]), "-f", "json"))
    jsonschema.validate(document, schema())
    assert OLD_ANSWER in {m["content"] for m in document["messages"]}  # every branch

    page = run_ok(isolated_home, "export", str(ids[0]), "--format", "html")
    assert page.startswith("<!DOCTYPE html>") and REASONING in page and "<script" not in page

    text = run_ok(isolated_home, "export", str(ids[0]), "--format", "txt")
    assert text.startswith(f"{TITLE}\n") and FOLLOW_UP in text


def test_files_and_folders(isolated_home: Path, ids: list[int], tmp_path: Path) -> None:
    target = tmp_path / "对话.json"
    # The format follows the file's extension when --format is left out.
    assert run_ok(isolated_home, "export", str(ids[1]), "-o", str(target)) == f"{target}\n"
    assert json.loads(target.read_text(encoding="utf-8"))["conversation"]["id"] == ids[1]

    folder = tmp_path / "new" / "folder"
    printed = run_ok(isolated_home, "export", *map(str, ids), "--format", "md", "-o", str(folder))
    files = sorted(folder.iterdir())
    assert len(files) == 3 and sorted(printed.splitlines()) == [str(p) for p in files]
    assert all(f.name.startswith(TITLE) and f.suffix == ".md" for f in files)
    assert {f.read_text(encoding="utf-8").count(QUESTION) for f in files} == {1}


def test_backup_of_everything(isolated_home: Path, ids: list[int], tmp_path: Path) -> None:
    target = tmp_path / "backup.zip"
    assert run_ok(isolated_home, "export", "--all", "-o", str(target)) == (
        f"Backed up 3 conversations to {target}\n"
    )
    with zipfile.ZipFile(target) as archive:
        assert json.loads(archive.read(MANIFEST_NAME))["conversations"] == 3
        documents = [json.loads(archive.read(n)) for n in archive.namelist() if n != MANIFEST_NAME]
    assert [d["conversation"]["id"] for d in documents] == ids
    for document in documents:
        jsonschema.validate(document, schema())


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("export", "999", "--format", "md"), "Conversation 999 does not exist"),
        (("export", "1", "--format", "pdf"), "PDF cannot go to the terminal: give -o FILE"),
        (("export", "1", "2", "--format", "md"), "several conversations need -o FOLDER"),
        (("export", "--format", "md"), "give the ids of the conversations to export"),
        (("export", "--all"), "--all needs -o FILE.zip"),
        (("export", "1", "--all", "-o", "x.zip"), "give conversation ids or --all, not both"),
        (("export", "--all", "-f", "md", "-o", "x.zip"), "--all writes a zip of JSON"),
        (("export", "1", "-o", "x.zip"), "x.zip names no export format: add --format (md,"),
    ],
)
def test_mistakes_fail_in_one_line(
    isolated_home: Path, ids: list[int], args: tuple[str, ...], says: str
) -> None:
    line = assert_one_line_failure(run_cli(isolated_home, *args))
    assert says in line


def test_unwritable_output_fails_in_one_line_and_writes_nothing(
    isolated_home: Path, ids: list[int], tmp_path: Path
) -> None:
    result = run_cli(isolated_home, "export", str(ids[0]), "-o", str(tmp_path / "no" / "a.md"))
    assert result.returncode == 1
    assert "does not exist; nothing was written" in assert_one_line_failure(result)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]


PDF_BY_CALLER = """
import sys
from pathlib import Path
from desktop_llm.cli import main

def writer(transcript, path):
    Path(path).write_text(f"PDF of {transcript.conversation.id}, {len(transcript.shown())}")

# argv[1] says whether main is given a writer; the rest is the command line.
sys.exit(main(sys.argv[2:], pdf_writer=writer if sys.argv[1] == "with" else None))
"""


def test_pdf_is_drawn_by_the_writer_main_is_given(
    isolated_home: Path, ids: list[int], tmp_path: Path
) -> None:
    def run(writer: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", PDF_BY_CALLER, writer, *args], env=_env(isolated_home),
            stdin=subprocess.DEVNULL, capture_output=True, text=True, encoding="utf-8",
            timeout=RUN_TIMEOUT, check=False,
        )

    target = tmp_path / "a.pdf"
    refused = run("none", "export", str(ids[0]), "--format", "pdf", "-o", str(target))
    assert "PDF export needs the window's Qt libraries" in assert_one_line_failure(refused)
    assert refused.returncode == 1 and not target.exists()

    drawn = run("with", "export", str(ids[0]), "-o", str(target))
    assert drawn.returncode == 0, drawn.stderr
    assert target.read_text() == f"PDF of {ids[0]}, 4"


@pytest.mark.skipif(sys.platform == "win32", reason="no file-size limit on Windows")
def test_a_full_disk_leaves_no_backup_that_looks_whole(
    isolated_home: Path, paths: AppPaths, tmp_path: Path
) -> None:
    """The disk "fills" at 256 KiB (a file-size limit fails writes the way a full disk does)
    while the backup needs about a megabyte."""
    with HistoryStore.open(paths.database) as store:
        for n in range(8):
            conversation = store.create_conversation(f"big {n}")
            store.add_message(conversation.id, "user", base64.b64encode(os.urandom(100_000))
                              .decode())
    out = tmp_path / "out"
    out.mkdir()
    previous = out / "backup.zip"
    previous.write_bytes(b"last week's backup")

    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))

    result = subprocess.run(
        [sys.executable, "-m", "desktop_llm", "export", "--all", "-o", str(previous)],
        env=_env(isolated_home), stdin=subprocess.DEVNULL, capture_output=True, text=True,
        encoding="utf-8", timeout=RUN_TIMEOUT, check=False, preexec_fn=limit_file_size,
    )

    line = assert_one_line_failure(result)
    assert result.returncode == 1 and "not enough space" in line
    assert previous.read_bytes() == b"last week's backup"
    assert sorted(p.name for p in out.iterdir()) == ["backup.zip"]
    # Without the limit the same command succeeds: it was the space, nothing else.
    assert "Backed up 8 conversations" in run_ok(isolated_home, "export", "--all", "-o",
                                                 str(previous))
    with zipfile.ZipFile(previous) as archive:
        assert archive.testzip() is None and len(archive.namelist()) == 9


def test_export_file_names_on_disk_match_the_library(
    isolated_home: Path, paths: AppPaths, ids: list[int], tmp_path: Path
) -> None:
    with HistoryStore.open(paths.database) as store:
        expected = sorted(export_file_name(store.get_conversation(i), "txt") for i in ids[:2])
    run_ok(isolated_home, "export", str(ids[0]), str(ids[1]), "-f", "txt", "-o", str(tmp_path))
    assert sorted(p.name for p in tmp_path.glob("*.txt")) == expected
