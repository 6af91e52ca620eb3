"""Plain-JSON shapes of conversations and messages (the command line's --json, exports)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from desktop_llm.storage import ConversationRecord, MessageRecord


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def message_to_dict(message: MessageRecord) -> dict[str, Any]:
    return {
        "id": message.id,
        "role": message.role,
        "content": message.content,
        "created_at": _iso(message.created_at),
        "model": message.model,
        "prompt_tokens": message.prompt_tokens,
        "completion_tokens": message.completion_tokens,
        "tokens_per_second": message.tokens_per_second,
        "time_to_first_token": message.time_to_first_token,
        "finish_reason": message.finish_reason,
        "error": message.error,
    }


def conversation_to_dict(
    conversation: ConversationRecord, messages: list[MessageRecord] | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": conversation.id,
        "title": conversation.title,
        "created_at": _iso(conversation.created_at),
        "updated_at": _iso(conversation.updated_at),
        "model": conversation.model,
        "system_prompt": conversation.system_prompt,
        "settings": conversation.settings,
    }
    if messages is not None:
        data["messages"] = [message_to_dict(m) for m in messages]
    return data
