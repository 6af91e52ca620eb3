"""Opening, migrating and refusing databases the store cannot use."""

from __future__ import annotations

import threading
from datetime import timezone
from pathlib import Path

import pytest
from sqlalchemy import Connection

from desktop_llm.errors import StorageError
from desktop_llm.storage import HistoryStore
from desktop_llm.storage.database import create_database_engine
from desktop_llm.storage.migrations import MIGRATIONS, apply_migrations


def test_first_open_creates_folder_and_records_every_migration(db_path: Path, raw) -> None:
    assert not db_path.parent.exists()
    with HistoryStore.open(db_path):
        pass
    rows = raw.query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
    assert [(version, name) for version, name, _ in rows] == [
        (index + 1, step.__name__) for index, step in enumerate(MIGRATIONS)
    ]
    assert rows[0][1] == "m001_initial_schema"
    tables = {name for (name,) in raw.query("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"conversations", "messages", "installed_models", "schema_migrations"} <= tables


def test_reopening_applies_nothing_and_keeps_data(db_path: Path, raw) -> None:
    with HistoryStore.open(db_path) as store:
        conversation = store.create_conversation("kept")
    before = raw.query("SELECT * FROM schema_migrations")

    with HistoryStore.open(db_path) as store:
        assert [c.id for c in store.list_conversations()] == [conversation.id]

    assert raw.query("SELECT * FROM schema_migrations") == before


def test_migration_runner_reports_what_was_applied_before(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    engine = create_database_engine(db_path)
    try:
        assert apply_migrations(engine, label="test") == []
        applied = apply_migrations(engine, label="test")
    finally:
        engine.dispose()
    assert [m.version for m in applied] == list(range(1, len(MIGRATIONS) + 1))
    assert all(m.applied_at.utcoffset() == timezone.utc.utcoffset(None) for m in applied)


def test_failing_migration_rolls_back_its_ddl_and_is_not_recorded(db_path: Path, raw) -> None:
    def m002_breaks_halfway(connection: Connection) -> None:
        connection.exec_driver_sql("CREATE TABLE half_done (id INTEGER PRIMARY KEY)")
        raise RuntimeError("migration bug")

    db_path.parent.mkdir(parents=True)
    engine = create_database_engine(db_path)
    try:
        with pytest.raises(RuntimeError, match="migration bug"):
            apply_migrations(engine, label="test", migrations=[*MIGRATIONS, m002_breaks_halfway])
    finally:
        engine.dispose()

    tables = {name for (name,) in raw.query("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "half_done" not in tables
    assert "conversations" in tables
    assert raw.query("SELECT max(version) FROM schema_migrations") == [(len(MIGRATIONS),)]


def test_newer_schema_version_is_refused_with_a_clear_message(db_path: Path, raw) -> None:
    with HistoryStore.open(db_path):
        pass
    future = len(MIGRATIONS) + 1
    raw.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
        (future, "m999_from_the_future", "2099-01-01T00:00:00.000000+00:00"),
    )

    with pytest.raises(StorageError, match="newer version of desktop-llm") as caught:
        HistoryStore.open(db_path)

    assert f"version {future}" in str(caught.value)
    assert str(db_path) in str(caught.value)
    assert not list((db_path.parent / "instances").glob("*.lock"))


def test_garbage_file_is_refused_with_a_clear_message(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    garbage = b"this is a text file, not SQLite\n" * 200
    db_path.write_bytes(garbage)

    with pytest.raises(StorageError) as caught:
        HistoryStore.open(db_path)

    assert str(caught.value) == (
        f"{db_path} is not a desktop-llm history database (file is not a database)."
    )
    assert db_path.read_bytes() == garbage


def test_someone_elses_sqlite_database_is_refused_and_left_alone(db_path: Path, raw) -> None:
    db_path.parent.mkdir(parents=True)
    raw.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")

    with pytest.raises(StorageError, match="is not a desktop-llm history database"):
        HistoryStore.open(db_path)

    tables = {name for (name,) in raw.query("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"notes"}


def test_database_uses_write_ahead_logging(store: HistoryStore, raw) -> None:
    store.create_conversation()
    assert raw.query("PRAGMA journal_mode") == [("wal",)]


def test_stores_opening_a_new_file_at_once_migrate_it_exactly_once(db_path: Path, raw) -> None:
    count = 6
    barrier = threading.Barrier(count)
    stores: list[HistoryStore] = []
    failures: list[BaseException] = []
    guard = threading.Lock()

    def open_store() -> None:
        barrier.wait()
        try:
            opened = HistoryStore.open(db_path)
        except BaseException as error:
            with guard:
                failures.append(error)
            return
        with guard:
            stores.append(opened)

    threads = [threading.Thread(target=open_store) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for opened in stores:
        opened.close()

    assert failures == []
    assert len(stores) == count
    assert len({s.instance_id for s in stores}) == count
    assert raw.query("SELECT count(*) FROM schema_migrations") == [(len(MIGRATIONS),)]


def test_a_closed_store_refuses_work_and_closing_twice_is_harmless(db_path: Path) -> None:
    store = HistoryStore.open(db_path)
    store.close()
    store.close()
    with pytest.raises(StorageError, match="closed"):
        store.list_conversations()
