"""The model manager seen from the GUI: typed calls that run off the GUI thread and answer on
it, and downloads as signals. Widgets never hold the manager: every disk, network and keyring
call goes through a method here, so none can run on the GUI thread by accident."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from desktop_llm.chat import (
    ConversionJob,
    ConversionRequest,
    DownloadSnapshot,
    DownloadState,
    FitEstimate,
    ModelFile,
    ModelRecord,
    RepoFiles,
    RepoSummary,
)
from desktop_llm.chat.catalog import CatalogEntry, load_catalog
from desktop_llm.chat.model_manager import HubSources
from desktop_llm.chat.service import ChatService
from desktop_llm.errors import DesktopLLMError
from desktop_llm.ui.background import BackgroundTasks, describe_failure

T = TypeVar("T")


@dataclass(frozen=True)
class HubState:
    sources: HubSources
    # Where a token saved here is kept, as a sentence (the keyring, or memory only).
    token_location: str
OnError = Callable[[str], None] | None


class ModelsBridge(QObject):
    downloadChanged = Signal(object)  # DownloadSnapshot
    installedChanged = Signal()
    failed = Signal(str)

    def __init__(self, service: ChatService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._manager = service.models
        # The Hub may be slow or away: its calls get their own threads so that opening a
        # conversation never waits behind a search.
        self._network = BackgroundTasks("hub-tasks", workers=2, parent=self)
        self._network.failed.connect(self.failed)
        self._unsubscribe: Callable[[], None] | None = None

    def _run(self, work: Callable[[], T], on_done: Callable[[T], None], on_error: OnError) -> None:
        self._network.run(work, on_done, on_error)

    # What the settings say (in memory: no disk) -------------------------------------------

    @property
    def models_dir(self) -> Path:
        return self._manager.models_dir

    @property
    def default_models_dir(self) -> Path:
        return self._service.paths.models_dir

    @property
    def hub_endpoint(self) -> str:
        """The endpoint chosen in the settings; "" when none is (HF_ENDPOINT or the Hub)."""
        return self._service.settings.hub_endpoint or ""

    @property
    def context_length(self) -> int:
        return self._service.settings.load.n_ctx

    # Discover -----------------------------------------------------------------------------

    def catalog(
        self, on_done: Callable[[list[CatalogEntry]], None], on_error: OnError = None
    ) -> None:
        self._run(load_catalog, on_done, on_error)

    def search(
        self,
        query: str,
        *,
        sort: str,
        author: str | None,
        on_done: Callable[[list[RepoSummary]], None],
        on_error: OnError = None,
    ) -> None:
        self._run(lambda: self._manager.search(query, sort=sort, author=author), on_done, on_error)

    def repo_files(
        self, repo_id: str, on_done: Callable[[RepoFiles], None], on_error: OnError = None
    ) -> None:
        self._run(lambda: self._manager.repo_files(repo_id), on_done, on_error)

    def repo_fits(
        self,
        repo_id: str,
        repo: RepoFiles,
        n_ctx: int,
        on_done: Callable[[dict[str, FitEstimate]], None],
        on_error: OnError = None,
    ) -> None:
        self._run(lambda: self._manager.repo_fits(repo_id, repo, n_ctx=n_ctx), on_done, on_error)

    # Downloads ----------------------------------------------------------------------------

    def start_downloads(self) -> None:
        """Start the queue (restoring unfinished downloads) and relay its progress."""
        if self._unsubscribe is not None:
            return

        def start() -> list[DownloadSnapshot]:
            downloads = self._manager.downloads()
            self._unsubscribe = downloads.subscribe(self._relay)
            return [job.snapshot() for job in downloads.jobs()]

        self._run(start, lambda snapshots: [self.downloadChanged.emit(s) for s in snapshots], None)

    def download(
        self,
        repo_id: str,
        model: ModelFile,
        on_started: Callable[[str], None],
        on_error: OnError = None,
    ) -> None:
        """Queue a download; ``on_started`` gets its job id."""
        self._run(lambda: self._manager.download(repo_id, model).id, on_started, on_error)

    def pause_download(self, job_id: str, on_error: OnError = None) -> None:
        self._run(lambda: self._manager.downloads().pause(job_id), _ignore, on_error)

    def resume_download(self, job_id: str, on_error: OnError = None) -> None:
        self._run(lambda: self._manager.downloads().resume(job_id), _ignore, on_error)

    def cancel_download(self, job_id: str, on_error: OnError = None) -> None:
        self._run(lambda: self._manager.downloads().cancel(job_id), _ignore, on_error)

    def _relay(self, snapshot: DownloadSnapshot) -> None:
        # Called on the download manager's event thread: signals cross to the GUI thread.
        self.downloadChanged.emit(snapshot)
        if snapshot.state is DownloadState.COMPLETED:
            self.installedChanged.emit()

    # Installed ----------------------------------------------------------------------------

    def installed(
        self, on_done: Callable[[list[ModelRecord]], None], on_error: OnError = None
    ) -> None:
        self._run(self._manager.installed, on_done, on_error)

    def remove_model(self, name: str, on_error: OnError = None) -> None:
        self._run(
            lambda: self._manager.remove(name, delete_file=True),
            lambda _removed: self.installedChanged.emit(),
            on_error,
        )

    def import_paths(self, paths: list[Path], on_done: Callable[[list[str]], None]) -> None:
        """Import files and folders; the callback gets one line per refusal."""

        def work() -> list[str]:
            problems = []
            for path in paths:
                if path.is_dir():
                    report = self._manager.scan_folder(path)
                    problems += [f"{p.name}: {reason}" for p, reason in report.refused]
                else:
                    try:
                        self._manager.import_file(path)
                    except (DesktopLLMError, OSError) as error:
                        problems.append(describe_failure(error))
            return problems

        def done(problems: list[str]) -> None:
            self.installedChanged.emit()
            on_done(problems)

        self._run(work, done, None)

    # Conversion ---------------------------------------------------------------------------

    def conversion_unavailable(
        self, on_done: Callable[[str | None], None], on_error: OnError = None
    ) -> None:
        """None when converting works here; else the sentence saying how to make it work.
        Finding out may import the converter's packages: never on the GUI thread."""
        self._run(self._manager.conversion_unavailable, on_done, on_error)

    def convert(
        self,
        request: ConversionRequest,
        on_started: Callable[[ConversionJob], None],
        on_error: OnError = None,
    ) -> None:
        # Starting may check the source (or reach the Hub) before the child process runs.
        self._run(lambda: self._manager.convert(request), on_started, on_error)

    def quantize(
        self,
        model: str,
        quantizations: Sequence[str],
        *,
        evaluate: bool,
        on_started: Callable[[ConversionJob], None],
        on_error: OnError = None,
    ) -> None:
        self._run(
            lambda: self._manager.quantize(model, quantizations, evaluate=evaluate),
            on_started,
            on_error,
        )

    def cancel_conversion(self, job: ConversionJob, on_error: OnError = None) -> None:
        """Stopping waits for the child to exit and its files to go: off the GUI thread."""
        self._run(job.cancel, _ignore, on_error)

    # Settings -----------------------------------------------------------------------------

    def hub_state(self, on_done: Callable[[HubState], None]) -> None:
        """The endpoint and token in use, where each came from, and where a saved token is
        kept (asking the keyring may take a while)."""
        self._run(self._hub_state, on_done, None)

    def _hub_state(self) -> HubState:
        return HubState(self._manager.hub_sources(), self._manager.tokens.location)

    def save_hub_settings(
        self,
        *,
        endpoint: str | None,
        models_dir: str | None,
        token: str | None,
        on_done: Callable[[HubState], None],
    ) -> None:
        """Save the endpoint (None: not chosen) and folder (settings file) and the token
        (keyring only)."""

        def save() -> HubState:
            self._service.update_settings(
                lambda settings: replace(settings, hub_endpoint=endpoint, models_dir=models_dir)
            )
            if token is not None:
                self._manager.tokens.set(token)
            self._manager.hub_settings_changed()
            return self._hub_state()

        def saved(state: HubState) -> None:
            # A new models folder means a new download queue: listen to that one.
            if self._unsubscribe is not None:
                self._unsubscribe()
                self._unsubscribe = None
                self.start_downloads()
            on_done(state)

        self._run(save, saved, None)

    def shutdown(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._network.shutdown(wait=False)


def _ignore(_result: Any) -> None:
    pass
