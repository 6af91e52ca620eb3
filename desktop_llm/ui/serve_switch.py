"""The window's switch for serving the loaded model through the OpenAI API.

The server (serve.server.ApiServer) runs on a thread of its own; starting and stopping it
happen on short-lived threads too, so the window never waits for a socket or for replies to
end. What it reports (its address, the requests served, the last error) comes back through
signals, on the GUI thread. Starlette and uvicorn load at the first switch, not at start.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from desktop_llm.chat.service import ChatService
from desktop_llm.errors import DesktopLLMError
from desktop_llm.serve.backend import ChatServiceBackend
from desktop_llm.serve.options import ServeOptions
from desktop_llm.serve.stats import ServeStats, StatsSnapshot

if TYPE_CHECKING:
    from desktop_llm.serve.server import ApiServer


class ServeSwitch(QObject):
    servingChanged = Signal(str)  # the API's address, "" when it stopped
    statsChanged = Signal(int, str)  # requests served, the last error ("" for none)
    failed = Signal(str)  # a sentence: the server could not start

    def __init__(self, service: ChatService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._backend = ChatServiceBackend(service, created=int(time.time()))
        # Loopback on the usual port; the tests choose a free one.
        self.options = ServeOptions()
        self._server: ApiServer | None = None
        self._lock = threading.Lock()  # one start or stop at a time
        self._threads: list[threading.Thread] = []
        self._closed = False

    @property
    def base_url(self) -> str | None:
        server = self._server
        return server.base_url if server is not None else None

    def set_serving(self, on: bool) -> None:
        """Start or stop serving, off the GUI thread; the signals say what came of it."""
        if self._closed:
            return
        thread = threading.Thread(
            target=self._start if on else self._stop, name="api-switch", daemon=True
        )
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def shutdown(self) -> None:
        """Stop serving and wait for it (the window's closing thread calls this)."""
        self._closed = True
        for thread in list(self._threads):
            thread.join(30)
        self._stop()

    def _start(self) -> None:
        # Starlette and uvicorn are loaded when first switched on, not with the window.
        from desktop_llm.serve.server import ApiServer

        with self._lock:
            if self._server is not None or self._closed:
                return
            stats = ServeStats()
            stats.add_listener(self._on_stats)
            try:
                server = ApiServer(self._backend, self.options, stats)
                server.start()
            except DesktopLLMError as error:
                self.failed.emit(str(error))
                self.servingChanged.emit("")
                return
            self._server = server
        self.servingChanged.emit(server.base_url)
        self._on_stats(stats.snapshot())

    def _stop(self) -> None:
        with self._lock:
            server, self._server = self._server, None
            if server is None:
                return
            server.stop()
        with contextlib.suppress(RuntimeError):  # closing: the window may be gone already
            self.servingChanged.emit("")

    def _on_stats(self, snapshot: StatsSnapshot) -> None:
        self.statsChanged.emit(snapshot.requests_served, snapshot.last_error or "")
