"""Real main windows over a real chat service, in the test's own data folder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest
from PySide6.QtCore import QLocale
from pytestqt.qtbot import QtBot

from desktop_llm.app import create_main_window
from desktop_llm.paths import AppPaths
from desktop_llm.storage import HistoryStore, MessageRecord
from desktop_llm.ui.main_window import MainWindow
from desktop_llm.ui.translations import ENGLISH
from tests.thread_check import assert_threads_end, python_threads

MODEL_READY_MS = 60_000
REPLY_MS = 120_000


@pytest.fixture(autouse=True)
def english_locale() -> Iterator[None]:
    """The app picks its locale at start (ui/translations.py); windows built by tests read
    dates and numbers in American English, whatever the machine's locale (a shell's "C")."""
    QLocale.setDefault(ENGLISH)
    yield
    QLocale.setDefault(ENGLISH)


@pytest.fixture
def open_window(
    qtbot: QtBot, paths: AppPaths, model_path: Path
) -> Iterator[Callable[..., MainWindow]]:
    """Build windows like the app does; each is closed (and its engine stopped) at the end,
    and every thread the app started during the test has ended by then."""
    windows: list[MainWindow] = []
    before = python_threads()

    def build(*, wait_for_model: bool = True) -> MainWindow:
        window = create_main_window(paths)
        windows.append(window)
        # Not handed to qtbot, which would close it and delete it at once, under the
        # shutdown that closing starts: close_window below closes it as a user does.
        window.show()
        if wait_for_model:
            qtbot.waitUntil(lambda: window.model_state.text() == "Ready", timeout=MODEL_READY_MS)
        return window

    yield build
    for window in windows:
        close_window(window)
    assert_threads_end(before)


def close_window(window: MainWindow) -> None:
    """Close as a user does; the window hides at once, then its services stop off the GUI
    thread. Waits for that, and checks the engine process went with them."""
    engine_pid = window.bridge.service.engine_pid
    window.close()
    assert window.isHidden()
    assert window.wait_for_shutdown(60)
    if engine_pid is not None:
        assert not psutil.pid_exists(engine_pid)


def saved_messages(paths: AppPaths, conversation_id: int) -> list[MessageRecord]:
    """What is on disk, read through a second connection as another process would."""
    with HistoryStore.open(paths.database) as store:
        return store.list_messages(conversation_id)


# The fake Hub and an isolated keyring, shared with the hub tests (importing that conftest
# also sets the HF_* variables huggingface_hub reads when first imported).
from tests.hub.conftest import fake_hub, isolated_keyring, smol_model  # noqa: E402, F401


@pytest.fixture(autouse=True)
def model_work_stays_off_the_gui_thread(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every call the window makes into the model manager (disk, network, keyring) runs off
    the GUI thread: a call made from ui/ code on the main thread fails the test."""
    import inspect
    import sys
    import threading
    from pathlib import Path as _Path

    from desktop_llm.chat.model_manager import ModelManager

    ui_folder = str(_Path(__file__).resolve().parents[2] / "desktop_llm" / "ui")
    violations: list[str] = []

    def guarded(name: str, method: Callable[..., object]) -> Callable[..., object]:
        def call(*args: object, **kwargs: object) -> object:
            if threading.current_thread() is threading.main_thread():
                frame = sys._getframe(1)
                while frame is not None:
                    if frame.f_code.co_filename.startswith(ui_folder):
                        violations.append(f"ModelManager.{name} from {frame.f_code.co_name}")
                        break
                    frame = frame.f_back  # type: ignore[assignment]
            return method(*args, **kwargs)

        return call

    for name, member in inspect.getmembers(ModelManager, inspect.isfunction):
        if not name.startswith("_"):
            monkeypatch.setattr(ModelManager, name, guarded(name, member))
    yield
    assert not violations, f"model work on the GUI thread: {violations}"
