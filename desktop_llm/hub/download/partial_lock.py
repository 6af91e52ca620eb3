"""One writer per partial download, across threads and processes.

Two transfers of the same file (two windows, the window and a command, or a command whose
launcher was killed while its Python process went on downloading) would append to one ``.part``
file and race to rename it: the loser failed with "No such file or directory". So a transfer
claims the file first: it holds an exclusive OS lock on ``<name>.part.lock`` for as long as it
touches the partial file and its sidecar. The operating system drops the lock when its holder
dies, however it dies (SIGKILL included), so a crash never leaves a download claimed. Locks
belong to an open file description (``flock``) or handle (``msvcrt``), not to a process, so
two threads of one process exclude each other too (desktop_llm/file_locks.py).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from desktop_llm.errors import DownloadError
from desktop_llm.file_locks import is_still_linked, try_lock
from desktop_llm.hub.download.partial_state import remove_partial
from desktop_llm.i18n import translate

LOCK_SUFFIX = ".lock"
# Claiming only races with a release that unlinks the file; a few attempts settle it.
_ATTEMPTS = 5

class PartialInUseError(DownloadError):
    """Another transfer (in this process or another) is writing this partial file."""


def lock_path(part: Path) -> Path:
    return part.with_name(part.name + LOCK_SUFFIX)


@contextmanager
def claimed(part: Path, *, what: str) -> Iterator[None]:
    """Hold the partial file ``part`` for the block; PartialInUseError if someone else does.

    Raises OSError when the lock file cannot be created (a read-only models folder).
    """
    fd = _claim(part)
    if fd is None:
        raise PartialInUseError(translate(
            "Downloads",
            "{name} is being downloaded by another desktop-llm (a window or a command) right "
            "now. Let that one finish, then ask again: the file will be there.",
        ).format(name=what))
    try:
        yield
    finally:
        _release(part, fd)


def remove_if_unclaimed(part: Path) -> bool:
    """Delete a partial file and its sidecar unless a transfer holds them; True if deleted."""
    try:
        fd = _claim(part)
    except OSError:
        return False
    if fd is None:
        return False
    try:
        remove_partial(part)
    finally:
        _release(part, fd)
    return True


def remove_unclaimed_leftovers(folder: Path) -> None:
    """Delete the lock files (and sidecars) of partial files that are gone, unless claimed: a
    transfer killed after its final rename leaves them, and no later claim would remove them."""
    if not folder.is_dir():
        return
    for lock in folder.glob(f"*{LOCK_SUFFIX}"):
        part = lock.with_name(lock.name[: -len(LOCK_SUFFIX)])
        if not part.exists():
            remove_if_unclaimed(part)


def _claim(part: Path) -> int | None:
    """An open, locked descriptor of the part's lock file, or None when someone holds it."""
    part.parent.mkdir(parents=True, exist_ok=True)
    path = lock_path(part)
    for _ in range(_ATTEMPTS):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if not try_lock(fd):
                os.close(fd)
                return None
            # A holder may have unlinked the file between our open and our lock (its release);
            # a lock on an unlinked file excludes nobody, so start again with a new file.
            if is_still_linked(fd, path):
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
    raise OSError(errno.EAGAIN, "could not lock the download's lock file", str(path))


def _release(part: Path, fd: int) -> None:
    path = lock_path(part)
    if sys.platform == "win32":
        os.close(fd)  # Windows deletes no open file: close first
        # PermissionError: someone has just opened it to claim it, so it is theirs now.
        with contextlib.suppress(PermissionError):
            path.unlink(missing_ok=True)
        return
    try:
        # Unlinked while still locked, so nobody can claim the old file in between.
        path.unlink(missing_ok=True)
    finally:
        os.close(fd)
