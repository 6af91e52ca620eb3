"""Our own JSON document read back (every version ``json_export`` has written: version 1).

Strict: every field of the schema must be there with its type; a newer version is refused
with the reason, never guessed at. Fields a later version might add are ignored. The message
tree must be whole: unique ids, parents present, no message its own ancestor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from desktop_llm.errors import ImportRefusedError
from desktop_llm.i18n import translatable, translate
from desktop_llm.storage import FINISH_REASONS, ROLES, ImportedConversation, ImportedMessage
from desktop_llm.transcripts.import_limits import MAX_MESSAGES_PER_CONVERSATION
from desktop_llm.transcripts.import_tree import find_cycle, parents_first
from desktop_llm.transcripts.json_export import FORMAT_NAME, FORMAT_VERSION
from desktop_llm.transcripts.json_fields import (
    Converted,
    Fields,
    kind_of,
    refuse,
    too_many_messages,
)


def is_document(value: object) -> bool:
    """True for anything claiming to be our conversation document (checked when read)."""
    return isinstance(value, dict) and value.get("format") == FORMAT_NAME


def check_version(fields: Fields, *, name: str, known: int, what: str) -> int:
    """The document's version, refused unless this program can read it; ``what`` names the
    format, marked ``translatable("Import", ...)``."""
    version = fields.value.get("version")
    if type(version) is not int:
        raise refuse(fields.where, translate(
            "Import", '"version" must be a whole number, not {kind}'
        ).format(kind=kind_of(version)))
    if version > known:
        raise ImportRefusedError(translate(
            "Import",
            "{where} was written by a newer desktop-llm ({what} version {version}; this one "
            "reads up to version {known}). Update desktop-llm to import it.",
        ).format(where=fields.where, what=translate("Import", what), version=version, known=known))
    if version < 1:
        raise ImportRefusedError(translate(
            "Import",
            "{where} has an unknown {what} version, {version}; {name} versions start at 1.",
        ).format(where=fields.where, what=translate("Import", what), version=version, name=name))
    return version


def conversation_from_document(document: Any, *, where: str) -> Converted:
    """The conversation of one document; ``where`` names it in refusals."""
    fields = Fields(
        document, where, what=translatable("Import", "a desktop-llm conversation document")
    )
    if fields.value.get("format") != FORMAT_NAME:
        raise refuse(where, translate(
            "Import", 'it is not a desktop-llm conversation ("format" is not {format})'
        ).format(format=FORMAT_NAME))
    version = check_version(
        fields,
        name=FORMAT_NAME,
        known=FORMAT_VERSION,
        what=translatable("Import", "conversation format"),
    )
    return _READERS[version](fields)


def _read_v1(document: Fields) -> Converted:
    document.iso_time("exported_at")
    document.name("app_version")
    conversation = document.object("conversation")
    assert conversation is not None
    conversation.integer("id", minimum=1)  # the exporting database's; a new one is given
    raw_messages = document.array("messages")
    assert raw_messages is not None
    if len(raw_messages) > MAX_MESSAGES_PER_CONVERSATION:
        raise refuse(document.where, too_many_messages(len(raw_messages)))
    message_at = translate("Import", "{where}, message {number}")
    messages = [
        _message(item, message_at.format(where=document.where, number=n))
        for n, item in enumerate(raw_messages, start=1)
    ]
    parents: dict[str, str | None] = {}
    for message in messages:
        if message.key in parents:
            raise refuse(document.where, translate(
                "Import", "two messages have the id {id}"
            ).format(id=message.key))
        parents[message.key] = message.parent_key
    for message in messages:
        if message.parent_key == message.key:
            raise refuse(document.where, translate(
                "Import", "message {id} is its own parent"
            ).format(id=message.key))
        if message.parent_key is not None and message.parent_key not in parents:
            raise refuse(document.where, translate(
                "Import", "message {id} follows message {parent}, which the file does not hold"
            ).format(id=message.key, parent=message.parent_key))
        if message.context_from_key is not None and message.context_from_key not in parents:
            raise refuse(document.where, translate(
                "Import",
                "message {id} starts its context at message {start}, which the file does not "
                "hold",
            ).format(id=message.key, start=message.context_from_key))
    cycle = find_cycle(parents)
    if cycle is not None:
        raise refuse(document.where, translate(
            "Import", "message {id} is its own ancestor (the tree has a cycle)"
        ).format(id=cycle))
    by_key = {message.key: message for message in messages}
    # Ids were handed out in the order messages were written: versions stay oldest first.
    order = parents_first(list(by_key), parents, lambda key: (float(key), 0))
    ordered = [by_key[key] for key in order]

    leaf = conversation.integer("current_leaf_id", null=True, minimum=1)
    if leaf is not None and str(leaf) not in by_key:
        raise refuse(conversation.where, translate(
            "Import", "the message shown ({id}) is not among the file's messages"
        ).format(id=leaf))
    title = conversation.name("title")
    model = conversation.name("model", null=True)
    system_prompt = conversation.text("system_prompt")
    pinned = conversation.boolean("pinned")
    assert title is not None and system_prompt is not None
    return Converted(
        ImportedConversation(
            title=title,
            created_at=conversation.iso_time("created_at"),
            updated_at=conversation.iso_time("updated_at"),
            messages=tuple(ordered),
            model=model,
            system_prompt=system_prompt,
            settings=conversation.settings("settings"),
            pinned=bool(pinned),
            current_leaf_key=None if leaf is None else str(leaf),
        )
    )


def _message(value: object, where: str) -> ImportedMessage:
    fields = Fields(value, where)
    key = fields.integer("id", minimum=1)
    parent = fields.integer("parent_id", null=True, minimum=1)
    context_from = fields.integer("context_from_id", null=True, minimum=1)
    role = fields.choice("role", ROLES)
    finish_reason = fields.choice("finish_reason", (None, *FINISH_REASONS))
    if role == "assistant" and finish_reason is None:
        # Exported while it was still being written: whatever came after never arrived.
        finish_reason = "interrupted"
    content = fields.text("content")
    reasoning = fields.text("reasoning")
    assert content is not None and reasoning is not None
    return ImportedMessage(
        key=str(key),
        parent_key=None if parent is None else str(parent),
        role=role,
        content=content,
        reasoning=reasoning,
        created_at=fields.iso_time("created_at"),
        model=fields.name("model", null=True),
        token_count=fields.integer("token_count", null=True),
        prompt_tokens=fields.integer("prompt_tokens", null=True),
        completion_tokens=fields.integer("completion_tokens", null=True),
        tokens_per_second=fields.number("tokens_per_second", null=True),
        time_to_first_token=fields.number("time_to_first_token", null=True),
        finish_reason=finish_reason,
        error=fields.text("error", null=True),
        context_from_key=None if context_from is None else str(context_from),
    )


# Version -> reader. A new version adds its reader here and keeps the old ones.
_READERS: dict[int, Callable[[Fields], Converted]] = {1: _read_v1}
assert max(_READERS) == FORMAT_VERSION
