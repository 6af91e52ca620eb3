"""Writes imported conversations: ``HistoryStore.importing()`` hands one of these out.

Every conversation of one file goes in through one ``BEGIN IMMEDIATE`` transaction (the store
rolls it back on any exception), so a file is imported whole or not at all. Rows are written
with Core inserts, never ORM objects: a session's identity map would keep every row of a
50,000-message import alive until the commit.

Message ids are handed out here rather than by SQLite, so a whole conversation's messages go in
as one ``executemany`` with their parents already known. That is safe because the transaction
holds the write lock from its first statement: nobody else can take an id meanwhile, and ids
continue past both the largest id present and the largest ever used (``sqlite_sequence``), as
AUTOINCREMENT would.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, text

from desktop_llm.errors import ImportRefusedError
from desktop_llm.i18n import translatable, translate
from desktop_llm.storage.orm import ConversationRow, MessageRow
from desktop_llm.storage.records import (
    FINISH_REASONS,
    ROLES,
    ImportedConversation,
    ImportedMessage,
)
from desktop_llm.storage.row_mapping import dump_json_object
from desktop_llm.storage.titles import clean_title

# Rows per executemany call: bounds the list of parameter dicts held at once.
_BATCH = 1_000

_LAST_MESSAGE_ID = text(
    "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'messages'), 0), "
    "coalesce((SELECT max(id) FROM messages), 0))"
)

_INTEGER_FIELDS = ("token_count", "prompt_tokens", "completion_tokens")
_NUMBER_FIELDS = ("tokens_per_second", "time_to_first_token")


class ConversationImporter:
    """Adds whole conversations inside the store's open import transaction."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._next_message_id: int | None = None
        self.added = 0

    def add(self, conversation: ImportedConversation) -> int:
        """Write one conversation with all its messages; returns its new id.

        Raises ImportRefusedError (a sentence naming the conversation) when the record breaks
        the store's rules; the caller's transaction then rolls back everything of the file.
        """
        label = _label(conversation)
        _check_time(
            conversation.created_at, label, translatable("Import", "its creation time")
        )
        _check_time(
            conversation.updated_at, label, translatable("Import", "its last activity time")
        )
        if not isinstance(conversation.system_prompt, str):
            raise ImportRefusedError(translate(
                "Import", "{label} has a system prompt that is not text."
            ).format(label=label))
        if conversation.model is not None and not isinstance(conversation.model, str):
            raise ImportRefusedError(translate(
                "Import", "{label} names its model with something other than text."
            ).format(label=label))
        try:
            settings_json = dump_json_object(conversation.settings)
        except (TypeError, ValueError) as error:
            raise ImportRefusedError(translate(
                "Import", "{label} has settings that cannot be stored: {problem}."
            ).format(label=label, problem=error)) from error

        first_id = self._first_free_message_id()
        ids: dict[str, int] = {}
        message_at = translate("Import", "{label}, message {key},")
        for offset, message in enumerate(conversation.messages):
            _check_message(message, ids, label, message_at)
            ids[message.key] = first_id + offset
        leaf = self._current_leaf(conversation, ids, label)

        conversation_id = self._insert_conversation(conversation, settings_json, leaf)
        rows: list[dict[str, Any]] = []
        for message in conversation.messages:
            rows.append(_message_row(message, conversation_id, ids))
            if len(rows) == _BATCH:
                self._connection.execute(insert(MessageRow.__table__), rows)
                rows = []
        if rows:
            self._connection.execute(insert(MessageRow.__table__), rows)
        self._next_message_id = first_id + len(conversation.messages)
        self.added += 1
        return conversation_id

    def _first_free_message_id(self) -> int:
        if self._next_message_id is None:
            last = self._connection.execute(_LAST_MESSAGE_ID).scalar_one()
            self._next_message_id = int(last) + 1
        return self._next_message_id

    @staticmethod
    def _current_leaf(
        conversation: ImportedConversation, ids: Mapping[str, int], label: str
    ) -> int | None:
        if conversation.current_leaf_key is None:
            return ids[conversation.messages[-1].key] if conversation.messages else None
        leaf = ids.get(conversation.current_leaf_key)
        if leaf is None:
            raise ImportRefusedError(translate(
                "Import", "{label} shows message {key}, which it does not hold."
            ).format(label=label, key=repr(conversation.current_leaf_key)))
        return leaf

    def _insert_conversation(
        self, conversation: ImportedConversation, settings_json: str, leaf: int | None
    ) -> int:
        result = self._connection.execute(
            insert(ConversationRow.__table__).values(
                title=clean_title(conversation.title),
                created_at=conversation.created_at,
                updated_at=conversation.updated_at,
                model=conversation.model,
                system_prompt=conversation.system_prompt,
                settings_json=settings_json,
                pinned=bool(conversation.pinned),
                current_leaf_id=leaf,
            )
        )
        key = result.inserted_primary_key
        assert key is not None  # an INSERT into a table with an integer primary key
        return int(key[0])


def _label(conversation: ImportedConversation) -> str:
    if not isinstance(conversation.title, str):
        raise ImportRefusedError(
            translate("Import", "A conversation has a title that is not text.")
        )
    shown = clean_title(conversation.title)
    if len(shown) > 60:
        shown = shown[:59] + "…"
    return translate("Import", "Conversation {title}").format(title=repr(shown))


def _check_time(value: object, label: str, what: str) -> None:
    """``what`` is marked ``translatable("Import", ...)``."""
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ImportRefusedError(translate(
            "Import", "{label} has no time zone (or no time at all) on {what}."
        ).format(label=label, what=translate("Import", what)))


def _check_message(
    message: ImportedMessage, ids: Mapping[str, int], label: str, message_at: str
) -> None:
    """``message_at``: the translated template naming a message of the conversation."""
    key = message.key
    if not isinstance(key, str):
        raise ImportRefusedError(translate(
            "Import", "{label} names a message with something other than text."
        ).format(label=label))
    where = message_at.format(label=label, key=repr(key))
    if key in ids:
        raise ImportRefusedError(translate(
            "Import", "{label} holds two messages named {key}."
        ).format(label=label, key=repr(key)))
    if message.role not in ROLES:
        raise ImportRefusedError(translate(
            "Import", "{where} has the role {role}; only {roles} can be stored."
        ).format(where=where, role=repr(message.role), roles=", ".join(ROLES)))
    if message.parent_key is not None and message.parent_key not in ids:
        raise ImportRefusedError(translate(
            "Import", "{where} follows {parent}, which is not listed before it."
        ).format(where=where, parent=repr(message.parent_key)))
    if message.context_from_key is not None and message.context_from_key not in ids:
        raise ImportRefusedError(translate(
            "Import", "{where} starts its context at {start}, which is not listed before it."
        ).format(where=where, start=repr(message.context_from_key)))
    if message.finish_reason is not None and message.finish_reason not in FINISH_REASONS:
        raise ImportRefusedError(translate(
            "Import", "{where} finished as {reason}; only {reasons} are known."
        ).format(
            where=where, reason=repr(message.finish_reason), reasons=", ".join(FINISH_REASONS)
        ))
    if message.role == "assistant" and message.finish_reason is None:
        # A reply with no finish reason reads as "still being written" to the whole app.
        raise ImportRefusedError(translate(
            "Import", "{where} is a reply with no finish reason."
        ).format(where=where))
    for name in ("content", "reasoning"):
        if not isinstance(getattr(message, name), str):
            raise ImportRefusedError(translate(
                "Import", "{where} has {name} that is not text."
            ).format(where=where, name=name))
    for name in ("model", "error"):
        if getattr(message, name) is not None and not isinstance(getattr(message, name), str):
            raise ImportRefusedError(translate(
                "Import", "{where} has a {name} that is not text."
            ).format(where=where, name=name))
    _check_time(message.created_at, where, translatable("Import", "its time"))
    for name in _INTEGER_FIELDS:
        value = getattr(message, name)
        if value is not None and (type(value) is not int or value < 0):
            raise ImportRefusedError(translate(
                "Import", "{where} has {name} {value}, not a whole number >= 0."
            ).format(where=where, name=name, value=repr(value)))
    for name in _NUMBER_FIELDS:
        value = getattr(message, name)
        if value is not None and (
            type(value) not in (int, float) or not math.isfinite(value) or value < 0
        ):
            raise ImportRefusedError(translate(
                "Import", "{where} has {name} {value}, not a number >= 0."
            ).format(where=where, name=name, value=repr(value)))


def _message_row(
    message: ImportedMessage, conversation_id: int, ids: Mapping[str, int]
) -> dict[str, Any]:
    return {
        "id": ids[message.key],
        "conversation_id": conversation_id,
        "parent_id": None if message.parent_key is None else ids[message.parent_key],
        "role": message.role,
        "content": message.content,
        "reasoning": message.reasoning,
        "created_at": message.created_at,
        "updated_at": message.created_at,
        "model": message.model,
        "token_count": message.token_count,
        "prompt_tokens": message.prompt_tokens,
        "completion_tokens": message.completion_tokens,
        "tokens_per_second": message.tokens_per_second,
        "time_to_first_token": message.time_to_first_token,
        "finish_reason": message.finish_reason,
        "error": message.error,
        "writer": None,
        "context_from_id": (
            None if message.context_from_key is None else ids[message.context_from_key]
        ),
    }
