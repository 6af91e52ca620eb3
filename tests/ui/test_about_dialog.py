"""Help → About over the real window: version, backend from the engine, data folder, licenses;
and the application icon every window shows."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPlainTextEdit, QTreeWidget
from pytestqt.qtbot import QtBot

from desktop_llm import __version__
from desktop_llm.paths import AppPaths
from desktop_llm.ui.about_dialog import AboutDialog, open_about_dialog
from desktop_llm.ui.application import prepare_application
from desktop_llm.ui.main_window import MainWindow

pytestmark = pytest.mark.gui


def _choose(dialog: AboutDialog, name: str) -> str:
    tree = dialog.findChild(QTreeWidget, "aboutLicenses")
    item = tree.findItems(name, Qt.MatchFlag.MatchExactly, 0)[0]
    tree.setCurrentItem(item)
    return dialog.findChild(QPlainTextEdit, "aboutLicenseText").toPlainText()


def test_about_shows_version_backend_data_folder_and_every_license(
    qtbot: QtBot, open_window: Callable[..., MainWindow], paths: AppPaths,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = open_window(wait_for_model=False)
    service = window.bridge.service
    asked_on: list[threading.Thread] = []
    backend_info = service.backend_info

    def recorded():  # type: ignore[no-untyped-def]
        asked_on.append(threading.current_thread())
        return backend_info()

    monkeypatch.setattr(service, "backend_info", recorded)

    dialog = open_about_dialog(window.bridge, window)

    assert dialog.isVisible()
    assert __version__ in dialog.findChild(QLabel, "aboutTitle").text()
    assert dialog.findChild(QLabel, "aboutDataFolder").text() == str(paths.data_dir)
    backend = dialog.findChild(QLabel, "aboutBackend")
    qtbot.waitUntil(lambda: "llama-cpp-python" in backend.text(), timeout=60_000)
    assert backend.text().startswith(("CPU", "CUDA", "Metal", "Vulkan"))
    assert asked_on and threading.main_thread() not in asked_on

    qtbot.waitUntil(lambda: len(dialog.component_names()) > 10, timeout=10_000)
    names = dialog.component_names()
    assert names[:5] == [
        "desktop-llm", "Python", "llama.cpp", "Qt", "SmolLM2 135M Instruct (Q4_1)"
    ]
    for library in ("llama_cpp_python", "PySide6_Essentials", "SQLAlchemy", "huggingface_hub"):
        assert library in names
    # The convert extra is not part of the app as shipped.
    assert "torch" not in names and "transformers" not in names
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in _choose(dialog, "Qt")
    assert "Permission is hereby granted" in _choose(dialog, "llama.cpp")
    assert "Apache License" in _choose(dialog, "SmolLM2 135M Instruct (Q4_1)")
    # A library's own license file, read from its installed metadata.
    assert "── licenses/LICENSE ──" in _choose(dialog, "SQLAlchemy")

    # Opening it again shows the same dialog, not a second one.
    assert open_about_dialog(window.bridge, window) is dialog
    dialog.close()


def test_an_engine_that_cannot_describe_itself_is_said_in_the_dialog(
    qtbot: QtBot, open_window: Callable[..., MainWindow], monkeypatch: pytest.MonkeyPatch,
) -> None:
    from concurrent.futures import Future

    from desktop_llm.errors import EngineStoppedError

    window = open_window(wait_for_model=False)

    def broken() -> Future[object]:
        failed: Future[object] = Future()
        failed.set_exception(EngineStoppedError("The engine could not start: exit code 3"))
        return failed

    monkeypatch.setattr(window.bridge.service, "backend_info", broken)
    dialog = open_about_dialog(window.bridge, window)
    backend = dialog.findChild(QLabel, "aboutBackend")
    qtbot.waitUntil(lambda: backend.text().startswith("Unknown"), timeout=10_000)
    assert backend.text() == "Unknown: The engine could not start: exit code 3"
    dialog.close()


def test_every_window_shows_the_application_icon(
    qtbot: QtBot, open_window: Callable[..., MainWindow]
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    prepare_application(app)
    window = open_window(wait_for_model=False)
    dialog = open_about_dialog(window.bridge, window)

    sizes = {size.width() for size in app.windowIcon().availableSizes()}
    assert {16, 32, 48, 256} <= sizes
    for shown in (window, dialog):
        assert not shown.windowIcon().isNull()
        assert shown.windowIcon().cacheKey() == app.windowIcon().cacheKey()
    dialog.close()


def test_help_about_in_the_menu_opens_it(
    qtbot: QtBot, open_window: Callable[..., MainWindow]
) -> None:
    from PySide6.QtGui import QAction

    window = open_window(wait_for_model=False)
    about = window.findChild(QAction, "aboutAction")
    assert about is not None and about.menuRole() == QAction.MenuRole.AboutRole
    about.trigger()
    dialog = window.findChild(AboutDialog)
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    dialog.close()
