"""The window's side of the remote servers: their models asked for off the GUI thread.

Network calls get a thread pool of their own: a slow or silent server (each is asked with a
short timeout) never holds up the storage thread, and never the window.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from desktop_llm.chat.remotes import RemoteModels
from desktop_llm.chat.service import ChatService
from desktop_llm.settings import RemoteEndpoint
from desktop_llm.ui.background import BackgroundTasks


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

    def load_servers(self) -> None:
        """The servers saved, and whether each has a key; ``serversChanged`` answers (the
        keyring may take a moment: asked off the GUI thread)."""
        self._tasks.run(self._servers, self.serversChanged.emit)

    def _servers(self) -> list[tuple[RemoteEndpoint, bool]]:
        return [(r, self._remotes.api_key(r.name) is not None) for r in self._remotes.list()]

    def refresh(self) -> None:
        """Ask every server for its models; ``modelsChanged`` answers."""
        self._tasks.run(self._remotes.models, self.modelsChanged.emit)

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
