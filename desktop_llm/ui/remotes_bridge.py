"""The window's side of the remote servers: their models asked for off the GUI thread.

Network calls get a thread pool of their own: a slow or silent server (each is asked with a
short timeout) never holds up the storage thread, and never the window. The models are asked
for at start, when the Remote servers dialog closes, on Settings > Refresh remote models, and
when the model selector opens if the last answer is older than ``STALE_AFTER`` (the list
opens at once and updates when the servers answer).
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Signal

from desktop_llm.chat.remotes import RemoteModels
from desktop_llm.chat.service import ChatService
from desktop_llm.settings import RemoteEndpoint
from desktop_llm.ui.background import BackgroundTasks

# Seconds an answer about the servers' models stays fresh enough for the model selector.
STALE_AFTER = 60.0
_clock = time.monotonic  # tests move it forward


class RemotesBridge(QObject):
    modelsChanged = Signal(list)  # list[RemoteModels], one entry per server
    serversChanged = Signal(list)  # list[tuple[RemoteEndpoint, bool]]: each, and its key saved
    serverAdded = Signal(object, bool)  # RemoteModels of the server just added; key kept
    failed = Signal(str)

    def __init__(self, service: ChatService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._remotes = service.remotes
        self._tasks = BackgroundTasks("remote-tasks", workers=2, parent=self)
        self._tasks.failed.connect(self.failed)
        self._asked = 0  # questions about the models sent, numbered
        self._answered = 0  # the newest question answered: an older answer coming later is old
        self._answered_at: float | None = None
        self._in_flight = 0

    def load_servers(self) -> None:
        """The servers saved, and whether each has a key; ``serversChanged`` answers (the
        keyring may take a moment: asked off the GUI thread)."""
        self._tasks.run(self._servers, self.serversChanged.emit)

    def _servers(self) -> list[tuple[RemoteEndpoint, bool]]:
        return [(r, self._remotes.api_key(r.name) is not None) for r in self._remotes.list()]

    def refresh(self) -> None:
        """Ask every server for its models; ``modelsChanged`` answers."""
        self._asked += 1
        asked = self._asked
        self._in_flight += 1

        def done(servers: list[RemoteModels]) -> None:
            self._in_flight -= 1
            if asked < self._answered:
                return  # a newer question was answered first
            self._answered, self._answered_at = asked, _clock()
            self.modelsChanged.emit(servers)

        def failed(message: str) -> None:
            self._in_flight -= 1
            self.failed.emit(message)

        self._tasks.run(self._remotes.models, done, failed)

    def refresh_if_stale(self) -> bool:
        """Ask again unless a question is out or the last answer is under ``STALE_AFTER``
        seconds old; True when asked."""
        answered_at = self._answered_at
        if self._in_flight or (answered_at is not None and _clock() - answered_at < STALE_AFTER):
            return False
        self.refresh()
        return True

    def add(self, name: str, url: str, api_key: str | None) -> None:
        """Save a server and its key, then ask it for its models; ``serverAdded`` answers
        (its entry says why when the server could not answer)."""

        def work() -> tuple[RemoteModels, bool]:
            remote = self._remotes.add(name, url, api_key)
            # False: no keyring works here, so the key lasts until the app quits.
            kept = not api_key or self._remotes.key_kept_in_keyring(remote.name)
            return self._remotes.models_of(remote), kept

        def done(added: tuple[RemoteModels, bool]) -> None:
            self.serverAdded.emit(*added)
            self.load_servers()
            self.refresh()

        self._tasks.run(work, done)

    def remove(self, name: str) -> None:
        def done(_removed: object) -> None:
            self.load_servers()
            self.refresh()

        self._tasks.run(lambda: self._remotes.remove(name), done)

    def shutdown(self) -> None:
        self._tasks.shutdown()
