"""The API server's life: a socket bound here, uvicorn serving it in the foreground (the
command line) or on a thread of its own (the window), and a clean stop.

The socket is bound before uvicorn starts, so a port in use is a sentence, not uvicorn's exit.
uvicorn closes a connection idle after a reply (``timeout_keep_alive``) but not one that
connects and never sends a request; ``_DeadlineProtocol`` gives each request's head a
deadline too, so silent and slow-loris clients are dropped and resources stay bounded.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from desktop_llm.errors import DesktopLLMError
from desktop_llm.i18n import translate
from desktop_llm.serve.app import create_app
from desktop_llm.serve.backend import ServeBackend
from desktop_llm.serve.options import ServeOptions
from desktop_llm.serve.stats import ServeStats

logger = logging.getLogger(__name__)

# Connections served at once; more are answered 503 by uvicorn.
MAX_CONNECTIONS = 64
# Seconds an idle connection is kept open after a reply.
KEEP_ALIVE_SECONDS = 5
# Seconds a stopping server gives the replies still streaming.
GRACEFUL_STOP_SECONDS = 2
# Largest request head (request line and headers) read before it is refused.
MAX_HEAD_BYTES = 32 * 1024
# uvicorn's event loop and lifespan (names of uvicorn.config's tables).
LOOP = "asyncio"
LIFESPAN = "off"


def modules_imported_by_name() -> list[str]:
    """The modules serving imports from strings at run time, which PyInstaller's analysis
    cannot see (the bundle's spec lists them): uvicorn's loop and lifespan parts for the
    settings above (uvicorn.config), and anyio's asyncio backend, which runs Starlette's
    streaming responses."""
    from uvicorn.config import LIFESPAN as LIFESPANS
    from uvicorn.config import LOOP_FACTORIES

    named = (LOOP_FACTORIES[LOOP], LIFESPANS[LIFESPAN])
    return [name.partition(":")[0] for name in named if name] + ["anyio._backends._asyncio"]


class ApiServer:
    """``serve_forever()`` in the foreground, or ``start()`` / ``stop()`` on a thread."""

    def __init__(
        self, backend: ServeBackend, options: ServeOptions, stats: ServeStats | None = None
    ) -> None:
        options.check()
        self.options = options
        self.stats = stats or ServeStats()
        self._socket = _bind(options.host, options.port)
        self.port = self._socket.getsockname()[1]
        head_timeout = options.request_timeout

        class Protocol(_DeadlineProtocol):
            deadline = head_timeout

        config = uvicorn.Config(
            create_app(backend, options, self.stats),
            http=Protocol,
            ws="none",
            lifespan=LIFESPAN,
            loop=LOOP,
            log_config=None,
            access_log=False,
            limit_concurrency=MAX_CONNECTIONS,
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
            timeout_graceful_shutdown=GRACEFUL_STOP_SECONDS,
            h11_max_incomplete_event_size=MAX_HEAD_BYTES,
            server_header=False,
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._failure: BaseException | None = None

    @property
    def base_url(self) -> str:
        host = self.options.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}/v1"

    def serve_forever(self) -> None:
        """Serve until Ctrl+C (uvicorn's signal handling; the interrupt is raised again after
        the clean stop) or ``stop()``."""
        try:
            self._server.run(sockets=[self._socket])
        finally:
            self._socket.close()

    def start(self, timeout: float = 10.0) -> None:
        """Serve on a thread of its own; returns once it accepts connections."""
        self._thread = threading.Thread(target=self._run_thread, name="api-server", daemon=True)
        self._thread.start()
        deadline = threading.Event()
        while not self._started.is_set() and self._thread.is_alive():
            deadline.wait(0.02)
            timeout -= 0.02
            if timeout <= 0:
                break
        if self._failure is not None or not self._server.started:
            self.stop()
            raise DesktopLLMError(translate(
                "Serve", "The API server could not start: {reason}"
            ).format(reason=self._failure or translate("Serve", "it did not answer in time.")))

    def stop(self, timeout: float = GRACEFUL_STOP_SECONDS + 3) -> None:
        """Stop serving (the replies still streaming are stopped); safe from any thread."""
        self._server.should_exit = True
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():
                self._server.force_exit = True
                thread.join(timeout)
        self._socket.close()

    def _run_thread(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as error:  # reported by start(), or logged
            self._failure = error
            logger.exception("the API server stopped with an error")

    async def _serve(self) -> None:
        task = asyncio.ensure_future(self._server.serve(sockets=[self._socket]))
        while not self._server.started and not task.done():
            await asyncio.sleep(0.01)
        self._started.set()
        await task


class _DeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request's head."""

    deadline: float = 30.0

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._arm_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm_deadline()

    def _arm_deadline(self) -> None:
        self.loop.call_later(self.deadline, self._drop_if_no_request, self.cycle)

    def _drop_if_no_request(self, cycle_then: object) -> None:
        waiting = self.cycle is cycle_then and (cycle_then is None or cycle_then.response_complete)
        if waiting and not self.transport.is_closing():
            logger.info("dropping a connection that sent no request in %.0f s", self.deadline)
            self.transport.close()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as error:
        sock.close()
        raise DesktopLLMError(translate(
            "Serve", "Could not listen on {host}:{port}: {reason}."
        ).format(host=host, port=port, reason=error.strerror or error)) from error
    return sock
