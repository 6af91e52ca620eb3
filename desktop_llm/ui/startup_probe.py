"""How long the first start takes, seen from inside: for bench/first_start.py only.

With ``DESKTOP_LLM_STARTUP_PROBE=FILE`` in the environment, the app writes one line per moment
of its start to FILE (``name wall-clock-seconds``): ``main`` (Python has started the app),
``qt`` (the QApplication exists), ``window`` (the main window is built), ``shown`` (its first
paint: on screen), then ``ready`` (the default model has loaded) or ``failed``; then it closes
the window as a user would, and the app ends. Without the variable, nothing is installed.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Slot
from PySide6.QtWidgets import QMainWindow

PROBE_VARIABLE = "DESKTOP_LLM_STARTUP_PROBE"

_marks: list[tuple[str, float]] = []


def probing() -> bool:
    return bool(os.environ.get(PROBE_VARIABLE))


def mark(name: str, when: float | None = None) -> None:
    """Note a moment of the start (kept only while probing)."""
    if probing():
        _marks.append((name, time.time() if when is None else when))


def _write(path: Path) -> None:
    path.write_text("".join(f"{name} {when:.6f}\n" for name, when in _marks), encoding="utf-8")


class StartupProbe(QObject):
    """Watches the main window's first paint and the first model load, then closes it."""

    def __init__(self, window: QMainWindow, path: Path, *, wait_for_model: bool) -> None:
        super().__init__(window)
        self._window = window
        self._path = path
        self._shown = False
        self._wait_for_model = wait_for_model
        window.installEventFilter(self)
        bridge = getattr(window, "bridge", None)
        if wait_for_model and bridge is not None:
            bridge.modelLoaded.connect(self._on_ready)
            bridge.modelFailed.connect(self._on_failed)

    @classmethod
    def install(cls, window: QMainWindow) -> StartupProbe | None:
        target = os.environ.get(PROBE_VARIABLE)
        if not target:
            return None
        return cls(window, Path(target), wait_for_model=hasattr(window, "bridge"))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self._shown and watched is self._window and event.type() == QEvent.Type.Paint:
            self._shown = True
            mark("shown")
            _write(self._path)
            if not self._wait_for_model:
                self._window.close()
        return False

    @Slot(object)
    def _on_ready(self, _loaded: object) -> None:
        self._finish("ready")

    @Slot(str)
    def _on_failed(self, _message: str) -> None:
        self._finish("failed")

    def _finish(self, name: str) -> None:
        mark(name)
        _write(self._path)
        self._window.close()

