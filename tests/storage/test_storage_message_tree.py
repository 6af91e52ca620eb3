"""Messages as a tree: appends, edits and regenerations as branches, switching, deleting."""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import closing

import pytest

from desktop_llm.errors import ConversationNotFoundError, StorageError
from desktop_llm.storage import HistoryStore, MessageRecord


def _ids(messages: list[MessageRecord]) -> list[int]:
    return [m.id for m in messages]


def _exchange(store: HistoryStore, conversation_id: int, question: str) -> list[MessageRecord]:
    user = store.add_message(conversation_id, "user", question)
    reply = store.add_message(conversation_id, "assistant", f"answer to {question}")
    return [user, reply]


def test_plain_appends_form_one_chain_and_move_the_current_leaf(store: HistoryStore) -> None:
    conversation = store.create_conversation()
    assert conversation.current_leaf_id is None
    assert store.branch(conversation.id) == []

    system = store.add_message(conversation.id, "system", "Be brief.")
    user, reply = _exchange(store, conversation.id, "hi")

    assert [system.parent_id, user.parent_id, reply.parent_id] == [None, system.id, user.id]
    assert store.get_conversation(conversation.id).current_leaf_id == reply.id
    branch = store.branch(conversation.id)
    assert _ids(branch) == [system.id, user.id, reply.id]
    assert [m.sibling_ids for m in branch] == [(system.id,), (user.id,), (reply.id,)]
    assert _ids(store.list_messages(conversation.id)) == _ids(branch)
    assert all(m.sibling_ids == () for m in store.list_messages(conversation.id))


def test_an_edit_is_a_new_version_beside_the_old_one(store: HistoryStore) -> None:
    conversation = store.create_conversation()
    first_user, first_reply = _exchange(store, conversation.id, "first")
    old_user, old_reply = _exchange(store, conversation.id, "old question")

    new_user = store.add_message(
        conversation.id, "user", "new question", parent_id=old_user.parent_id
    )
    new_reply = store.add_message(conversation.id, "assistant", "new answer")

    branch = store.branch(conversation.id)
    assert _ids(branch) == [first_user.id, first_reply.id, new_user.id, new_reply.id]
    assert branch[2].sibling_ids == (old_user.id, new_user.id)
    assert branch[3].sibling_ids == (new_reply.id,)
    # Both versions stay in the history.
    assert len(store.list_messages(conversation.id)) == 6

    back = store.select_branch(conversation.id, old_user.id)
    assert _ids(back) == [first_user.id, first_reply.id, old_user.id, old_reply.id]
    assert back[2].sibling_ids == (old_user.id, new_user.id)
    assert store.branch(conversation.id) == back
    assert store.get_conversation(conversation.id).current_leaf_id == old_reply.id


def test_a_regenerated_reply_streams_beside_the_old_reply(store: HistoryStore) -> None:
    conversation = store.create_conversation()
    user, old_reply = _exchange(store, conversation.id, "question")

    reply = store.start_reply(conversation.id, model="tiny", parent_id=user.id)
    assert reply.parent_id == user.id
    assert reply.streaming
    assert store.branch(conversation.id)[-1].sibling_ids == (old_reply.id, reply.id)

    store.update_reply(reply.id, "Let me", reasoning="The user asks")
    finished = store.finish_reply(
        reply.id,
        content="Let me answer.",
        finish_reason="stop",
        reasoning="The user asks a question.",
        context_from_id=user.id,
    )
    assert (finished.content, finished.reasoning) == ("Let me answer.", "The user asks a question.")
    assert finished.context_from_id == user.id
    assert _ids(store.branch(conversation.id)) == [user.id, reply.id]


def test_finish_reply_keeps_reasoning_and_context_start_when_given_none(
    store: HistoryStore,
) -> None:
    conversation = store.create_conversation()
    user = store.add_message(conversation.id, "user", "q")
    reply = store.start_reply(conversation.id, model=None)
    store.update_reply(reply.id, "partial", reasoning="thought so far")

    finished = store.finish_reply(reply.id, content="done", finish_reason="stop")

    assert finished.reasoning == "thought so far"
    assert finished.context_from_id is None
    assert store.list_messages(conversation.id)[-1] == finished
    assert finished.parent_id == user.id


def test_select_branch_descends_to_the_newest_child_at_each_step(store: HistoryStore) -> None:
    conversation = store.create_conversation()
    root = store.add_message(conversation.id, "user", "root")
    a = store.add_message(conversation.id, "assistant", "a")
    a_child_old = store.add_message(conversation.id, "user", "a-old")
    a_child_new = store.add_message(conversation.id, "user", "a-new", parent_id=a.id)
    a_new_reply = store.add_message(conversation.id, "assistant", "a-new reply")
    b = store.add_message(conversation.id, "assistant", "b", parent_id=root.id)

    assert _ids(store.branch(conversation.id)) == [root.id, b.id]

    through_a = store.select_branch(conversation.id, a.id)

    assert _ids(through_a) == [root.id, a.id, a_child_new.id, a_new_reply.id]
    assert [m.sibling_ids for m in through_a][1:3] == [
        (a.id, b.id),
        (a_child_old.id, a_child_new.id),
    ]
    # Selecting a leaf shows exactly the branch up to it.
    assert _ids(store.select_branch(conversation.id, a_child_old.id)) == [
        root.id,
        a.id,
        a_child_old.id,
    ]


def test_a_plain_append_follows_the_branch_shown(store: HistoryStore) -> None:
    conversation = store.create_conversation()
    user, old_reply = _exchange(store, conversation.id, "q")
    store.add_message(conversation.id, "assistant", "other answer", parent_id=user.id)
    store.select_branch(conversation.id, old_reply.id)

    follow_up = store.add_message(conversation.id, "user", "and then?")

    assert follow_up.parent_id == old_reply.id
    assert _ids(store.branch(conversation.id)) == [user.id, old_reply.id, follow_up.id]


def test_parent_and_branch_must_belong_to_the_conversation(store: HistoryStore) -> None:
    mine = store.create_conversation()
    other = store.create_conversation()
    foreign = store.add_message(other.id, "user", "not yours")

    with pytest.raises(ValueError, match="belongs to conversation"):
        store.add_message(mine.id, "user", "x", parent_id=foreign.id)
    with pytest.raises(ValueError, match="belongs to conversation"):
        store.start_reply(mine.id, model=None, parent_id=foreign.id)
    with pytest.raises(ValueError, match="belongs to conversation"):
        store.select_branch(mine.id, foreign.id)
    with pytest.raises(ConversationNotFoundError):
        store.add_message(mine.id, "user", "x", parent_id=foreign.id + 100)
    assert store.list_messages(mine.id) == []


def test_parent_none_starts_a_new_root(store: HistoryStore) -> None:
    conversation = store.create_conversation()
    first = store.add_message(conversation.id, "user", "first")
    second = store.add_message(conversation.id, "user", "again", parent_id=None)

    branch = store.branch(conversation.id)
    assert _ids(branch) == [second.id]
    assert branch[0].sibling_ids == (first.id, second.id)


def test_deleting_a_message_takes_its_descendants_and_moves_the_leaf(
    store: HistoryStore, raw
) -> None:
    conversation = store.create_conversation()
    user, first_reply = _exchange(store, conversation.id, "q")
    second_reply = store.add_message(conversation.id, "assistant", "second", parent_id=user.id)
    follow_up = store.add_message(conversation.id, "user", "more")

    store.delete_message(second_reply.id)

    assert _ids(store.list_messages(conversation.id)) == [user.id, first_reply.id]
    assert store.get_conversation(conversation.id).current_leaf_id == first_reply.id
    branch = store.branch(conversation.id)
    assert _ids(branch) == [user.id, first_reply.id]
    assert branch[1].sibling_ids == (first_reply.id,)
    assert raw.query("SELECT count(*) FROM messages WHERE id = ?", (follow_up.id,)) == [(0,)]


def test_deleting_the_only_child_leaves_the_parent_as_the_leaf(store: HistoryStore) -> None:
    conversation = store.create_conversation()
    user, reply = _exchange(store, conversation.id, "q")

    store.delete_message(reply.id)

    assert store.get_conversation(conversation.id).current_leaf_id == user.id
    follow = store.start_reply(conversation.id, model=None)
    assert follow.parent_id == user.id


def test_deleting_off_the_shown_branch_leaves_the_branch_alone(store: HistoryStore) -> None:
    conversation = store.create_conversation()
    user, old_reply = _exchange(store, conversation.id, "q")
    new_reply = store.add_message(conversation.id, "assistant", "new", parent_id=user.id)

    store.delete_message(old_reply.id)

    assert store.get_conversation(conversation.id).current_leaf_id == new_reply.id
    assert store.branch(conversation.id)[-1].sibling_ids == (new_reply.id,)


def test_deleting_the_first_message_shows_another_root_or_nothing(store: HistoryStore) -> None:
    conversation = store.create_conversation()
    old_root = store.add_message(conversation.id, "user", "old")
    new_root = store.add_message(conversation.id, "user", "new", parent_id=None)
    store.add_message(conversation.id, "assistant", "reply to new")

    store.delete_message(new_root.id)
    assert _ids(store.branch(conversation.id)) == [old_root.id]

    store.delete_message(old_root.id)
    assert store.get_conversation(conversation.id).current_leaf_id is None
    assert store.branch(conversation.id) == []
    again = store.add_message(conversation.id, "user", "start over")
    assert again.parent_id is None
    assert _ids(store.branch(conversation.id)) == [again.id]


def test_deleting_a_missing_message_raises_not_found(store: HistoryStore) -> None:
    conversation = store.create_conversation()
    message = store.add_message(conversation.id, "user", "q")
    store.delete_message(message.id)
    with pytest.raises(ConversationNotFoundError, match=f"Message {message.id} does not exist"):
        store.delete_message(message.id)


def test_a_deleted_streaming_reply_can_no_longer_be_written(store: HistoryStore) -> None:
    conversation = store.create_conversation()
    store.add_message(conversation.id, "user", "q")
    reply = store.start_reply(conversation.id, model=None)

    store.delete_message(reply.id)

    with pytest.raises(ConversationNotFoundError):
        store.update_reply(reply.id, "late text")
    with pytest.raises(ConversationNotFoundError):
        store.finish_reply(reply.id, content="late text", finish_reason="stop")


def _append_chain(raw, conversation_id: int, length: int, *, parent_id: int | None) -> list[int]:
    """Append ``length`` messages below ``parent_id`` in one transaction (the store's own
    add_message would take a transaction each); returns their ids."""
    (first_id,) = raw.query("SELECT coalesce(max(id), 0) + 1 FROM messages")[0]
    ids = list(range(first_id, first_id + length))
    now = "2025-01-01T00:00:00.000000+00:00"
    with closing(sqlite3.connect(raw.path)) as connection, connection:
        connection.executemany(
            "INSERT INTO messages (id, conversation_id, parent_id, role, content, created_at,"
            " updated_at, finish_reason) VALUES (?, ?, ?, 'user', ?, ?, ?, NULL)",
            [
                (message_id, conversation_id, parent, f"m{message_id}", now, now)
                for message_id, parent in zip(ids, [parent_id, *ids[:-1]], strict=True)
            ],
        )
        connection.execute(
            "UPDATE conversations SET current_leaf_id = ? WHERE id = ?", (ids[-1], conversation_id)
        )
    return ids


def test_long_chains_are_read_switched_and_deleted_whole(store: HistoryStore, raw) -> None:
    # SQLite runs ON DELETE CASCADE as nested triggers and gives up past 1,000 levels, which
    # is why deletes must not cascade message by message down a long chain.
    conversation = store.create_conversation()
    root = store.add_message(conversation.id, "user", "root")
    chain = [root.id, *_append_chain(raw, conversation.id, 1_500, parent_id=root.id)]
    alternative = store.add_message(conversation.id, "user", "alt", parent_id=root.id)

    branch = store.branch(conversation.id)
    assert _ids(branch) == [root.id, alternative.id]
    branch = store.select_branch(conversation.id, chain[1])
    assert _ids(branch) == chain
    assert branch[1].sibling_ids == (chain[1], alternative.id)

    store.delete_message(chain[1])
    assert _ids(store.branch(conversation.id)) == [root.id, alternative.id]

    more = _append_chain(raw, conversation.id, 1_200, parent_id=alternative.id)
    assert store.branch(conversation.id)[-1].id == more[-1]
    store.delete_conversation(conversation.id)
    assert raw.query("SELECT count(*) FROM messages") == [(0,)]


def test_resume_reply_reopens_a_finished_reply_for_more_text(store: HistoryStore, raw) -> None:
    conversation = store.create_conversation()
    user = store.add_message(conversation.id, "user", "write a poem")
    reply = store.start_reply(conversation.id, model="tiny")
    store.finish_reply(reply.id, content="Roses are", finish_reason="length", error=None)
    other = store.add_message(conversation.id, "assistant", "another version", parent_id=user.id)
    assert store.get_conversation(conversation.id).current_leaf_id == other.id

    resumed = store.resume_reply(reply.id)

    assert resumed.streaming
    assert (resumed.content, resumed.error) == ("Roses are", None)
    assert raw.query("SELECT writer FROM messages WHERE id = ?", (reply.id,)) == [
        (store.instance_id,)
    ]
    assert store.get_conversation(conversation.id).current_leaf_id == reply.id
    store.update_reply(reply.id, "Roses are red")
    done = store.finish_reply(reply.id, content="Roses are red.", finish_reason="stop")
    assert not done.streaming
    assert _ids(store.branch(conversation.id)) == [user.id, reply.id]


def test_only_finished_replies_can_be_resumed(store: HistoryStore) -> None:
    conversation = store.create_conversation()
    user = store.add_message(conversation.id, "user", "q")
    streaming = store.start_reply(conversation.id, model=None)

    with pytest.raises(ValueError, match="not a reply"):
        store.resume_reply(user.id)
    with pytest.raises(StorageError, match="still being written"):
        store.resume_reply(streaming.id)
    with pytest.raises(ConversationNotFoundError):
        store.resume_reply(streaming.id + 100)


def test_token_counts_are_stored_and_missing_ids_are_skipped(store: HistoryStore) -> None:
    conversation = store.create_conversation()
    user, reply = _exchange(store, conversation.id, "count me")
    gone = store.add_message(conversation.id, "user", "deleted before counting")
    store.delete_message(gone.id)

    store.set_token_counts({user.id: 3, reply.id: 5, gone.id: 7})
    store.set_token_counts({})

    assert [m.token_count for m in store.branch(conversation.id)] == [3, 5]


def test_pinned_conversations_come_first_without_changing_activity(
    store: HistoryStore,
) -> None:
    old = store.create_conversation("old")
    time.sleep(0.002)
    middle = store.create_conversation("middle")
    time.sleep(0.002)
    store.create_conversation("new")

    pinned = store.set_pinned(old.id, True)
    store.set_pinned(middle.id, True)

    assert pinned.pinned
    assert pinned.updated_at == old.updated_at
    assert [c.title for c in store.list_conversations()] == ["middle", "old", "new"]
    store.set_pinned(middle.id, False)
    assert [c.title for c in store.list_conversations()] == ["old", "new", "middle"]
    assert [c.pinned for c in store.list_conversations()] == [True, False, False]
    with pytest.raises(ConversationNotFoundError):
        store.set_pinned(old.id + 100, True)


def test_appends_from_many_threads_still_form_one_chain(store: HistoryStore) -> None:
    conversation = store.create_conversation()
    threads_count, per_thread = 4, 15
    barrier = threading.Barrier(threads_count)
    failures: list[BaseException] = []

    def append(worker: int) -> None:
        barrier.wait()
        try:
            for i in range(per_thread):
                store.add_message(conversation.id, "user", f"{worker}-{i}")
        except BaseException as error:  # reported below, on the test's thread
            failures.append(error)

    threads = [threading.Thread(target=append, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    messages = store.list_messages(conversation.id)
    assert len(messages) == threads_count * per_thread
    # Each message follows the one written just before it: no two share a parent.
    assert [m.parent_id for m in messages] == [None, *_ids(messages)[:-1]]
    assert _ids(store.branch(conversation.id)) == _ids(messages)
