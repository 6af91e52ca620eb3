"""Walking a conversation's message tree: the model only ever sees one branch of it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from desktop_llm.chat.reasoning import split_reasoning
from desktop_llm.engine.types import ChatTurn
from desktop_llm.errors import DesktopLLMError
from desktop_llm.i18n import translate
from desktop_llm.storage import MessageRecord


def find_message(messages: Iterable[MessageRecord], message_id: int) -> MessageRecord:
    for message in messages:
        if message.id == message_id:
            return message
    raise DesktopLLMError(translate(
        "Conversations", "Message {id} is not in this conversation."
    ).format(id=message_id))


def path_to(messages: Sequence[MessageRecord], message_id: int | None) -> list[MessageRecord]:
    """The messages from the first one down to ``message_id`` (empty for None)."""
    by_id = {message.id: message for message in messages}
    path: list[MessageRecord] = []
    current = by_id.get(message_id) if message_id is not None else None
    while current is not None:
        path.append(current)
        if len(path) > len(by_id):  # a cycle can only come from a hand-edited database
            raise DesktopLLMError(translate(
                "Conversations", "This conversation's message tree is damaged (a cycle)."
            ))
        current = by_id.get(current.parent_id) if current.parent_id is not None else None
    path.reverse()
    return path


def descendants(messages: Sequence[MessageRecord], message_id: int) -> set[int]:
    """``message_id`` and every message under it."""
    children: dict[int | None, list[int]] = {}
    for message in messages:
        children.setdefault(message.parent_id, []).append(message.id)
    found: set[int] = set()
    waiting = [message_id]
    while waiting:
        current = waiting.pop()
        if current not in found:
            found.add(current)
            waiting.extend(children.get(current, ()))
    return found


def turns_for(
    system_prompt: str, path: Sequence[MessageRecord]
) -> tuple[list[ChatTurn], list[int]]:
    """What the model is sent for ``path``, and the message id behind each non-system turn.

    Empty messages (a reply that failed before any text) are left out, and so is reasoning:
    a model's earlier thinking is not part of the conversation its template expects.
    """
    turns = [ChatTurn("system", system_prompt)] if system_prompt else []
    ids: list[int] = []
    for message in path:
        if message.role == "system":
            continue
        content = message.content
        if message.role == "assistant":
            content = split_reasoning(content)[1]
        if not content.strip():
            continue
        turns.append(ChatTurn(message.role, content))  # type: ignore[arg-type]
        ids.append(message.id)
    return turns, ids
