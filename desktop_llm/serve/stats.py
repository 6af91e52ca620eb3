"""What the window shows of the API server: requests served and the last error."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StatsSnapshot:
    requests_served: int
    last_error: str | None


class ServeStats:
    """Counted on the server's thread; listeners are called there too (keep them quick)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._served = 0
        self._last_error: str | None = None
        self._listeners: list[Callable[[StatsSnapshot], None]] = []

    def add_listener(self, listener: Callable[[StatsSnapshot], None]) -> None:
        self._listeners.append(listener)

    def snapshot(self) -> StatsSnapshot:
        with self._lock:
            return StatsSnapshot(self._served, self._last_error)

    def served(self) -> None:
        with self._lock:
            self._served += 1
        self._notify()

    def failed(self, message: str) -> None:
        with self._lock:
            self._last_error = message
        self._notify()

    def _notify(self) -> None:
        snapshot = self.snapshot()
        for listener in list(self._listeners):
            try:
                listener(snapshot)
            except Exception:  # a listener's bug must not fail a request
                logger.exception("serve listener failed")
