"""The model manager's service: installed models, the Hub, fit estimates and downloads.

The window's model browser and the ``desktop-llm models`` commands both use it.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import wait as wait_for
from dataclasses import dataclass, field, replace
from pathlib import Path

from desktop_llm.chat.library import ModelLibrary, ScanReport
from desktop_llm.converter.availability import conversion_unavailable
from desktop_llm.converter.job import ConversionJob, ConversionRequest
from desktop_llm.converter.pipeline import ConversionPipeline
from desktop_llm.engine.machine import DeviceMemory, ram_bytes, system_ram, vram_bytes
from desktop_llm.errors import DesktopLLMError, ModelNotFoundError
from desktop_llm.hub import (
    DEFAULT_ENDPOINT,
    HubClient,
    HubConfig,
    ModelFile,
    RepoFiles,
    RepoSummary,
    TokenStore,
    conventions,
)
from desktop_llm.hub.disk_space import DiskUsageFunction
from desktop_llm.hub.download import DownloadJob, DownloadManager, DownloadSnapshot
from desktop_llm.i18n import translate
from desktop_llm.model_files import (
    GGUFInfo,
    MemoryEstimate,
    estimate_memory,
    fit_verdict,
)
from desktop_llm.paths import AppPaths
from desktop_llm.settings import Settings
from desktop_llm.storage import ModelRecord

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FitEstimate:
    """Whether a model fits this machine at a context length, with the numbers behind it."""

    verdict: str  # "fits", "tight" or "does_not_fit"
    estimate: MemoryEstimate
    ram_bytes: int
    vram_bytes: int | None
    n_ctx: int
    n_gpu_layers: int


@dataclass(frozen=True)
class HubSources:
    endpoint: conventions.Sourced
    # Kept out of repr: the token is a password.
    token: conventions.Sourced = field(repr=False)
    offline: bool


class ModelManager:
    def __init__(
        self,
        library: ModelLibrary,
        paths: AppPaths,
        settings: Callable[[], Settings],
        tokens: TokenStore | None = None,
        *,
        disk_usage: DiskUsageFunction = shutil.disk_usage,
        device_memory: Callable[[], tuple[DeviceMemory, ...]] | None = None,
    ) -> None:
        self.library = library
        self._paths = paths
        self._settings = settings
        self.tokens = tokens or TokenStore()
        self._downloads: DownloadManager | None = None
        self._downloads_dir: Path | None = None
        self._downloads_lock = threading.Lock()
        # How free space is measured before a conversion writes (tests pass a fake disk).
        self._disk_usage = disk_usage
        self._conversions: set[ConversionJob] = set()
        self._conversions_lock = threading.Lock()
        # RAM and VRAM as llama.cpp sees them, asked of the engine process (blocks until it
        # has started): this process never loads llama.cpp.
        self._device_memory = device_memory or _system_memory_only

    @property
    def models_dir(self) -> Path:
        return self._settings().models_folder(self._paths.models_dir)

    # Installed ------------------------------------------------------------------------------

    def installed(self) -> list[ModelRecord]:
        return self.library.models()

    def import_file(self, path: Path) -> ModelRecord:
        return self.library.import_file(path)

    def scan_folder(self, folder: Path) -> ScanReport:
        return self.library.scan_folder(folder)

    def remove(self, name: str, *, delete_file: bool = True) -> ModelRecord:
        return self.library.remove(name, delete_file=delete_file, models_dir=self.models_dir)

    # The Hub --------------------------------------------------------------------------------

    def hub_config(self) -> HubConfig:
        sources = self.hub_sources()
        return HubConfig(
            endpoint=sources.endpoint.value or DEFAULT_ENDPOINT,
            token=sources.token.value,
            offline=sources.offline,
        )

    def hub_sources(self) -> HubSources:
        """The endpoint and token in use and where each came from (the settings, a keyring,
        the HF_* variables, `hf auth login`), and whether HF_HUB_OFFLINE is set. Asks the
        keyring, which may take a moment: not on the GUI thread."""
        return HubSources(
            endpoint=conventions.hub_endpoint(self._settings().hub_endpoint),
            token=conventions.hub_token(self.tokens.get()),
            offline=conventions.hub_offline(),
        )

    def hub(self) -> HubClient:
        """A client for the endpoint and token as they are now (both can change in Settings)."""
        return HubClient(self.hub_config())

    def hub_settings_changed(self) -> None:
        """Apply a new endpoint or token at once; a new models folder from the next download
        on (the running queue pauses: its partial files stay in the old folder)."""
        with self._downloads_lock:
            downloads = self._downloads
            moved = downloads is not None and self._downloads_dir != self.models_dir
            if moved:
                self._downloads = None
        if downloads is None:
            return
        if moved:
            downloads.shutdown()
        else:
            downloads.update_config(self.hub_config())

    # Downloads ------------------------------------------------------------------------------

    def downloads(self) -> DownloadManager:
        """The download queue, started on first use with the unfinished downloads on disk."""
        with self._downloads_lock:
            if self._downloads is None:
                self._downloads_dir = self.models_dir
                self._downloads = DownloadManager(
                    self._downloads_dir, self.hub_config(), on_completed=self._register_download
                )
                self._downloads.restore()
            return self._downloads

    def download(self, repo_id: str, model: ModelFile, revision: str = "main") -> DownloadJob:
        return self.downloads().enqueue(repo_id, model.parts, revision)

    def _register_download(self, snapshot: DownloadSnapshot, paths: list[Path]) -> None:
        # Runs while the job is "verifying": a file that fails validation fails the job.
        first = snapshot.files[0]
        self.library.register(
            sorted(paths)[0],
            source="downloaded",
            repo=snapshot.repo_id,
            revision=snapshot.revision,
            file=first.path,
            sha256=first.sha256,
        )

    def close(self) -> None:
        """Pause running downloads (their partial files stay for next time); cancel running
        conversions (their child processes would otherwise outlive the app)."""
        with self._downloads_lock:
            downloads, self._downloads = self._downloads, None
        if downloads is not None:
            downloads.shutdown()
        with self._conversions_lock:
            conversions = list(self._conversions)
        for job in conversions:
            job.cancel()
        # Let them remove their partial files before the database closes under them.
        wait_for([job.future for job in conversions], timeout=_CLOSE_WAIT_SECONDS)

    def search(
        self, query: str, *, sort: str = "downloads", author: str | None = None
    ) -> list[RepoSummary]:
        return self.hub().search(query, sort=sort, author=author)  # type: ignore[arg-type]

    def repo_files(self, repo_id: str) -> RepoFiles:
        return self.hub().repo_files(repo_id)

    # Conversion -----------------------------------------------------------------------------

    def conversion_unavailable(self) -> str | None:
        """None when the converter is installed; else the sentence saying how to add it."""
        return conversion_unavailable()

    def _pipeline(self) -> ConversionPipeline:
        return ConversionPipeline(
            self.library, self.models_dir, self.hub_config, disk_usage=self._disk_usage
        )

    # Every failure of these three, even an unknown model name, comes out of the job's future.

    def convert(self, request: ConversionRequest) -> ConversionJob:
        """Convert a Hugging Face folder or Hub repo to GGUF (then quantize, then measure)."""
        pipeline = self._pipeline()
        return self._track(
            ConversionJob(
                f"convert {request.source}", lambda control: pipeline.convert(request, control)
            )
        )

    def quantize(
        self, model_name: str, quantizations: Sequence[str], *, evaluate: bool = False
    ) -> ConversionJob:
        """Quantize an installed F16/BF16/F32 (or Q8_0) model to each type; with ``evaluate``,
        measure it and each result (the quality table, changes against it). One job."""
        pipeline = self._pipeline()
        targets = tuple(quantizations)
        what = " ".join(targets) if targets else "evaluate"
        return self._track(
            ConversionJob(
                f"quantize {model_name} {what}",
                lambda control: pipeline.quantize(
                    self._record(model_name), targets, control, evaluate=evaluate
                ),
            )
        )

    def evaluate(self, model_name: str, text: Path | None = None) -> ConversionJob:
        """Perplexity of an installed model on ``text`` (the bundled one by default)."""
        pipeline = self._pipeline()
        return self._track(
            ConversionJob(
                f"evaluate {model_name}",
                lambda control: pipeline.evaluate(self._record(model_name), text, control),
            )
        )

    def _track(self, job: ConversionJob) -> ConversionJob:
        """Remember a running job, so close() can stop its child process."""
        with self._conversions_lock:
            self._conversions.add(job)
        job.future.add_done_callback(lambda _future: self._forget(job))
        return job

    def _forget(self, job: ConversionJob) -> None:
        with self._conversions_lock:
            self._conversions.discard(job)

    def _record(self, model_name: str) -> ModelRecord:
        choice = self.library.resolve(model_name)
        record = next((m for m in self.installed() if m.path == choice.path), None)
        if record is None:
            raise ModelNotFoundError(translate(
                "Models", "{name} is not an installed model: import it first."
            ).format(name=model_name))
        return record

    # Fit ------------------------------------------------------------------------------------

    def fit(
        self,
        info: GGUFInfo,
        *,
        n_ctx: int | None = None,
        n_gpu_layers: int | None = None,
        weight_bytes: int | None = None,
    ) -> FitEstimate:
        """RAM (and VRAM) needed at ``n_ctx`` against this machine's memory.

        ``weight_bytes`` stands in for the weights of another file with the same architecture
        (a repository's other quantizations, or all parts of a split model), so one header
        read serves a whole file list.
        """
        load = self._settings().load
        n_ctx = n_ctx or load.n_ctx
        devices = self._device_memory()
        vram = vram_bytes(devices)
        layers = (load.n_gpu_layers if n_gpu_layers is None else n_gpu_layers) if vram else 0
        estimate = estimate_memory(info, n_ctx=n_ctx, n_gpu_layers=layers)
        if weight_bytes is not None and estimate.weights_bytes:
            estimate = _with_weights(estimate, weight_bytes)
        ram = ram_bytes(devices)
        verdict = fit_verdict(estimate.cpu_bytes, ram)
        if vram and estimate.gpu_bytes:
            verdict = max(verdict, fit_verdict(estimate.gpu_bytes, vram), key=_VERDICTS.index)
        return FitEstimate(verdict, estimate, ram, vram, n_ctx, layers)

    def repo_fits(
        self, repo_id: str, repo: RepoFiles, *, n_ctx: int | None = None
    ) -> dict[str, FitEstimate]:
        """Fit of every file of a repository, from one remote header (its smallest file's).

        Empty when the header cannot be read: the list still shows, without estimates.
        """
        candidates = [m for m in repo.files if m.complete and not m.is_projector]
        if not candidates:
            return {}
        smallest = min(candidates, key=lambda model: model.parts[0].size_bytes)
        try:
            info = self.hub().remote_gguf_info(repo_id, smallest.parts[0].path, repo.revision)
        except DesktopLLMError as error:
            logger.warning("no fit estimate for %s: %s", repo_id, error)
            return {}
        return {m.name: self.fit(info, n_ctx=n_ctx, weight_bytes=m.size_bytes) for m in candidates}



def _system_memory_only() -> tuple[DeviceMemory, ...]:
    return (DeviceMemory("CPU", "cpu", system_ram(), system_ram()),)


_VERDICTS = ("fits", "tight", "does_not_fit")
# A killed child ends at once; this only bounds the wait should the file system hang.
_CLOSE_WAIT_SECONDS = 10.0


def _with_weights(estimate: MemoryEstimate, weight_bytes: int) -> MemoryEstimate:
    """The same estimate with other weights, split between GPU and CPU in the same ratio."""
    delta = weight_bytes - estimate.weights_bytes
    gpu_share = estimate.gpu_bytes / estimate.total_bytes if estimate.total_bytes else 0.0
    gpu_delta = round(delta * gpu_share)
    return replace(
        estimate,
        weights_bytes=weight_bytes,
        total_bytes=estimate.total_bytes + delta,
        gpu_bytes=estimate.gpu_bytes + gpu_delta,
        cpu_bytes=estimate.cpu_bytes + delta - gpu_delta,
    )
