"""The window's switch for serving the loaded model through the OpenAI API, and its settings.

The server (serve.server.ApiServer) runs on a thread of its own; starting and stopping it
happen on short-lived threads too, so the window never waits for a socket or for replies to
end. What it reports (its address, the requests served, the last error) comes back through
signals, on the GUI thread. Starlette and uvicorn load at the first switch, not at start.

It listens as the settings say (chat/serving.py: address, port, web origins, and the API key
from the keyring, read on those threads too); settings applied while serving restart it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from desktop_llm.chat.service import ChatService
from desktop_llm.chat.serving import ServeSettings, ServeSetup, reachable_url
from desktop_llm.errors import DesktopLLMError
from desktop_llm.serve.backend import ChatServiceBackend
from desktop_llm.serve.options import ServeOptions
from desktop_llm.serve.stats import ServeStats, StatsSnapshot

if TYPE_CHECKING:
    from desktop_llm.serve.server import ApiServer


class ServeSwitch(QObject):
    servingChanged = Signal(str)  # the API's address as clients type it, "" when it stopped
    statsChanged = Signal(int, str)  # requests served, the last error ("" for none)
    failed = Signal(str)  # a sentence: the server could not start
    setupLoaded = Signal(object, bool)  # the saved ServeSetup; its key outlives the app
    setupSaved = Signal(object)  # the ServeSetup just saved

    def __init__(self, service: ChatService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._backend = ChatServiceBackend(service, created=int(time.time()))
        self.settings = ServeSettings(lambda: service.settings, service.update_settings)
        # None: as the settings say. Options set here win (the tests choose a free port).
        self.options: ServeOptions | None = None
        self._server: ApiServer | None = None
        self._address = ""
        self._lock = threading.RLock()  # one start, stop or restart at a time
        self._threads: list[threading.Thread] = []
        self._closed = False

    @property
    def base_url(self) -> str | None:
        """Where the server listens (its real port), None when it does not."""
        server = self._server
        return server.base_url if server is not None else None

    @property
    def address(self) -> str:
        """The API's address as another program types it ("" when not serving)."""
        return self._address

    def set_serving(self, on: bool) -> None:
        """Start or stop serving, off the GUI thread; the signals say what came of it."""
        self._run(self._start if on else self._stop)

    def load_setup(self) -> None:
        """The saved settings and key; ``setupLoaded`` answers (the keyring is asked off the
        GUI thread)."""
        self._run(lambda: self.setupLoaded.emit(
            self.settings.setup(), self.settings.key_kept_in_keyring
        ))

    def apply(self, setup: ServeSetup) -> None:
        """Save ``setup``; a server running is restarted with it when how it listens changed
        (off the GUI thread: ``setupSaved``, then the serving signals, or ``failed``)."""
        self._run(lambda: self._apply(setup))

    def _run(self, work: Callable[[], None]) -> None:
        if self._closed:
            return
        thread = threading.Thread(target=work, name="api-switch", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _apply(self, setup: ServeSetup) -> None:
        with self._lock:
            try:
                self.settings.save(setup)
            except DesktopLLMError as error:
                self.failed.emit(str(error))
                return
            self.setupSaved.emit(setup)
            server = self._server
            if server is not None and self.options is None and server.options != setup.options():
                self._stop()
                self._start()

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
                options = self.options or self.settings.options()
                server = ApiServer(self._backend, options, stats)
                server.start()
            except DesktopLLMError as error:
                self.failed.emit(str(error))
                self.servingChanged.emit("")
                return
            self._server = server
            self._address = reachable_url(options.host, server.port)
            self.servingChanged.emit(self._address)
            self._on_stats(stats.snapshot())

    def _stop(self) -> None:
        with self._lock:
            server, self._server = self._server, None
            if server is None:
                return
            server.stop()
            self._address = ""
        with contextlib.suppress(RuntimeError):  # closing: the window may be gone already
            self.servingChanged.emit("")

    def _on_stats(self, snapshot: StatsSnapshot) -> None:
        self.statsChanged.emit(snapshot.requests_served, snapshot.last_error or "")
