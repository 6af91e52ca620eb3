"""Composition root: builds the services and hands them to the window."""

from __future__ import annotations

from desktop_llm.chat.service import ChatService
from desktop_llm.logging_setup import configure_logging
from desktop_llm.paths import AppPaths, app_paths
from desktop_llm.ui.application import run_gui
from desktop_llm.ui.chat_bridge import ChatBridge
from desktop_llm.ui.main_window import MainWindow
from desktop_llm.ui.models_bridge import ModelsBridge


def create_main_window(paths: AppPaths, *, load_default_model: bool = True) -> MainWindow:
    """Open the history and the engine and build the window over them (a QApplication exists)."""
    service = ChatService.open(paths)
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
        window.load_default_model()
    return window


def run_app(argv: list[str] | None = None) -> int:
    paths = app_paths().ensure()
    configure_logging(paths.logs_dir)
    return run_gui(lambda: create_main_window(paths), argv)
