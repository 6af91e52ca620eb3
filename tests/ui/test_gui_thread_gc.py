"""Cyclic garbage is collected on the GUI thread while a window is open, never elsewhere."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desktop_llm.ui.gui_thread_gc import GuiThreadCollector


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_collection_happens_on_the_gui_thread_and_is_automatic_again_after(
    qtbot: QtBot,
) -> None:
    owner = QWidget()
    qtbot.addWidget(owner)
    collector = GuiThreadCollector(owner)
    try:
        assert not gc.isenabled()
        collected_on: list[str] = []
        garbage = _Cycle()
        # Runs when the cycle is freed: says which thread collected it.
        weakref.finalize(garbage, lambda: collected_on.append(threading.current_thread().name))
        del garbage
        # Allocations on another thread pass the thresholds many times; nothing collects there.
        worker = threading.Thread(target=lambda: [_Cycle() for _ in range(50_000)], name="busy")
        worker.start()
        worker.join()
        assert collected_on == []
        qtbot.waitUntil(lambda: collected_on != [], timeout=5_000)
        assert collected_on == [threading.main_thread().name]
    finally:
        collector.release()
    assert gc.isenabled()
    collector.release()  # twice is harmless
    assert gc.isenabled()
