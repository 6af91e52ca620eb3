"""Hands download snapshots to listeners from one thread: in order, progress at most ~10/s.

State changes are delivered one by one, in the order they happened. Progress is coalesced per
job: however many chunks arrive, a listener sees at most one progress snapshot per
``interval``, and always the latest one, also when the bytes stop (a stall) right after a
burst. Listeners run on this thread, never on a download thread, so a slow listener cannot
slow a download down, and never on the caller's thread, so they may call the manager back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

S = TypeVar("S")


class SnapshotPublisher(Generic[S]):
    def __init__(self, *, interval: float = 0.1, name: str = "download-events") -> None:
        self._interval = interval
        self._changed = threading.Condition()
        self._listeners: list[Callable[[S], None]] = []
        self._events: deque[S] = deque()
        # key -> (when it is due, how to take the snapshot then)
        self._pending: dict[str, tuple[float, Callable[[], S]]] = {}
        self._last_delivered: dict[str, float] = {}
        self._closing = False
        self._thread = threading.Thread(target=self._deliver_loop, name=name, daemon=True)
        self._thread.start()

    def subscribe(self, listener: Callable[[S], None]) -> Callable[[], None]:
        with self._changed:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._changed:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def publish(self, key: str, snapshot: S) -> None:
        """A state change: delivered for sure, after everything published before it."""
        with self._changed:
            self._events.append(snapshot)
            self._pending.pop(key, None)  # this snapshot is at least as new
            self._last_delivered[key] = time.monotonic()
            self._changed.notify()

    def progress(self, key: str, take_snapshot: Callable[[], S]) -> None:
        """New bytes: a snapshot taken by ``take_snapshot`` follows within ``interval``."""
        with self._changed:
            if key in self._pending:
                return
            due = self._last_delivered.get(key, 0.0) + self._interval
            self._pending[key] = (due, take_snapshot)
            self._changed.notify()

    def close(self) -> None:
        """Deliver what is waiting, then stop the thread and wait for it."""
        with self._changed:
            self._closing = True
            self._changed.notify()
        self._thread.join()

    def _deliver_loop(self) -> None:
        while True:
            snapshot = self._next()
            if snapshot is None:
                return
            with self._changed:
                listeners = list(self._listeners)
            for listener in listeners:
                try:
                    listener(snapshot)
                except Exception:
                    # A broken listener (UI code) must not stop the others or the downloads.
                    log.exception("download listener %r failed", listener)

    def _next(self) -> S | None:
        """The next snapshot to deliver, waiting for one; None once closed and drained."""
        with self._changed:
            while True:
                if self._events:
                    return self._events.popleft()
                now = time.monotonic()
                if self._pending:
                    key, (due, take_snapshot) = min(
                        self._pending.items(), key=lambda item: item[1][0]
                    )
                    if due <= now or self._closing:
                        del self._pending[key]
                        self._last_delivered[key] = now
                        break
                    self._changed.wait(due - now)
                elif self._closing:
                    return None
                else:
                    self._changed.wait()
        # Outside our lock: taking a snapshot takes the manager's lock.
        return take_snapshot()
