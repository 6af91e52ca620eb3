"""Instance lock files: the liveness signal behind crash recovery."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from desktop_llm.storage.instance_lock import (
    InstanceLock,
    is_instance_alive,
    lock_file,
    remove_dead_lock_files,
)


def test_a_held_lock_is_alive_and_released_lock_is_gone(tmp_path: Path) -> None:
    lock = InstanceLock.acquire(tmp_path / "instances")
    path = lock_file(tmp_path / "instances", lock.instance_id)
    assert path.exists()
    assert is_instance_alive(tmp_path / "instances", lock.instance_id)

    lock.release()
    lock.release()

    assert not path.exists()
    assert not is_instance_alive(tmp_path / "instances", lock.instance_id)


def test_two_locks_in_one_process_are_separate_instances(tmp_path: Path) -> None:
    first = InstanceLock.acquire(tmp_path)
    second = InstanceLock.acquire(tmp_path)
    try:
        assert first.instance_id != second.instance_id
        assert is_instance_alive(tmp_path, first.instance_id)
        assert is_instance_alive(tmp_path, second.instance_id)
    finally:
        first.release()
        second.release()


def test_a_leftover_file_nobody_holds_is_dead_and_swept(tmp_path: Path) -> None:
    live = InstanceLock.acquire(tmp_path)
    leftover_id = uuid.uuid4().hex
    lock_file(tmp_path, leftover_id).touch()
    unrelated = tmp_path / "notes.txt"
    unrelated.write_text("not ours")
    try:
        assert not is_instance_alive(tmp_path, leftover_id)

        assert remove_dead_lock_files(tmp_path) == 1

        assert not lock_file(tmp_path, leftover_id).exists()
        assert lock_file(tmp_path, live.instance_id).exists()
        assert is_instance_alive(tmp_path, live.instance_id)
        assert unrelated.exists()
    finally:
        live.release()


def test_ids_that_are_not_instance_ids_are_never_alive(tmp_path: Path) -> None:
    (tmp_path / "x.lock").touch()
    assert not is_instance_alive(tmp_path, "x")
    assert not is_instance_alive(tmp_path, "../../etc/passwd")
    assert not is_instance_alive(tmp_path, uuid.uuid4().hex)  # no file at all


def test_sweeping_a_missing_folder_removes_nothing(tmp_path: Path) -> None:
    assert remove_dead_lock_files(tmp_path / "missing") == 0


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc/self/fd")
def test_lock_handling_does_not_leak_file_descriptors(tmp_path: Path) -> None:
    def open_descriptors() -> int:
        return len(os.listdir("/proc/self/fd"))

    before = open_descriptors()
    for _ in range(50):
        lock = InstanceLock.acquire(tmp_path)
        dead = uuid.uuid4().hex
        lock_file(tmp_path, dead).touch()
        assert is_instance_alive(tmp_path, lock.instance_id)
        assert not is_instance_alive(tmp_path, dead)
        remove_dead_lock_files(tmp_path)
        lock.release()
    assert open_descriptors() == before
    assert list(tmp_path.iterdir()) == []
