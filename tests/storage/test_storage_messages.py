"""Complete messages and streamed replies."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from desktop_llm.errors import ConversationNotFoundError, StorageError
from desktop_llm.storage import FINISH_REASONS, HistoryStore


def test_complete_messages_are_listed_in_order_and_never_streaming(store: HistoryStore) -> None:
    conversation = store.create_conversation()
    store.add_message(conversation.id, "system", "You are terse.")
    store.add_message(conversation.id, "user", "Hi")
    store.add_message(conversation.id, "assistant", "Hello.", model="tiny")

    messages = store.list_messages(conversation.id)

    assert [(m.role, m.content) for m in messages] == [
        ("system", "You are terse."),
        ("user", "Hi"),
        ("assistant", "Hello."),
    ]
    assert [m.finish_reason for m in messages] == [None, None, "stop"]
    assert not any(m.streaming for m in messages)
    assert messages[2].model == "tiny"
    assert all(m.conversation_id == conversation.id for m in messages)


def test_adding_a_message_touches_the_conversation(store: HistoryStore) -> None:
    conversation = store.create_conversation()
    time.sleep(0.002)
    message = store.add_message(conversation.id, "user", "Hi")
    assert store.get_conversation(conversation.id).updated_at == message.created_at
    assert message.created_at > conversation.updated_at


def test_unknown_role_is_rejected(store: HistoryStore) -> None:
    conversation = store.create_conversation()
    with pytest.raises(ValueError, match="role must be one of"):
        store.add_message(conversation.id, "tool", "{}")
    assert store.list_messages(conversation.id) == []


def test_message_for_a_missing_conversation_raises_not_found(store: HistoryStore) -> None:
    with pytest.raises(ConversationNotFoundError):
        store.add_message(7, "user", "anyone there?")
    with pytest.raises(ConversationNotFoundError):
        store.start_reply(7, model=None)


def test_started_reply_is_empty_streaming_and_owned_by_this_instance(
    store: HistoryStore, raw
) -> None:
    conversation = store.create_conversation()

    reply = store.start_reply(conversation.id, model="tiny")

    assert (reply.role, reply.content, reply.model) == ("assistant", "", "tiny")
    assert reply.finish_reason is None
    assert reply.streaming
    assert raw.query("SELECT writer FROM messages WHERE id = ?", (reply.id,)) == [
        (store.instance_id,)
    ]


def test_updates_are_committed_and_visible_to_another_connection(
    store: HistoryStore, db_path: Path
) -> None:
    conversation = store.create_conversation()
    reply = store.start_reply(conversation.id, model=None)

    store.update_reply(reply.id, "Once upon", completion_tokens=2)
    store.update_reply(reply.id, "Once upon a time")

    with HistoryStore.open(db_path) as other:
        (seen,) = other.list_messages(conversation.id)
    assert seen.content == "Once upon a time"
    assert seen.completion_tokens == 2
    assert seen.streaming


def test_finish_stores_final_text_and_statistics(store: HistoryStore, raw) -> None:
    conversation = store.create_conversation()
    reply = store.start_reply(conversation.id, model="tiny")
    store.update_reply(reply.id, "partial", completion_tokens=5)
    time.sleep(0.002)

    finished = store.finish_reply(
        reply.id,
        content="partial and complete",
        finish_reason="length",
        prompt_tokens=12,
        tokens_per_second=31.5,
        time_to_first_token=0.25,
    )

    assert finished == store.list_messages(conversation.id)[0]
    assert finished.content == "partial and complete"
    assert finished.finish_reason == "length"
    assert not finished.streaming
    assert (finished.prompt_tokens, finished.completion_tokens) == (12, 5)
    assert (finished.tokens_per_second, finished.time_to_first_token) == (31.5, 0.25)
    assert finished.error is None
    assert raw.query("SELECT writer FROM messages WHERE id = ?", (reply.id,)) == [(None,)]
    assert store.get_conversation(conversation.id).updated_at > reply.created_at


@pytest.mark.parametrize("reason", FINISH_REASONS)
def test_every_finish_reason_is_accepted(store: HistoryStore, reason: str) -> None:
    conversation = store.create_conversation()
    reply = store.start_reply(conversation.id, model=None)
    assert store.finish_reply(reply.id, content="x", finish_reason=reason).finish_reason == reason


def test_error_finish_keeps_the_error_message(store: HistoryStore) -> None:
    conversation = store.create_conversation()
    reply = store.start_reply(conversation.id, model=None)
    store.finish_reply(
        reply.id, content="", finish_reason="error", error="The model ran out of memory."
    )
    (stored,) = store.list_messages(conversation.id)
    assert (stored.finish_reason, stored.error) == ("error", "The model ran out of memory.")


def test_unknown_finish_reason_is_rejected_and_the_reply_keeps_streaming(
    store: HistoryStore,
) -> None:
    conversation = store.create_conversation()
    reply = store.start_reply(conversation.id, model=None)
    store.update_reply(reply.id, "so far")

    with pytest.raises(ValueError, match="finish_reason must be one of"):
        store.finish_reply(reply.id, content="done", finish_reason="done")

    (stored,) = store.list_messages(conversation.id)
    assert (stored.content, stored.streaming) == ("so far", True)


def test_only_replies_can_be_finished(store: HistoryStore) -> None:
    conversation = store.create_conversation()
    question = store.add_message(conversation.id, "user", "Hi")
    with pytest.raises(ValueError, match="not a reply"):
        store.finish_reply(question.id, content="Hi", finish_reason="stop")


def test_a_finished_reply_can_no_longer_be_updated(store: HistoryStore) -> None:
    conversation = store.create_conversation()
    reply = store.start_reply(conversation.id, model=None)
    store.finish_reply(reply.id, content="final", finish_reason="stop")

    with pytest.raises(StorageError, match="no longer streaming"):
        store.update_reply(reply.id, "late chunk")

    assert store.list_messages(conversation.id)[0].content == "final"


def test_updating_a_reply_of_a_deleted_conversation_raises_not_found(
    store: HistoryStore,
) -> None:
    conversation = store.create_conversation()
    reply = store.start_reply(conversation.id, model=None)
    store.delete_conversation(conversation.id)

    with pytest.raises(ConversationNotFoundError):
        store.update_reply(reply.id, "chunk")
    with pytest.raises(ConversationNotFoundError):
        store.finish_reply(reply.id, content="chunk", finish_reason="stop")
