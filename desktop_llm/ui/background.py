"""Work off the GUI thread, results back on it: the one way the window waits for anything.

Like Anki's task manager: a function runs on a worker thread, then a callback runs on the
GUI thread with its result (or with a sentence for the user if it failed). Nothing the
callback receives is touched by the worker afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot

from desktop_llm.errors import DesktopLLMError

logger = logging.getLogger(__name__)

T = TypeVar("T")


def describe_failure(error: BaseException) -> str:
    """A sentence for the user; unexpected errors are logged with their traceback."""
    if isinstance(error, DesktopLLMError):
        return str(error)
    logger.error("unexpected failure", exc_info=error)
    return QCoreApplication.translate(
        "BackgroundTasks", "Something went wrong: {0}. Details are in the log file."
    ).format(error)


class BackgroundTasks(QObject):
    failed = Signal(str)
    _deliver = Signal(object)  # a callable to run on the GUI thread

    def __init__(self, name: str, workers: int = 1, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._closed = False
        self._deliver.connect(self._on_deliver)

    def run(
        self,
        work: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        """Run ``work`` on a worker thread; ``on_done(result)`` or ``on_error`` on this one."""
        if self._closed:
            return

        def job() -> None:
            try:
                result = work()
            except BaseException as error:
                message = describe_failure(error)
                self._deliver.emit(lambda: (on_error or self.failed.emit)(message))
            else:
                self._deliver.emit(lambda: on_done(result))

        self._pool.submit(job)

    @Slot(object)
    def _on_deliver(self, callback: Callable[[], Any]) -> None:
        callback()

    def shutdown(self, *, wait: bool = True) -> None:
        self._closed = True
        self._pool.shutdown(wait=wait, cancel_futures=not wait)
