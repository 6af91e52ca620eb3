"""Our own JSON document, version 1: one conversation with every branch, its model, settings
and each reply's metrics. Its JSON Schema ships in ``resources/schemas``; the importer reads
every version this module has ever written.

Times are written in UTC with microseconds, so an export, an import and a second export give
the same text.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from importlib import resources
from typing import Any

from desktop_llm import __version__
from desktop_llm.errors import ExportError
from desktop_llm.storage import ConversationRecord, MessageRecord
from desktop_llm.transcripts.transcript import Transcript

FORMAT_NAME = "desktop-llm-conversation"
FORMAT_VERSION = 1
BACKUP_FORMAT_NAME = "desktop-llm-backup"
BACKUP_FORMAT_VERSION = 1
SCHEMA_FILE = "conversation-v1.schema.json"


def iso_time(moment: datetime) -> str:
    """``moment`` in UTC, ISO 8601 with microseconds (a naive time is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def conversation_document(
    transcript: Transcript, *, exported_at: datetime | None = None
) -> dict[str, Any]:
    """The version-1 document of ``transcript`` (every branch), as plain JSON values."""
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "exported_at": iso_time(exported_at or now_utc()),
        "app_version": __version__,
        "conversation": _conversation(transcript.conversation),
        "messages": [_message(message) for message in transcript.messages],
    }


def to_json(transcript: Transcript, *, exported_at: datetime | None = None) -> str:
    """The document as indented JSON text (non-ASCII kept as is), ending with a newline."""
    return dumps(conversation_document(transcript, exported_at=exported_at))


def dumps(document: dict[str, Any]) -> str:
    try:
        return json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    except ValueError as error:
        # Only a settings value could be NaN or infinite (metrics are cleaned below).
        raise ExportError(
            f"The conversation's settings hold a number JSON cannot represent ({error})."
        ) from error


def schema() -> dict[str, Any]:
    """The JSON Schema of the version-1 document (and, in ``$defs``, of a backup manifest)."""
    text = resources.files("desktop_llm.resources").joinpath("schemas", SCHEMA_FILE)
    return json.loads(text.read_text(encoding="utf-8"))


def backup_manifest(count: int, *, exported_at: datetime) -> dict[str, Any]:
    return {
        "format": BACKUP_FORMAT_NAME,
        "version": BACKUP_FORMAT_VERSION,
        "exported_at": iso_time(exported_at),
        "app_version": __version__,
        "conversations": count,
    }


def _conversation(conversation: ConversationRecord) -> dict[str, Any]:
    return {
        "id": conversation.id,
        "title": conversation.title,
        "created_at": iso_time(conversation.created_at),
        "updated_at": iso_time(conversation.updated_at),
        "model": conversation.model,
        "system_prompt": conversation.system_prompt,
        "settings": conversation.settings,
        "pinned": conversation.pinned,
        "current_leaf_id": conversation.current_leaf_id,
    }


def _message(message: MessageRecord) -> dict[str, Any]:
    return {
        "id": message.id,
        "parent_id": message.parent_id,
        "role": message.role,
        "content": message.content,
        "reasoning": message.reasoning,
        "created_at": iso_time(message.created_at),
        "model": message.model,
        "token_count": message.token_count,
        "prompt_tokens": message.prompt_tokens,
        "completion_tokens": message.completion_tokens,
        "tokens_per_second": _finite(message.tokens_per_second),
        "time_to_first_token": _finite(message.time_to_first_token),
        "finish_reason": message.finish_reason,
        "error": message.error,
        "context_from_id": message.context_from_id,
    }


def _finite(value: float | None) -> float | None:
    # A rate measured over no time can come out infinite; JSON has no such number.
    return value if value is not None and math.isfinite(value) else None
