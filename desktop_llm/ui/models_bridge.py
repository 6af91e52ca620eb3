"""The model manager seen from the GUI: Hub calls off the GUI thread, downloads as signals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from desktop_llm.chat.model_manager import ModelManager
from desktop_llm.chat.service import ChatService
from desktop_llm.errors import DesktopLLMError
from desktop_llm.ui.background import BackgroundTasks, describe_failure

T = TypeVar("T")


class ModelsBridge(QObject):
    downloadChanged = Signal(object)  # DownloadSnapshot
    installedChanged = Signal()
    failed = Signal(str)

    def __init__(self, service: ChatService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        # The Hub may be slow or away: its calls get their own threads so that opening a
        # conversation never waits behind a search.
        self._network = BackgroundTasks("hub-tasks", workers=2, parent=self)
        self._network.failed.connect(self.failed)
        self._unsubscribe: Callable[[], None] | None = None

    @property
    def manager(self) -> ModelManager:
        return self.service.models

    def run(
        self,
        work: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self._network.run(work, on_done, on_error)

    def start_downloads(self) -> None:
        """Start the queue (restoring unfinished downloads) and relay its progress."""
        if self._unsubscribe is not None:
            return

        def start() -> list[Any]:
            downloads = self.manager.downloads()
            self._unsubscribe = downloads.subscribe(self._relay)
            return [job.snapshot() for job in downloads.jobs()]

        self.run(start, lambda snapshots: [self.downloadChanged.emit(s) for s in snapshots])

    def _relay(self, snapshot: Any) -> None:
        # Called on the download manager's event thread: signals cross to the GUI thread.
        self.downloadChanged.emit(snapshot)
        if snapshot.state.value == "completed":
            self.installedChanged.emit()

    def save_hub_settings(
        self,
        *,
        endpoint: str,
        models_dir: str | None,
        token: str | None,
        on_done: Callable[[str], None],
    ) -> None:
        """Save the endpoint and folder (settings file) and the token (keyring only)."""

        def save() -> str:
            self.service.update_settings(
                lambda settings: replace(settings, hub_endpoint=endpoint, models_dir=models_dir)
            )
            if token is not None:
                self.manager.tokens.set(token)
            self.manager.hub_settings_changed()
            return self.manager.tokens.location

        def saved(location: str) -> None:
            # A new models folder means a new download queue: listen to that one.
            if self._unsubscribe is not None:
                self._unsubscribe()
                self._unsubscribe = None
                self.start_downloads()
            on_done(location)

        self.run(save, saved)

    def import_paths(self, paths: list[Path], on_done: Callable[[list[str]], None]) -> None:
        """Import files and folders; the callback gets one line per refusal."""

        def work() -> list[str]:
            problems = []
            for path in paths:
                if path.is_dir():
                    report = self.manager.scan_folder(path)
                    problems += [f"{p.name}: {reason}" for p, reason in report.refused]
                else:
                    try:
                        self.manager.import_file(path)
                    except (DesktopLLMError, OSError) as error:
                        problems.append(describe_failure(error))
            return problems

        def done(problems: list[str]) -> None:
            self.installedChanged.emit()
            on_done(problems)

        self.run(work, done)

    def shutdown(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._network.shutdown(wait=False)
