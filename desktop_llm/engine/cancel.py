"""The stop flag of one generation, set from any thread, read by the worker at every token."""

from __future__ import annotations

import threading
import time


class CancelToken(threading.Event):
    """An Event that remembers when it was first set, so a reply can tell how many tokens
    were decoded after the stop arrived (the promise is: at most one)."""

    def __init__(self) -> None:
        super().__init__()
        self.set_at: float | None = None

    def set(self) -> None:
        if self.set_at is None:
            self.set_at = time.perf_counter()
        super().set()
