"""One-line progress bars (downloads, conversions) for a terminal; nothing when not a terminal."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING, TextIO

from desktop_llm.model_files import human_duration, human_size

if TYPE_CHECKING:
    from desktop_llm.chat.conversion import JobProgress
    from desktop_llm.hub.downloads import DownloadSnapshot


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


class ProgressLine:
    def __init__(self, stream: TextIO, *, enabled: bool = True) -> None:
        self._stream = stream
        self._live = enabled and stream.isatty()
        self._shown = False

    def show(self, snapshot: DownloadSnapshot) -> None:
        if not self._live:
            return
        width = max(20, shutil.get_terminal_size().columns - 1)
        bar_width = 24
        filled = int(bar_width * snapshot.fraction)
        line = f"[{'#' * filled}{'.' * (bar_width - filled)}] {snapshot.fraction:6.1%} "
        line += describe(snapshot)
        self._stream.write("\r" + line[:width].ljust(width))
        self._stream.flush()
        self._shown = True

    def finish(self) -> None:
        if self._shown:
            self._stream.write("\n")
            self._stream.flush()


class StageProgressLine:
    """A conversion's stage and percentage on one line (nothing when not on a terminal)."""

    def __init__(self, stream: TextIO, *, enabled: bool = True) -> None:
        self._stream = stream
        self._live = enabled and stream.isatty()
        self._shown = False
        self._stage = ""

    def show(self, progress: JobProgress) -> None:
        if not self._live:
            return
        if self._shown and progress.stage != self._stage:
            self._stream.write("\n")  # each finished stage keeps its own line
        self._stage = progress.stage
        width = max(20, shutil.get_terminal_size().columns - 1)
        if progress.fraction is None:
            bar = "[" + "~" * 24 + "]    ...  "
        else:
            filled = int(24 * progress.fraction)
            bar = f"[{'#' * filled}{'.' * (24 - filled)}] {progress.fraction:6.1%} "
        line = f"{bar}{progress.stage}: {progress.message}"
        self._stream.write("\r" + line[:width].ljust(width))
        self._stream.flush()
        self._shown = True

    def finish(self) -> None:
        if self._shown:
            self._stream.write("\n")
            self._stream.flush()
