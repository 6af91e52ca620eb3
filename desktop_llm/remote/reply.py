"""One reply streaming from a server, stoppable from any thread at once.

Stop sets the reply's flag and shuts its socket down (httpcore's trace hook hands the socket
over as soon as it is connected), which makes a blocked read return at once, even while the
server is silent.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from desktop_llm.engine.types import GenerationResult

logger = logging.getLogger("desktop_llm.remote")


@dataclass(eq=False)
class Reply:
    """One reply streaming from the server; ``cancel()`` from any thread."""

    future: Future[GenerationResult] = field(default_factory=Future)
    pieces: list[str] = field(default_factory=list)
    cancelled: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    interrupt: Callable[[], None] | None = None

    @property
    def text(self) -> str:
        """What the reply has written so far."""
        return "".join(self.pieces)

    def cancel(self) -> None:
        with self.lock:
            self.cancelled = True
            # Under the lock: once the reader has let go of the socket it must not be touched.
            if self.interrupt is not None:
                self.interrupt()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's trace hook: the socket, as soon as it is connected, so a Stop while the
        server has not answered yet (a silent one, a long prompt) ends the wait too. Over
        HTTPS the TLS socket replaces the plain one (which it detaches: shutting that down
        would do nothing)."""
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            self.reading(info.get("return_value"))

    def reading(self, network_stream: Any) -> None:
        shutdown = socket_shutdown(network_stream)
        with self.lock:
            self.interrupt = shutdown
            if self.cancelled and shutdown is not None:
                shutdown()

    def done_reading(self) -> None:
        with self.lock:
            self.interrupt = None


def settle(reply: Reply, result: GenerationResult) -> None:
    """Give the reply its result, unless it has one (the first word stands)."""
    if not reply.future.done():
        try:
            reply.future.set_result(result)
        except Exception:  # settled meanwhile by shutdown: the first word stands
            logger.debug("a remote reply was settled twice", exc_info=True)


def socket_shutdown(network_stream: Any) -> Callable[[], None] | None:
    get_extra_info = getattr(network_stream, "get_extra_info", None)
    sock = get_extra_info("socket") if get_extra_info is not None else None
    if not isinstance(sock, socket.socket):
        return None  # another transport: the flag is still checked between chunks

    def shutdown() -> None:
        try:
            # socket.socket's own shutdown (not SSLSocket's): it only makes the read return.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except OSError as error:
            logger.debug("socket already closed while stopping a remote reply: %s", error)

    return shutdown
