"""Conversions between ORM rows and the records callers see, plus the JSON columns' codec."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from desktop_llm.storage.orm import ConversationRow, InstalledModelRow, MessageRow
from desktop_llm.storage.records import ConversationRecord, MessageRecord, ModelRecord

log = logging.getLogger(__name__)


def dump_json_object(value: Mapping[str, Any] | None) -> str:
    """Serialize settings or metadata; raises TypeError for values JSON cannot hold."""
    return json.dumps(dict(value or {}), ensure_ascii=False)


def load_json_object(text: str, *, column: str, row_id: int) -> dict[str, Any]:
    """Parse a JSON object column; a damaged value reads as ``{}`` rather than hiding the row."""
    try:
        value = json.loads(text)
    except ValueError:
        log.warning("%s of row %d is not valid JSON; reading it as {}", column, row_id)
        return {}
    if not isinstance(value, dict):
        log.warning("%s of row %d is not a JSON object; reading it as {}", column, row_id)
        return {}
    return value


def conversation_record(row: ConversationRow) -> ConversationRecord:
    return ConversationRecord(
        id=row.id,
        title=row.title,
        created_at=row.created_at,
        updated_at=row.updated_at,
        model=row.model,
        system_prompt=row.system_prompt,
        settings=load_json_object(row.settings_json, column="settings_json", row_id=row.id),
        pinned=bool(row.pinned),
        current_leaf_id=row.current_leaf_id,
    )


def message_record(row: MessageRow, sibling_ids: tuple[int, ...] = ()) -> MessageRecord:
    return MessageRecord(
        id=row.id,
        conversation_id=row.conversation_id,
        role=row.role,
        content=row.content,
        created_at=row.created_at,
        model=row.model,
        prompt_tokens=row.prompt_tokens,
        completion_tokens=row.completion_tokens,
        tokens_per_second=row.tokens_per_second,
        time_to_first_token=row.time_to_first_token,
        finish_reason=row.finish_reason,
        error=row.error,
        parent_id=row.parent_id,
        reasoning=row.reasoning,
        token_count=row.token_count,
        context_from_id=row.context_from_id,
        sibling_ids=sibling_ids,
    )


def model_record(row: InstalledModelRow) -> ModelRecord:
    return ModelRecord(
        id=row.id,
        name=row.name,
        path=Path(row.path),
        size_bytes=row.size_bytes,
        source=row.source,
        sha256=row.sha256,
        added_at=row.added_at,
        metadata=load_json_object(row.metadata_json, column="metadata_json", row_id=row.id),
    )
