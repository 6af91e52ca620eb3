"""Migration m002: yesterday's flat histories become message trees with a search index."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_llm.storage import HistoryStore
from desktop_llm.storage.database import create_database_engine
from desktop_llm.storage.migrations import MIGRATIONS, apply_migrations

_NOW = "2025-03-01T10:00:00.000000+00:00"


@pytest.fixture
def version_1_file(db_path: Path, raw) -> Path:
    """A database as the previous release left it: two interleaved chats and a dead stream."""
    db_path.parent.mkdir(parents=True)
    engine = create_database_engine(db_path)
    try:
        apply_migrations(engine, label="v1", migrations=MIGRATIONS[:1])
    finally:
        engine.dispose()
    for conversation_id, title in ((1, "Cooking"), (2, "语言模型 notes"), (3, "Empty")):
        raw.execute(
            "INSERT INTO conversations (id, title, created_at, updated_at) VALUES (?, ?, ?, ?)",
            (conversation_id, title, _NOW, _NOW),
        )
    rows = [
        (1, "system", "Be a chef.", "stop"),
        (1, "user", "How long do I boil an egg?", None),
        (2, "user", "什么是大语言模型？", None),
        (1, "assistant", "Nine minutes for a hard-boiled egg.", "stop"),
        (2, "assistant", "大语言模型是一种神经网络。", "stop"),
        (1, "user", "And a soft one?", None),
        # Its writer died mid-stream before the upgrade.
        (1, "assistant", "About six minu", None),
    ]
    for conversation_id, role, content, finish_reason in rows:
        raw.execute(
            "INSERT INTO messages (conversation_id, role, content, created_at, updated_at,"
            " finish_reason, writer) VALUES (?, ?, ?, ?, ?, ?, NULL)",
            (conversation_id, role, content, _NOW, _NOW, finish_reason),
        )
    return db_path


def test_each_message_follows_the_previous_one_of_its_conversation(
    version_1_file: Path, raw
) -> None:
    with HistoryStore.open(version_1_file) as store:
        cooking = store.branch(1)
        notes = store.branch(2)
        assert store.branch(3) == []
        conversations = {c.id: c for c in store.list_conversations()}

    assert [m.id for m in cooking] == [1, 2, 4, 6, 7]
    assert [m.parent_id for m in cooking] == [None, 1, 2, 4, 6]
    assert [m.id for m in notes] == [3, 5]
    assert [m.parent_id for m in notes] == [None, 3]
    assert all(len(m.sibling_ids) == 1 for m in cooking + notes)
    assert all(m.reasoning == "" and m.token_count is None for m in cooking + notes)
    assert {i: (c.current_leaf_id, c.pinned) for i, c in conversations.items()} == {
        1: (7, False),
        2: (5, False),
        3: (None, False),
    }
    assert raw.query("SELECT max(version) FROM schema_migrations") == [(len(MIGRATIONS),)]


def test_old_messages_are_searchable_and_the_dead_stream_once_recovered(
    version_1_file: Path, raw
) -> None:
    with HistoryStore.open(version_1_file) as store:
        assert [(h.conversation_id, h.message_id) for h in store.search("how long")] == [(1, 2)]
        assert [(h.conversation_id, h.message_id) for h in store.search("大语言模型")] == [(2, 5)]
        # Still marked as streaming: not indexed until it is finished or recovered.
        assert store.search("six minu") == []

        assert store.recover_interrupted() == 1

        hits = store.search("six minu")
        assert [(h.conversation_id, h.message_id, h.role) for h in hits] == [(1, 7, "assistant")]
    # The index agrees with its content (FTS5 raises if it does not).
    raw.execute("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")


def test_the_migrated_file_keeps_working_for_new_messages(version_1_file: Path) -> None:
    with HistoryStore.open(version_1_file) as store:
        follow_up = store.add_message(2, "user", "Give an example")
        assert follow_up.parent_id == 5
        assert [m.id for m in store.branch(2)][-1] == follow_up.id
        store.delete_conversation(1)
        assert store.search("egg") == []


def test_an_sqlite_too_old_for_search_is_refused_with_the_history_untouched(
    version_1_file: Path, raw, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from desktop_llm.errors import StorageError

    # This machine's SQLite is new enough; an old one (Ubuntu 20.04 has 3.31) is played here.
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 31, 1))
    monkeypatch.setattr(sqlite3, "sqlite_version", "3.31.1")
    with pytest.raises(StorageError, match=r"SQLite 3\.34 or newer.*has SQLite 3\.31\.1"):
        HistoryStore.open(version_1_file)
    # Still a version 1 history, whole: opened by a newer Python later, it upgrades then.
    assert raw.query("SELECT version FROM schema_migrations") == [(1,)]
    assert raw.query("SELECT count(*) FROM messages") == [(7,)]
    monkeypatch.undo()
    with HistoryStore.open(version_1_file) as store:
        assert len(store.list_conversations()) == 3
