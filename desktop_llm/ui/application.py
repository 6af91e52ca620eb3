"""The QApplication around the main window; startup failures become a dialog, not a trace."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_llm import __version__
from desktop_llm.errors import DesktopLLMError
from desktop_llm.ui.main_window import MainWindow

logger = logging.getLogger(__name__)


def run_gui(make_window: Callable[[], MainWindow], argv: list[str] | None = None) -> int:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("desktop-llm")
    app.setApplicationVersion(__version__)
    try:
        window = make_window()
    except DesktopLLMError as error:
        logger.exception("could not start")
        QMessageBox.critical(None, "desktop-llm", str(error))
        return 1
    # The window hides at once when closed and quits once the engine has stopped.
    app.setQuitOnLastWindowClosed(False)
    window.shutDown.connect(app.quit)
    window.show()
    return app.exec()
