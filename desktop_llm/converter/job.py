"""Converting Hugging Face weights to GGUF, quantizing and measuring models: the public types
and the job the model manager hands out.

A job runs on its own thread and does the heavy work in child processes
(:mod:`desktop_llm.converter.child`), one per stage, so their memory is returned when each
ends, a crash there is reported instead of taking the app down, and cancel is a kill.
"""

from __future__ import annotations

import logging
import subprocess
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from desktop_llm.converter.runner import kill_child
from desktop_llm.errors import ConversionCancelled, ConversionError
from desktop_llm.i18n import translate
from desktop_llm.storage import ModelRecord

logger = logging.getLogger(__name__)

# What the converter can write directly.
OUTTYPES = ("f16", "bf16", "q8_0")
# What llama_model_quantize makes without an importance matrix, most asked for first. (IQ1_*,
# IQ2_* and Q2_K_S are refused by llama.cpp without one, so they are not offered.)
QUANT_TARGETS: tuple[str, ...] = (
    "Q4_K_M",
    "Q5_K_M",
    "Q6_K",
    "Q8_0",
    "Q4_K_S",
    "Q5_K_S",
    "Q4_0",
    "Q4_1",
    "Q5_0",
    "Q5_1",
    "Q3_K_L",
    "Q3_K_M",
    "Q3_K_S",
    "Q2_K",
    "IQ4_XS",
    "IQ4_NL",
    "IQ3_M",
    "IQ3_S",
    "IQ3_XS",
    "IQ3_XXS",
    "BF16",
    "F16",
)


@dataclass(frozen=True)
class ConversionRequest:
    source: str  # a local Hugging Face model folder, or a Hub repo id ("owner/name")
    outtype: str = "f16"
    quantizations: tuple[str, ...] = ()
    name: str | None = None
    evaluate: bool = False


@dataclass(frozen=True)
class JobProgress:
    stage: str  # "download", "check", "convert", "quantize Q4_K_M", "evaluate Q4_K_M", ...
    fraction: float | None  # of this stage; None while it cannot be told
    message: str


@dataclass(frozen=True)
class QualityRow:
    name: str
    quantization: str
    size_bytes: int
    perplexity: float | None
    change: float | None  # perplexity against the F16/BF16/Q8_0 base, in percent


@dataclass(frozen=True)
class ConversionResult:
    models: tuple[ModelRecord, ...]
    quality: tuple[QualityRow, ...]


class JobControl:
    """What a job's work function uses: report progress, run child processes, keep track of
    the files it is making so a cancel or a failure removes them."""

    def __init__(self, report: Callable[[JobProgress], None]) -> None:
        self.report = report
        self._cancelled = threading.Event()
        self._lock = threading.Lock()
        self._child: subprocess.Popen[bytes] | None = None
        self._made: list[Path] = []

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def check_cancelled(self) -> None:
        if self._cancelled.is_set():
            raise ConversionCancelled(
                translate("Conversion", "Cancelled; the partial files were removed.")
            )

    def cancel(self) -> None:
        with self._lock:
            self._cancelled.set()
            child = self._child
        if child is not None:
            kill_child(child)

    def started(self, child: subprocess.Popen[bytes]) -> None:
        """Register the running child; killed at once if a cancel came first."""
        with self._lock:
            self._child = child
            cancelled = self._cancelled.is_set()
        if cancelled:
            kill_child(child)

    def ended(self) -> None:
        with self._lock:
            self._child = None

    def making(self, path: Path) -> Path:
        """Note a file this job creates (its ``.part`` or a finished output)."""
        self._made.append(path)
        return path

    def keep_all(self) -> None:
        """The job succeeded: its files stay."""
        self._made.clear()

    def remove_made(self) -> None:
        for path in reversed(self._made):  # files before the folders made for them
            try:
                if path.is_dir():
                    path.rmdir()  # a folder this job made: empty once its files are gone
                else:
                    path.unlink(missing_ok=True)
            except OSError as error:
                logger.warning("could not remove %s: %s", path, error)
        folders = {path.parent for path in self._made}
        for folder in folders:
            try:
                folder.rmdir()  # only when it is empty: a folder this job created
            except OSError:
                logger.debug("kept %s (not empty)", folder)
        self._made.clear()


class ConversionJob:
    """One conversion, quantization or evaluation, running on its own thread."""

    def __init__(self, name: str, work: Callable[[JobControl], ConversionResult]) -> None:
        self.name = name
        self.future: Future[ConversionResult] = Future()
        self._listeners: list[Callable[[JobProgress], None]] = []
        # The last report of each stage so far, for listeners that subscribe late: the job
        # starts at once, so its first reports can come before anyone has subscribed.
        self._stages: dict[str, JobProgress] = {}
        self._listeners_lock = threading.RLock()
        self._control = JobControl(self._emit)
        self._work = work
        self._thread = threading.Thread(target=self._run, name=f"conversion-{name}", daemon=True)
        self._thread.start()

    def subscribe(self, listener: Callable[[JobProgress], None]) -> None:
        """``listener`` is called on the job's thread with every progress update; first, on
        the caller's thread, with the last update of each stage reported before it came.
        Listeners must return quickly and never wait for another thread (hand the update
        over, as a queued Qt signal does): updates are delivered under the job's lock."""
        with self._listeners_lock:
            # Under the lock, so no update slips between the replay and the live ones.
            for progress in list(self._stages.values()):
                listener(progress)
            self._listeners.append(listener)

    def cancel(self) -> None:
        """Kill the child process and remove partial outputs; the future then raises
        ConversionCancelled (a job that already finished keeps its result)."""
        self._control.cancel()

    def wait(self, timeout: float | None = None) -> ConversionResult:
        return self.future.result(timeout)

    def _emit(self, progress: JobProgress) -> None:
        with self._listeners_lock:
            self._stages[progress.stage] = progress
            listeners = list(self._listeners)
            # Delivered under the lock too: a subscriber's replay never overtakes these.
            for listener in listeners:
                listener(progress)

    def _run(self) -> None:
        if not self.future.set_running_or_notify_cancel():
            return
        control = self._control
        try:
            result = self._work(control)
            control.check_cancelled()
        except BaseException as error:
            control.remove_made()
            if control.cancelled and not isinstance(error, ConversionCancelled):
                logger.info("%s cancelled (%s)", self.name, error)
                error = ConversionCancelled(
                    translate("Conversion", "Cancelled; the partial files were removed.")
                )
            elif not isinstance(error, ConversionError):
                logger.exception("%s failed", self.name)
            self.future.set_exception(error)
            return
        control.keep_all()
        self.future.set_result(result)
