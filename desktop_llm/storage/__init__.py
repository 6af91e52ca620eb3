"""Chat history and the installed-model registry, kept in one SQLite file.

``HistoryStore.open(path)`` opens the file; its ``models`` attribute is the ``ModelRegistry``
on the same file. This is the only package that imports SQLAlchemy; everything it returns is a
plain frozen record from ``records.py``.
"""

from __future__ import annotations

from desktop_llm.storage.history_store import HistoryStore
from desktop_llm.storage.model_registry import ModelRegistry
from desktop_llm.storage.records import (
    FINISH_REASONS,
    MODEL_SOURCES,
    ROLES,
    ConversationRecord,
    ImportedConversation,
    ImportedMessage,
    MessageRecord,
    ModelRecord,
    SearchHit,
)

__all__ = [
    "FINISH_REASONS",
    "MODEL_SOURCES",
    "ROLES",
    "ConversationRecord",
    "HistoryStore",
    "ImportedConversation",
    "ImportedMessage",
    "MessageRecord",
    "ModelRecord",
    "ModelRegistry",
    "SearchHit",
]
