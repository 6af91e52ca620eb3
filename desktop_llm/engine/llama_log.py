"""Route llama.cpp's own log into Python logging and remember what it said about offload.

llama.cpp reports how many layers it really put on the GPU only in its log
("offloaded 0/31 layers to GPU"); reading it is how a silent CPU fallback becomes visible.
Installing our callback also keeps llama.cpp from writing to the terminal, where it would
mix with the command line's output.
"""

from __future__ import annotations

import ctypes
import logging
import re
import threading
from collections import deque
from collections.abc import Callable

import llama_cpp

logger = logging.getLogger("desktop_llm.llama_cpp")

_OFFLOADED = re.compile(rb"offloaded (\d+)/(\d+) layers to GPU")
# A CPU-only build never prints the line above, only where each layer went (at debug level).
_ASSIGNED = re.compile(rb"layer\s+(\d+) assigned to device (\S+?),")
# ggml_log_level as ggml.h numbers it today (NONE, DEBUG, INFO, WARN, ERROR, CONT).
_LEVELS = {
    0: logging.CRITICAL,
    1: logging.DEBUG,
    2: logging.INFO,
    3: logging.WARNING,
    4: logging.ERROR,
}
_CONTINUATION = 5


class LlamaLog:
    """Keeps the recent llama.cpp log lines; one instance serves the whole process."""

    def __init__(self, max_lines: int = 8000) -> None:
        self._lines: deque[bytes] = deque(maxlen=max_lines)
        self._lock = threading.Lock()
        self._last_level = logging.INFO
        self._partial = b""
        self._total = 0
        self._listeners: list[Callable[[bytes], None]] = []

    def listen(self, listener: Callable[[bytes], None]) -> Callable[[], None]:
        """Call ``listener`` with every complete line from now on (on llama.cpp's thread);
        returns the function that stops it. Quantization reads its progress this way."""
        with self._lock:
            self._listeners.append(listener)

        def stop() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return stop

    def mark(self) -> int:
        """A position to read from later, so one load's lines are told apart from the last."""
        with self._lock:
            return self._total

    def lines_since(self, mark: int) -> list[bytes]:
        with self._lock:
            fresh = self._total - mark
            if fresh <= 0:
                return []
            return list(self._lines)[-min(fresh, len(self._lines)) :]

    def offloaded_layers(self, mark: int) -> tuple[int, int] | None:
        """(layers on the GPU, layers in all) from the lines logged after ``mark``."""
        lines = self.lines_since(mark)
        for line in reversed(lines):
            found = _OFFLOADED.search(line)
            if found:
                return int(found.group(1)), int(found.group(2))
        devices: dict[int, bytes] = {}
        for line in lines:
            assigned = _ASSIGNED.search(line)
            if assigned:
                devices[int(assigned.group(1))] = assigned.group(2)
        if not devices:
            return None
        on_gpu = sum(1 for device in devices.values() if not device.upper().startswith(b"CPU"))
        return on_gpu, len(devices)

    def errors_since(self, mark: int) -> list[str]:
        return [
            line.decode("utf-8", "replace").strip()
            for line in self.lines_since(mark)
            if b"error" in line.lower() or b"failed" in line.lower()
        ]

    def _receive(self, level: int, text: bytes) -> None:
        log_level = self._last_level if level == _CONTINUATION else _LEVELS.get(level, 10)
        self._last_level = log_level
        with self._lock:
            self._partial += text
            if not self._partial.endswith(b"\n"):
                return
            lines = self._partial.splitlines()
            for line in lines:
                self._lines.append(line)
                self._total += 1
                if logger.isEnabledFor(log_level):
                    logger.log(log_level, "%s", line.decode("utf-8", "replace"))
            self._partial = b""
            listeners = list(self._listeners)
        for listener in listeners:
            for line in lines:
                listener(line)


LLAMA_LOG = LlamaLog()


@llama_cpp.llama_log_callback
def _on_llama_log(level: int, text: bytes, _user_data: ctypes.c_void_p) -> None:
    LLAMA_LOG._receive(level, text or b"")


llama_cpp.llama_log_set(_on_llama_log, ctypes.c_void_p(0))
