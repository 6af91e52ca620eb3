"""Exclusive OS locks on files, the one primitive behind "is someone still using this?".

The operating system drops a lock when its holder dies, however it dies (SIGKILL included), so
a lock file that exists but cannot be locked belongs to a live holder. Locks belong to an open
file description (``flock``) or handle (``msvcrt``), not to a process, so two threads of one
process exclude each other too. Used by the history's instance locks (storage) and by the
one-writer-per-partial-download claim (hub).
"""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path

if sys.platform == "win32":
    import msvcrt

    def try_lock(fd: int) -> bool:
        """Lock without waiting; False when another holder has it."""
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError as error:
            if error.errno in (errno.EACCES, errno.EDEADLK):
                return False
            raise
        return True

    def lock(fd: int) -> None:
        # LK_LOCK retries for about ten seconds, far longer than any sweep holds a lock.
        msvcrt.locking(fd, msvcrt.LK_LOCK, 1)

    def unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def try_lock(fd: int) -> bool:
        """Lock without waiting; False when another holder has it."""
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)

    def unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def is_still_linked(fd: int, path: Path) -> bool:
    """Whether ``fd`` is still the file at ``path``: a holder may have unlinked it (its
    release) between our open and our lock, and a lock on an unlinked file excludes nobody."""
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    opened = os.fstat(fd)
    return (on_disk.st_dev, on_disk.st_ino) == (opened.st_dev, opened.st_ino)
