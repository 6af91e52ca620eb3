"""Conversations read from an import file, parked on disk until the file has been read whole.

Reading a big export (a ChatGPT history of thousands of conversations) takes seconds; the
history's write lock must not be held for that long, or a reply streaming meanwhile could not
be saved. So a file is read and checked first, each conversation pickled into a temporary file
(memory stays flat however many there are), and only then written to the history in one short
transaction. The temporary file is this process's own and is gone when the block ends.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from desktop_llm.errors import ImportRefusedError
from desktop_llm.i18n import translate
from desktop_llm.storage import ImportedConversation

_PREFIX = "desktop-llm-import-"


class StagedConversations:
    def __init__(self, file: IO[bytes]) -> None:
        self._file = file
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, conversation: ImportedConversation) -> None:
        try:
            pickle.dump(conversation, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        except OSError as error:
            raise ImportRefusedError(translate(
                "Import",
                "There is no room to read this file in the temporary folder ({problem}); "
                "nothing was imported.",
            ).format(problem=error.strerror or error)) from error
        self._count += 1

    def __iter__(self) -> Iterator[ImportedConversation]:
        """Every conversation added, in order, read back one at a time."""
        self._file.seek(0)
        for _ in range(self._count):
            conversation = pickle.load(self._file)  # written by add() above, never by others
            yield conversation


@contextmanager
def staged_conversations() -> Iterator[StagedConversations]:
    # Always on disk (the system's temporary folder): memory stays flat however big the file.
    with tempfile.TemporaryFile(prefix=_PREFIX) as file:
        yield StagedConversations(file)
