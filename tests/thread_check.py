"""The check that a test left no thread of the app's running: every thread it started ends.

Threads are compared with those alive before: the engine's pipe readers, the storage and Hub
task pools, download workers, conversion jobs, the shutdown thread, the stop timers. Threads
that Qt or another library started outside Python (``_DummyThread``) are not ours to end.
"""

from __future__ import annotations

import threading
import time


def python_threads() -> set[threading.Thread]:
    return {
        thread for thread in threading.enumerate()
        if not isinstance(thread, threading._DummyThread)  # type: ignore[attr-defined]
    }


def assert_threads_end(before: set[threading.Thread], timeout: float = 10.0) -> None:
    """Every thread started since ``before`` ends within ``timeout`` (pools wind down)."""
    deadline = time.monotonic() + timeout
    while True:
        left = [t for t in python_threads() - before if t.is_alive()]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert not left, f"threads left running: {sorted(t.name for t in left)}"
