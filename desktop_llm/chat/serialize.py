"""Plain-JSON shapes of conversations, messages and search hits (the command line's --json,
exports)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from desktop_llm.storage import ConversationRecord, MessageRecord, SearchHit


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def message_to_dict(message: MessageRecord) -> dict[str, Any]:
    return {
        "id": message.id,
        "parent_id": message.parent_id,
        # The other versions at this place in the tree (edits, regenerations), oldest first.
        "siblings": [other for other in message.sibling_ids if other != message.id],
        "role": message.role,
        "content": message.content,
        "reasoning": message.reasoning,
        "created_at": _iso(message.created_at),
        "model": message.model,
        "token_count": message.token_count,
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
        "pinned": conversation.pinned,
    }
    if messages is not None:
        data["messages"] = [message_to_dict(m) for m in messages]
    return data


def search_hit_to_dict(hit: SearchHit) -> dict[str, Any]:
    return {
        "id": hit.conversation_id,
        "title": hit.title,
        # None when only the title matched.
        "message_id": hit.message_id,
        "role": hit.role,
        "snippet": hit.snippet,
        # [start, end) character offsets of the matched text within the snippet.
        "highlights": [list(span) for span in hit.highlights],
        "updated_at": _iso(hit.updated_at),
    }
