"""Saves a reply while it streams, so a killed process loses at most the last moment of it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from desktop_llm.errors import StorageBusyError, StorageError
from desktop_llm.storage import HistoryStore

logger = logging.getLogger(__name__)

# The brief promises "at most the last second"; half of it leaves room for a slow disk.
FLUSH_INTERVAL = 0.5


class ReplyWriter:
    """Receives the reply's text (on the engine's reader thread) and writes it through at
    intervals."""

    def __init__(
        self,
        store: HistoryStore,
        message_id: int,
        forward: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        *,
        prefix: str = "",
    ) -> None:
        self._store = store
        # A continued reply: the text it already had, saved in front of what streams now.
        self.prefix = prefix
        self._message_id = message_id
        self._forward = forward
        self._clock = clock
        self._pieces: list[str] = []
        self._last_flush = clock()
        self._dirty = False
        self._saving = True

    @property
    def text(self) -> str:
        return self.prefix + "".join(self._pieces)

    def on_text(self, piece: str) -> None:
        self._pieces.append(piece)
        self._dirty = True
        if self._forward is not None:
            self._forward(piece)
        if self._clock() - self._last_flush >= FLUSH_INTERVAL:
            self.flush()

    def stop_saving(self) -> None:
        """The reply's message is going away (its conversation is deleted): write no more."""
        self._saving = False

    def flush(self) -> None:
        if not self._dirty or not self._saving:
            return
        self._last_flush = self._clock()
        self._dirty = False
        try:
            self._store.update_reply(self._message_id, self.text, quick=True)
        except StorageBusyError:
            # Another writer (an import) holds the history: keep streaming, save next time.
            self._dirty = True
            logger.debug("history busy; the reply in progress is saved at the next interval")
        except StorageError:
            # The reply keeps streaming; the final write at the end gets another chance.
            logger.exception("could not save the reply in progress")
