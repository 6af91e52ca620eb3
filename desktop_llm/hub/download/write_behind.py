"""A partial file that is flushed to disk on a helper thread while the download goes on.

The finished file is fsynced before it is renamed into place (a registered model must not lose
pages to a power cut). Done only at the end, that fsync writes out everything the kernel has
not written back yet: at LAN or loopback speeds, seconds of stall for a big file. Syncing every
``every_bytes`` on a helper thread overlaps that work with the transfer, so the final fsync
only has the last stretch left. The download thread never waits for these syncs.

The same helper hands the write buffer to the OS once a second: when the connection stalls
right after a burst, the bytes received are in the file on disk, not in a buffer that a crash
or a kill during the stall would lose.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import BinaryIO

log = logging.getLogger(__name__)


class WriteBehindFile:
    """Writes go to ``stream`` (buffered); a helper thread fsyncs every ``every_bytes`` and
    flushes the buffer every ``flush_interval`` seconds (BufferedWriter locks itself)."""

    def __init__(
        self,
        stream: BinaryIO,
        *,
        every_bytes: int = 32 * 1024 * 1024,
        flush_interval: float = 1.0,
    ) -> None:
        self._stream = stream
        self._every = every_bytes
        self._flush_interval = flush_interval
        self._unsynced = 0
        self._wanted = threading.Event()
        self._closing = False
        self._thread = threading.Thread(target=self._sync_loop, name="download-sync", daemon=True)
        self._thread.start()

    def write(self, data: bytes) -> None:
        self._stream.write(data)
        self._unsynced += len(data)
        if self._unsynced >= self._every:
            self._unsynced = 0
            self._wanted.set()

    def flush(self) -> None:
        """Hand the buffered bytes to the OS (enough for a resume: it trusts the file length)."""
        self._stream.flush()

    def truncate(self) -> None:
        """Start the file over (the server ignored a Range request)."""
        self._stream.flush()
        self._stream.truncate(0)
        self._unsynced = 0

    def stop(self, *, sync: bool) -> None:
        """End the helper thread; with ``sync``, make every byte durable (raises OSError)."""
        self._closing = True
        self._wanted.set()
        self._thread.join()
        if sync:
            self._stream.flush()
            os.fsync(self._stream.fileno())

    def _sync_loop(self) -> None:
        while True:
            asked = self._wanted.wait(self._flush_interval)
            self._wanted.clear()
            if self._closing:
                return
            try:
                if asked:
                    os.fsync(self._stream.fileno())
                else:
                    self._stream.flush()
            except (OSError, ValueError) as error:
                # Only an optimisation: the download thread's own writes and final fsync
                # report the same problem (a full disk, say) where it can be handled.
                log.debug("background flush or fsync failed: %s", error)
