"""Files that appear whole or not at all: written to a temporary file beside the target,
flushed to the disk, then renamed over it.

A full disk, a missing folder or a refused permission becomes an ``ExportError`` sentence, and
the temporary file is removed whatever went wrong, so a failed backup never leaves a
half-written zip that looks like a good one.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from desktop_llm.errors import ExportError
from desktop_llm.i18n import translate

# The temporary file's name: hidden, fixed length (the target's own name may already be as
# long as the file system allows), and recognisable should a power cut leave one behind.
_TEMP_PREFIX = ".desktop-llm-"
_TEMP_SUFFIX = ".part"
# EFBIG: a file-size limit (ulimit -f) says "no more" the way a full disk does.
_NO_SPACE = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


def write_bytes(path: Path, data: bytes) -> None:
    with atomic_file(path) as file:
        file.write(data)


def write_text(path: Path, text: str) -> None:
    """``text`` as UTF-8, newlines as given (``\\n``: every reader today copes)."""
    write_bytes(path, text.encode("utf-8"))


@contextlib.contextmanager
def atomic_zip(path: Path) -> Iterator[zipfile.ZipFile]:
    """A zip file (deflated) that exists at ``path`` only once the ``with`` block ends well."""
    with atomic_file(path) as file, zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as archive:
        yield archive


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A binary file to write; it replaces ``path`` when the block ends without an exception.

    On any exception the temporary file is removed and ``path`` is left as it was; an
    ``OSError`` becomes an ``ExportError`` saying what happened in words."""
    path = Path(path)
    if path.is_dir():
        raise ExportError(translate(
            "Export", "{path} is a folder; choose a file name to export to."
        ).format(path=path))
    temp = _create_temp(path)
    try:
        with open(temp, "wb") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(error, OSError):
            raise _export_error(path, error) from error
        raise
    _sync_folder(path.parent)


def _create_temp(path: Path) -> Path:
    folder = path.parent
    if not folder.is_dir():
        raise ExportError(translate(
            "Export", "The folder {folder} does not exist; nothing was written."
        ).format(folder=folder))
    for _ in range(100):
        temp = folder / f"{_TEMP_PREFIX}{secrets.token_hex(6)}{_TEMP_SUFFIX}"
        try:
            # 0o666 less the umask: the export gets the permissions any new file would.
            os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        except OSError as error:
            raise _export_error(path, error) from error
        return temp
    raise ExportError(translate(
        "Export", "Could not create a temporary file in {folder}; nothing was written."
    ).format(folder=folder))


def _export_error(path: Path, error: OSError) -> ExportError:
    if error.errno in _NO_SPACE:
        return ExportError(translate(
            "Export",
            "There is not enough space to write {path} (the disk or your quota is full); "
            "nothing was written.",
        ).format(path=path))
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return ExportError(translate(
            "Export", "You are not allowed to write {path}; nothing was written."
        ).format(path=path))
    reason = error.strerror or str(error)
    return ExportError(translate(
        "Export", "Could not write {path} ({reason}); nothing was written."
    ).format(path=path, reason=reason))


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); folders cannot be opened on Windows."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
