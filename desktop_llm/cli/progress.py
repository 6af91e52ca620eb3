"""One-line progress bars (downloads, conversions) for a terminal; nothing when not a terminal."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING, TextIO

from desktop_llm.model_files import human_duration, human_size

if TYPE_CHECKING:
    from desktop_llm.converter.job import JobProgress
    from desktop_llm.hub.download import DownloadSnapshot


def describe(snapshot: DownloadSnapshot) -> str:
    parts = [f"{human_size(snapshot.bytes_done)} of {human_size(snapshot.bytes_total)}"]
    if snapshot.speed:
        parts.append(f"{human_size(snapshot.speed)}/s")
    if snapshot.eta_seconds is not None and snapshot.state.value == "downloading":
        parts.append(f"{human_duration(snapshot.eta_seconds)} left")
    if snapshot.note:
        parts.append(snapshot.note)
    elif snapshot.state.value != "downloading":
        parts.append(snapshot.state.value)
    return ", ".join(parts)


class _TerminalLine:
    """One line redrawn in place on a terminal; nothing at all when output is not a terminal."""

    BAR_WIDTH = 24

    def __init__(self, stream: TextIO, *, enabled: bool = True) -> None:
        self._stream = stream
        self._live = enabled and stream.isatty()
        self._shown = False

    def _draw(self, fraction: float | None, text: str) -> None:
        if fraction is None:
            bar = "[" + "~" * self.BAR_WIDTH + "]    ...  "
        else:
            filled = int(self.BAR_WIDTH * fraction)
            bar = f"[{'#' * filled}{'.' * (self.BAR_WIDTH - filled)}] {fraction:6.1%} "
        width = max(20, shutil.get_terminal_size().columns - 1)
        self._stream.write("\r" + (bar + text)[:width].ljust(width))
        self._stream.flush()
        self._shown = True

    def finish(self) -> None:
        if self._shown:
            self._stream.write("\n")
            self._stream.flush()


class ProgressLine(_TerminalLine):
    """A download: bar, bytes, speed and time left."""

    def show(self, snapshot: DownloadSnapshot) -> None:
        if self._live:
            self._draw(snapshot.fraction, describe(snapshot))


class StageProgressLine(_TerminalLine):
    """A conversion's stage and percentage; each finished stage keeps its own line."""

    def __init__(self, stream: TextIO, *, enabled: bool = True) -> None:
        super().__init__(stream, enabled=enabled)
        self._stage = ""

    def show(self, progress: JobProgress) -> None:
        if not self._live:
            return
        if self._shown and progress.stage != self._stage:
            self._stream.write("\n")
        self._stage = progress.stage
        self._draw(progress.fraction, f"{progress.stage}: {progress.message}")
