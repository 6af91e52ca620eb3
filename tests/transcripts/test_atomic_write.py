"""Files written whole or not at all; failures are sentences and leave no temporary file."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_llm.errors import ExportError
from desktop_llm.transcripts.atomic_write import atomic_file, atomic_zip, write_text


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_a_file_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "导出.md"
    target.write_text("old", encoding="utf-8")
    write_text(target, "新的内容 🙂\n")
    assert target.read_text(encoding="utf-8") == "新的内容 🙂\n"
    assert leftovers(tmp_path) == []


def test_new_files_get_the_usual_permissions(tmp_path: Path) -> None:
    if os.name != "posix":
        pytest.skip("POSIX permissions")
    umask = os.umask(0o022)
    os.umask(umask)
    write_text(tmp_path / "a.txt", "x")
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o666 & ~umask


def test_an_exception_inside_keeps_the_old_file_and_removes_the_temporary_one(
    tmp_path: Path,
) -> None:
    target = tmp_path / "backup.zip"
    target.write_bytes(b"previous")
    with pytest.raises(KeyboardInterrupt), atomic_zip(target) as archive:
        archive.writestr("a.json", "{}")
        raise KeyboardInterrupt
    assert target.read_bytes() == b"previous"
    assert leftovers(tmp_path) == []


def test_unwritable_places_are_sentences(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="does not exist"):
        write_text(tmp_path / "missing" / "a.md", "x")
    with pytest.raises(ExportError, match="is a folder"):
        write_text(tmp_path, "x")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ExportError, match="does not exist"):
        write_text(tmp_path / "file" / "a.md", "x")


def test_an_os_error_while_writing_is_a_sentence(tmp_path: Path) -> None:
    target = tmp_path / "a.md"
    with pytest.raises(ExportError, match=r"Could not write .*a\.md.*nothing was written"), \
            atomic_file(target) as file:
        file.write(b"partial")
        raise OSError(5, "Input/output error")
    assert not target.exists() and leftovers(tmp_path) == []


FILL_THE_DISK = """
import os, sys
from pathlib import Path
from desktop_llm.errors import ExportError
from desktop_llm.transcripts.atomic_write import write_bytes
try:
    write_bytes(Path(sys.argv[1]), os.urandom(1_000_000))
except ExportError as error:
    print(error)
    sys.exit(3)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="no file-size limit on Windows")
def test_a_full_disk_leaves_nothing_behind(tmp_path: Path) -> None:
    """The disk "fills" at 64 KiB: a file-size limit fails writes the way a full disk does."""
    target = tmp_path / "big.bin"

    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write instead of killing us
        resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))

    result = subprocess.run(
        [sys.executable, "-c", FILL_THE_DISK, str(target)],
        preexec_fn=limit_file_size,
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 3, result.stderr
    assert "not enough space" in result.stdout and "nothing was written" in result.stdout
    assert not target.exists() and leftovers(tmp_path) == []
