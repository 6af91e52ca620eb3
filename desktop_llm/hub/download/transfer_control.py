"""Pause and cancel for a running transfer, from any thread, taking effect at once.

A request is a flag the transfer checks between chunks. That alone would leave a transfer
blocked on a stalled connection deaf until the stall timeout (30 s); so the socket being read
is also shut down, which makes the blocked read return immediately. A backoff sleep between
attempts is cut short the same way.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx2

log = logging.getLogger(__name__)


class DownloadStopped(Exception):
    """The transfer stopped because someone asked it to (not shown to users as an error)."""


class DownloadPaused(DownloadStopped):
    """Paused: the partial file and its sidecar are kept for a later resume."""


class DownloadCancelled(DownloadStopped):
    """Cancelled: the partial file and its sidecar were deleted."""


class TransferControl:
    """Pause / cancel for a running transfer, safe to call from any thread.

    The worker checks the request between chunks; on top of that, the socket being read is
    shut down, so a transfer blocked on a stalled connection stops at once instead of
    waiting out the stall timeout. A backoff sleep is cut short the same way.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requested: type[DownloadStopped] | None = None
        self._wake = threading.Event()
        self._interrupt: Callable[[], None] | None = None

    def pause(self) -> None:
        self._request(DownloadPaused)

    def cancel(self) -> None:
        self._request(DownloadCancelled)

    @property
    def requested(self) -> type[DownloadStopped] | None:
        return self._requested

    def raise_if_requested(self) -> None:
        if self._requested is not None:
            raise self._requested()

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds``, or less if a pause or cancel comes in meanwhile."""
        self._wake.wait(seconds)

    def _request(self, kind: type[DownloadStopped]) -> None:
        with self._lock:
            if self._requested is DownloadCancelled:
                return  # a cancel is final; a later pause must not bring the partial back
            self._requested = kind
            self._wake.set()
            # Under the lock: once `interrupting` has detached, the socket may be back in the
            # connection pool, serving someone else, and must not be touched.
            if self._interrupt is not None:
                self._interrupt()

    @contextmanager
    def interrupting(self, response: httpx2.Response) -> Iterator[None]:
        """While reading ``response``, a pause or cancel also shuts its socket down."""
        shutdown = _socket_shutdown(response)
        with self._lock:
            self._interrupt = shutdown
            if self._requested is not None and shutdown is not None:
                shutdown()
        try:
            yield
        finally:
            with self._lock:
                self._interrupt = None


def _socket_shutdown(response: httpx2.Response) -> Callable[[], None] | None:
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if not isinstance(sock, socket.socket):
        return None  # another transport (HTTP/2, a proxy plug-in): chunk checks still apply

    def shutdown() -> None:
        try:
            # socket.socket's own shutdown: SSLSocket.shutdown would also drop its SSL object
            # under the reading thread's feet; this only makes the blocked read return.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except OSError as error:  # already closed by the other side: nothing left to stop
            log.debug("socket already closed while stopping a download: %s", error)

    return shutdown
