"""Python's cyclic garbage collector runs on the GUI thread only, while a window is open.

Left automatic, a collection starts on whichever thread happens to allocate at that moment:
the storage thread or the engine's reader thread. If the garbage it finds holds the last
reference to a Qt wrapper (a dialog's closure, a text document), the Qt object is destroyed
on that thread, which crashes Qt (seen as a segfault "Garbage-collecting" on the storage
thread). So automatic collection is off while a window lives, and a timer on the GUI thread
collects whenever the allocation counts say a collection is due, as gc itself would.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

# Often enough that garbage never piles up; a check that finds nothing to do costs microseconds.
CHECK_INTERVAL_MS = 500

_windows_open = 0


class GuiThreadCollector(QObject):
    """Owned by a window, which calls ``release()`` once it has shut down: collection is
    back to automatic when no window holds a collector any more."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        global _windows_open
        _windows_open += 1
        self._released = False
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_INTERVAL_MS)
        self._timer.timeout.connect(self.collect_if_due)
        self._timer.start()

    def release(self) -> None:
        """The window's threads have ended: nothing else can collect on the wrong thread."""
        global _windows_open
        if self._released:
            return
        self._released = True
        self._timer.stop()
        _windows_open = max(0, _windows_open - 1)
        if _windows_open == 0:
            gc.enable()

    def collect_if_due(self) -> int:
        """Collect the generations whose thresholds are passed; returns what was freed."""
        thresholds = gc.get_threshold()
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > thresholds[generation]:
                return gc.collect(generation)
        return 0

