"""Composition root: builds the services and hands them to the window."""

from __future__ import annotations

import gc
import os
import sys
import time
from typing import TYPE_CHECKING

from desktop_llm.logging_setup import configure_logging
from desktop_llm.paths import AppPaths, app_paths

if TYPE_CHECKING:
    from desktop_llm.ui.main_window import MainWindow

# How long the self-test's window may take to close (its engine stops first).
_WINDOW_CLOSE_SECONDS = 60.0


def create_main_window(paths: AppPaths, *, load_default_model: bool = True) -> MainWindow:
    """Open the history and the engine and build the window over them (a QApplication exists)."""
    from desktop_llm.chat.service import ChatService
    from desktop_llm.ui.chat_bridge import ChatBridge
    from desktop_llm.ui.main_window import MainWindow
    from desktop_llm.ui.models_bridge import ModelsBridge
    from desktop_llm.ui.startup_probe import mark

    service = ChatService.open(paths)
    mark("service")
    try:
        bridge = ChatBridge(service)
        models_bridge = ModelsBridge(service)
        window = MainWindow(bridge, models_bridge, paths.window_state_file)
    except BaseException:
        service.close()
        raise
    bridge.setParent(window)
    models_bridge.setParent(window)
    if load_default_model:
        start_loading_default_model(window)
    return window


def start_loading_default_model(window: MainWindow) -> None:
    """Queue the default model's load before the user can type: the bridge runs its jobs on
    one thread in order, so a message sent at once is sent after the load was asked for, and
    the engine answers it once the model is in. (The model is chosen here, a quick read of the
    history, because choosing it on the storage thread and loading it from the window's
    callback would let a message typed in between find no model.)"""
    from desktop_llm.chat.remotes import RemoteChoice

    service = window.bridge.service
    choice = service.default_model()
    if choice is None:
        window.load_default_model()  # says that no model is installed yet
        return
    # A default model on a remote server that does not answer: the installed default instead.
    fallback = service.library.default(None) if isinstance(choice, RemoteChoice) else None
    window.bridge.load_model(choice.name, fallback=fallback.name if fallback else None)


def run_app(argv: list[str] | None = None) -> int:
    started = time.time()
    # Importing the app makes hundreds of thousands of objects that all live as long as it:
    # the collector's passes over them are wasted (15 % of the start). Off until the window is
    # built, whose GuiThreadCollector then collects on the GUI thread.
    gc.disable()
    from desktop_llm.settings import load_settings
    from desktop_llm.ui.application import run_gui
    from desktop_llm.ui.startup_probe import mark

    mark("app", started)

    paths = app_paths().ensure()
    configure_logging(paths.logs_dir)
    # The interface's language is chosen before any window exists (Preferences, next start).
    language = load_settings(paths.settings_file).language
    return run_gui(lambda: _built_for_good(create_main_window(paths)), argv, language=language)


def _built_for_good(window: MainWindow) -> MainWindow:
    """What the start made stays for the app's life: later collections leave it out."""
    gc.freeze()
    return window


def self_test() -> int:
    """``desktop-llm --self-test``: the core end to end, then the window built offscreen."""
    from desktop_llm.self_test import Step, run_self_test

    return run_self_test([Step("window", check_window)])


def check_window(paths: AppPaths) -> str:
    """Qt loads with its plugins (offscreen: no display needed), the window opens over the
    history with the app's icon and closes, stopping its engine."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    from desktop_llm.self_test import SelfTestFailure
    from desktop_llm.ui.application import log_qt_messages, prepare_application

    log_qt_messages()  # the offscreen platform's notes are not the self-test's output
    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    prepare_application(app)
    if app.windowIcon().isNull():
        raise SelfTestFailure("the application icon could not be loaded.")
    window = create_main_window(paths, load_default_model=False)
    window.show()
    app.processEvents()
    shown = window.isVisible()
    window.close()
    if not window.wait_for_shutdown(_WINDOW_CLOSE_SECONDS):
        raise SelfTestFailure("the window did not close within a minute.")
    app.processEvents()
    if not shown:
        raise SelfTestFailure("the window was not shown.")
    sizes = sorted({size.width() for size in app.windowIcon().availableSizes()})
    return f"shown on Qt's {app.platformName()} platform, icon sizes {sizes}"
