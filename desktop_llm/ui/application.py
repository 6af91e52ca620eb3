"""The QApplication around the main window; startup failures become a dialog, not a trace."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_llm import __version__
from desktop_llm.errors import DesktopLLMError
from desktop_llm.resources import app_icon_files
from desktop_llm.ui.startup_probe import StartupProbe, mark
from desktop_llm.ui.translations import install_language

if TYPE_CHECKING:
    from desktop_llm.ui.main_window import MainWindow

logger = logging.getLogger(__name__)

APP_NAME = "desktop-llm"


def app_icon() -> QIcon:
    """The application icon at every size it ships in (an empty icon if none is found)."""
    icon = QIcon()
    for path in app_icon_files():
        icon.addFile(str(path))
    return icon


_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def log_qt_messages() -> None:
    """Qt's own messages go to the log (logger ``qt``) instead of the terminal."""
    qt_logger = logging.getLogger("qt")

    def handle(kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
        qt_logger.log(_QT_LEVELS.get(kind, logging.WARNING), "%s", message)

    qInstallMessageHandler(handle)


def prepare_application(app: QApplication) -> None:
    """What every window shares: the app's name and version, and its icon (which every
    window and dialog without one of its own shows)."""
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    # Wayland and the Linux docks match the window to desktop-llm.desktop (and its icon).
    app.setDesktopFileName(APP_NAME)
    app.setWindowIcon(app_icon())


def run_gui(
    make_window: Callable[[], MainWindow],
    argv: list[str] | None = None,
    *,
    language: str = "system",
) -> int:
    """``language``: the Settings' choice, in place before the first widget (and the first
    message of the core) is made."""
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    assert isinstance(app, QApplication)
    mark("qt")
    prepare_application(app)
    install_language(app, language)
    try:
        window = make_window()
    except DesktopLLMError as error:
        logger.exception("could not start")
        QMessageBox.critical(None, APP_NAME, str(error))
        return 1
    mark("window")
    # The window hides at once when closed and quits once the engine has stopped.
    app.setQuitOnLastWindowClosed(False)
    window.shutDown.connect(app.quit)
    StartupProbe.install(window)
    window.show()
    return app.exec()
