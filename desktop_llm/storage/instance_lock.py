"""Instance locks: how one process tells whether the writer of a streaming reply is still alive.

Every open history store holds an exclusive OS lock on ``instances/<id>.lock`` for its whole
life. The operating system drops that lock when the holder dies, however it dies (SIGKILL
included), so "the file exists and we cannot lock it" means "that instance is alive". Locks
belong to an open file description (``flock``) or handle (``msvcrt``), not to a process, so the
test is also correct between two stores in the same process.
"""

from __future__ import annotations

import errno
import os
import re
import sys
import uuid
from pathlib import Path

from desktop_llm.file_locks import is_still_linked, lock, try_lock, unlock

INSTANCES_DIR_NAME = "instances"
_LOCK_SUFFIX = ".lock"
_INSTANCE_ID = re.compile(r"[0-9a-f]{32}")
# Creating a lock file only races with a sweep of dead files; a couple of retries settle it.
_ACQUIRE_ATTEMPTS = 5

def lock_file(directory: Path, instance_id: str) -> Path:
    return directory / f"{instance_id}{_LOCK_SUFFIX}"


class InstanceLock:
    """This process's claim to one instance id; release it with ``release()``."""

    def __init__(self, directory: Path, instance_id: str, fd: int) -> None:
        self._directory = directory
        self._instance_id = instance_id
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, directory: Path) -> InstanceLock:
        """Create a fresh instance id and hold the lock on its file. Raises OSError."""
        directory.mkdir(parents=True, exist_ok=True)
        instance_id = uuid.uuid4().hex
        path = lock_file(directory, instance_id)
        for _ in range(_ACQUIRE_ATTEMPTS):
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                lock(fd)
                # A sweep may have unlinked the file between our open and our lock; a lock on
                # an unlinked file proves nothing to others, so start again with a new file.
                if is_still_linked(fd, path):
                    return cls(directory, instance_id, fd)
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)
        raise OSError(errno.EAGAIN, "could not lock a new instance file", str(path))

    @property
    def instance_id(self) -> str:
        return self._instance_id

    def release(self) -> None:
        """Drop the lock and remove the file; calling it again does nothing."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        path = lock_file(self._directory, self._instance_id)
        if sys.platform == "win32":
            # Windows cannot delete a file that is open, so close first.
            os.close(fd)
            _remove_if_unused(path)
            return
        try:
            # Unlink while still holding the lock, so nobody can take over the file in between.
            path.unlink(missing_ok=True)
        finally:
            os.close(fd)


def is_instance_alive(directory: Path, instance_id: str) -> bool:
    """True when the instance's lock file exists and someone holds its lock."""
    if not _INSTANCE_ID.fullmatch(instance_id):
        # Not an id this module made (a hand-edited row): nobody can be holding it.
        return False
    try:
        fd = os.open(lock_file(directory, instance_id), os.O_RDWR)
    except FileNotFoundError:
        return False
    except PermissionError:
        # Someone else's file we cannot open: claiming it dead could cut off a live reply.
        return True
    try:
        if try_lock(fd):
            unlock(fd)
            return False
        return True
    finally:
        os.close(fd)


def remove_dead_lock_files(directory: Path) -> int:
    """Delete the lock files of instances that are gone; returns how many were removed."""
    if not directory.is_dir():
        return 0
    removed = 0
    for path in directory.iterdir():
        if path.suffix == _LOCK_SUFFIX and _INSTANCE_ID.fullmatch(path.stem):
            removed += _remove_if_dead(path)
    return removed


def _remove_if_dead(path: Path) -> int:
    try:
        fd = os.open(path, os.O_RDWR)
    except (FileNotFoundError, PermissionError):
        return 0
    if sys.platform == "win32":
        try:
            if not try_lock(fd):
                return 0
            unlock(fd)
        finally:
            os.close(fd)
        return int(_remove_if_unused(path))
    try:
        if not try_lock(fd) or not is_still_linked(fd, path):
            return 0
        # Holding the lock: an instance that opened this file meanwhile waits for it, then sees
        # the file is gone (InstanceLock.acquire checks) and makes a new one.
        path.unlink(missing_ok=True)
        return 1
    finally:
        os.close(fd)


def _remove_if_unused(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except PermissionError:
        # Windows: someone has the file open (checking it or claiming it); leave it to them.
        return False
    return True
