"""Creating, listing, changing and deleting conversations."""

from __future__ import annotations

import dataclasses
import time
from datetime import timedelta

import pytest

from desktop_llm.errors import ConversationNotFoundError
from desktop_llm.storage import ConversationRecord, HistoryStore


def test_new_conversation_has_defaults_and_utc_timestamps(store: HistoryStore) -> None:
    conversation = store.create_conversation()

    assert isinstance(conversation, ConversationRecord)
    assert conversation.title == "New chat"
    assert conversation.model is None
    assert conversation.system_prompt == ""
    assert conversation.settings == {}
    assert conversation.created_at.utcoffset() == timedelta(0)
    assert conversation.created_at == conversation.updated_at
    assert store.get_conversation(conversation.id) == conversation


def test_conversation_fields_round_trip(store: HistoryStore) -> None:
    settings = {"temperature": 0.7, "max_tokens": 512, "stop": ["</s>"], "name": "café"}
    created = store.create_conversation(
        "  Trip\n  planning  ", model="qwen", system_prompt="Be brief.", settings=settings
    )

    loaded = store.get_conversation(created.id)

    assert loaded.title == "Trip planning"
    assert loaded.model == "qwen"
    assert loaded.system_prompt == "Be brief."
    assert loaded.settings == settings


def test_records_are_frozen(store: HistoryStore) -> None:
    conversation = store.create_conversation()
    with pytest.raises(dataclasses.FrozenInstanceError):
        conversation.title = "changed"  # type: ignore[misc]


def test_settings_that_are_not_json_are_rejected_and_nothing_is_stored(
    store: HistoryStore,
) -> None:
    with pytest.raises(TypeError):
        store.create_conversation(settings={"callback": object()})
    assert store.list_conversations() == []


def test_list_puts_the_most_recently_active_first(store: HistoryStore) -> None:
    first = store.create_conversation("first")
    time.sleep(0.002)
    second = store.create_conversation("second")
    assert [c.title for c in store.list_conversations()] == ["second", "first"]

    time.sleep(0.002)
    store.add_message(first.id, "user", "hello again")

    listed = store.list_conversations()
    assert [c.id for c in listed] == [first.id, second.id]
    assert listed[0].updated_at > listed[0].created_at


def test_missing_conversation_raises_not_found(store: HistoryStore) -> None:
    with pytest.raises(ConversationNotFoundError, match="Conversation 42 does not exist"):
        store.get_conversation(42)
    with pytest.raises(ConversationNotFoundError):
        store.rename_conversation(42, "x")
    with pytest.raises(ConversationNotFoundError):
        store.update_conversation(42, model="m")
    with pytest.raises(ConversationNotFoundError):
        store.list_messages(42)


def test_rename_folds_whitespace_and_blank_becomes_untitled(store: HistoryStore) -> None:
    conversation = store.create_conversation()

    renamed = store.rename_conversation(conversation.id, "  Weekly\t report \n")
    assert renamed.title == "Weekly report"
    assert store.get_conversation(conversation.id).title == "Weekly report"

    assert store.rename_conversation(conversation.id, "   \n ").title == "Untitled"


def test_rename_and_settings_changes_do_not_reorder_the_list(store: HistoryStore) -> None:
    older = store.create_conversation("older")
    time.sleep(0.002)
    newer = store.create_conversation("newer")

    store.rename_conversation(older.id, "older, renamed")
    store.update_conversation(older.id, system_prompt="changed")

    assert [c.id for c in store.list_conversations()] == [newer.id, older.id]
    assert store.get_conversation(older.id).updated_at == older.updated_at


def test_update_changes_only_the_fields_given(store: HistoryStore) -> None:
    conversation = store.create_conversation(
        model="a", system_prompt="prompt", settings={"temperature": 1.0}
    )

    only_model = store.update_conversation(conversation.id, model="b")
    assert (only_model.model, only_model.system_prompt, only_model.settings) == (
        "b",
        "prompt",
        {"temperature": 1.0},
    )

    only_settings = store.update_conversation(conversation.id, settings={"top_p": 0.9})
    assert (only_settings.model, only_settings.settings) == ("b", {"top_p": 0.9})

    cleared = store.update_conversation(conversation.id, model=None, system_prompt="")
    assert (cleared.model, cleared.system_prompt) == (None, "")
    assert store.get_conversation(conversation.id) == cleared


def test_delete_takes_the_messages_with_it(store: HistoryStore, raw) -> None:
    doomed = store.create_conversation("doomed")
    kept = store.create_conversation("kept")
    store.add_message(doomed.id, "user", "hi")
    store.start_reply(doomed.id, model=None)
    store.add_message(kept.id, "user", "still here")

    store.delete_conversation(doomed.id)

    assert [c.id for c in store.list_conversations()] == [kept.id]
    assert raw.query("SELECT count(*) FROM messages WHERE conversation_id = ?", (doomed.id,)) == [
        (0,)
    ]
    assert [m.content for m in store.list_messages(kept.id)] == ["still here"]
    with pytest.raises(ConversationNotFoundError):
        store.delete_conversation(doomed.id)


def test_ids_of_deleted_conversations_are_not_reused(store: HistoryStore) -> None:
    first = store.create_conversation()
    store.delete_conversation(first.id)
    assert store.create_conversation().id > first.id


def test_damaged_settings_json_reads_as_empty(store: HistoryStore, raw) -> None:
    conversation = store.create_conversation(settings={"a": 1})
    raw.execute(
        "UPDATE conversations SET settings_json = '{broken' WHERE id = ?", (conversation.id,)
    )
    assert store.get_conversation(conversation.id).settings == {}
