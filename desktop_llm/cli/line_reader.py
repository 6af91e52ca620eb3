"""Reading the user's lines in the interactive session: line editing and a history file
through the standard ``readline`` where Python has it (not on Windows), plain input() elsewhere.

A line ``\"\"\"`` opens a block of several lines and another closes it, as in ``ollama run``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import ModuleType

logger = logging.getLogger(__name__)

HISTORY_LENGTH = 1000
BLOCK = '"""'
PROMPT = ">>> "
CONTINUATION = "... "


def _readline() -> ModuleType | None:
    try:
        import readline
    except ImportError:  # Windows' Python has none: input() still works, without history
        return None
    return readline


class LineReader:
    def __init__(self, history_file: Path | None) -> None:
        self._readline = _readline()
        self._history_file = history_file
        if self._readline is not None and history_file is not None:
            self._readline.set_history_length(HISTORY_LENGTH)
            try:
                self._readline.read_history_file(history_file)
            except FileNotFoundError:
                pass  # the first session
            except OSError as error:
                logger.warning("chat history not read from %s: %s", history_file, error)

    @property
    def has_history(self) -> bool:
        return self._readline is not None

    def read_message(self) -> str:
        """One message: a line, or a block between two ``\"\"\"`` lines. Raises EOFError
        (Ctrl+D) and KeyboardInterrupt (Ctrl+C, which drops a block half typed)."""
        line = input(PROMPT)
        if not line.lstrip().startswith(BLOCK):
            return line
        first = line.lstrip()[len(BLOCK):]
        if first.rstrip().endswith(BLOCK):  # """all on one line"""
            return first.rstrip()[: -len(BLOCK)]
        lines = [first] if first.strip() else []
        while True:
            line = input(CONTINUATION)
            if line.rstrip().endswith(BLOCK):
                last = line.rstrip()[: -len(BLOCK)]
                if last.strip():
                    lines.append(last)
                return "\n".join(lines)
            lines.append(line)

    def close(self) -> None:
        if self._readline is None or self._history_file is None:
            return
        try:
            self._readline.write_history_file(self._history_file)
        except OSError as error:  # a read-only data folder costs the history, not the session
            logger.warning("chat history not saved to %s: %s", self._history_file, error)
