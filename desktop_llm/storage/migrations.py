"""The history schema as an ordered list of migrations (the simonw/llm pattern).

Each migration is a function that receives a connection inside its own ``BEGIN IMMEDIATE``
transaction; its position in ``MIGRATIONS`` (1-based) is its version. Once released, a migration
is never edited: change the schema by appending a new one. The DDL is written out by hand rather
than generated from ``orm.py`` so that old migrations keep meaning what they meant when shipped.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Connection, Engine, text

from desktop_llm.errors import StorageError
from desktop_llm.i18n import translate
from desktop_llm.storage.database import for_writing

Migration = Callable[[Connection], None]

MIGRATIONS: list[Migration] = []


def migration(function: Migration) -> Migration:
    """Append ``function`` to ``MIGRATIONS``; definition order is application order."""
    MIGRATIONS.append(function)
    return function


@dataclass(frozen=True)
class AppliedMigration:
    version: int
    name: str
    applied_at: datetime


def apply_migrations(
    engine: Engine, *, label: str, migrations: Sequence[Migration] = MIGRATIONS
) -> list[AppliedMigration]:
    """Bring the database up to date and return what had been applied before this call.

    Safe to run from several processes at once: each step re-reads the applied versions after
    taking the write lock, so a migration another process just applied is not run twice.
    ``label`` names the database in error messages (usually its path).
    """
    writer = for_writing(engine)
    already_applied: list[AppliedMigration] | None = None
    while True:
        with writer.begin() as connection:
            applied = _applied_versions(connection, label)
            if already_applied is None:
                already_applied = applied
            newest = max((m.version for m in applied), default=0)
            if newest > len(migrations):
                raise StorageError(translate(
                    "Storage",
                    "{label} was written by a newer version of desktop-llm (history schema "
                    "version {version}; this version knows up to {known}). Update desktop-llm "
                    "to open it.",
                ).format(label=label, version=newest, known=len(migrations)))
            if newest == len(migrations):
                return already_applied
            version = newest + 1
            step = migrations[version - 1]
            step(connection)
            connection.execute(
                text(
                    "INSERT INTO schema_migrations (version, name, applied_at) "
                    "VALUES (:version, :name, :applied_at)"
                ),
                {
                    "version": version,
                    "name": step.__name__,
                    "applied_at": datetime.now(timezone.utc).isoformat(timespec="microseconds"),
                },
            )


def _applied_versions(connection: Connection, label: str) -> list[AppliedMigration]:
    tables = set(
        connection.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        ).scalars()
    )
    if "schema_migrations" not in tables:
        if tables:
            # Someone else's SQLite file: running our first migration on it would mix schemas.
            raise StorageError(translate(
                "Storage", "{label} is not a desktop-llm history database (it holds other tables)."
            ).format(label=label))
        connection.exec_driver_sql(
            "CREATE TABLE schema_migrations ("
            " version INTEGER NOT NULL PRIMARY KEY,"
            " name TEXT NOT NULL,"
            " applied_at TEXT NOT NULL)"
        )
        return []
    rows = connection.execute(
        text("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
    )
    return [
        AppliedMigration(version, name, datetime.fromisoformat(applied_at))
        for version, name, applied_at in rows
    ]


@migration
def m001_initial_schema(connection: Connection) -> None:
    # Roles, finish reasons and model sources are checked in Python, not by CHECK constraints:
    # widening a CHECK in SQLite means rebuilding the table.
    for statement in (
        """
        CREATE TABLE conversations (
            id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
            title TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            model TEXT,
            system_prompt TEXT NOT NULL DEFAULT '',
            settings_json TEXT NOT NULL DEFAULT '{}'
        )
        """,
        "CREATE INDEX ix_conversations_updated_at ON conversations (updated_at)",
        """
        CREATE TABLE messages (
            id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
            conversation_id INTEGER NOT NULL
                REFERENCES conversations (id) ON DELETE CASCADE,
            role TEXT NOT NULL,
            content TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            model TEXT,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            tokens_per_second REAL,
            time_to_first_token REAL,
            finish_reason TEXT,
            error TEXT,
            writer TEXT
        )
        """,
        "CREATE INDEX ix_messages_conversation_id ON messages (conversation_id)",
        """
        CREATE TABLE installed_models (
            id INTEGER NOT NULL PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            path TEXT NOT NULL UNIQUE,
            size_bytes INTEGER NOT NULL,
            source TEXT NOT NULL,
            sha256 TEXT,
            added_at TEXT NOT NULL,
            metadata_json TEXT NOT NULL DEFAULT '{}'
        )
        """,
    ):
        connection.exec_driver_sql(statement)


# SQLite's trigram tokenizer, which finds words in any script (Chinese has no spaces).
TRIGRAM_SQLITE = (3, 34, 0)


def require_trigram_search() -> None:
    """Refuse, with the reason, before anything is changed on an SQLite too old for search."""
    if sqlite3.sqlite_version_info < TRIGRAM_SQLITE:
        raise StorageError(translate(
            "Storage",
            "desktop-llm needs SQLite 3.34 or newer to search conversations; this Python has "
            "SQLite {version}. Install a newer Python (the python.org installers include a "
            "recent SQLite); your history is unchanged.",
        ).format(version=sqlite3.sqlite_version))


@migration
def m002_message_tree(connection: Connection) -> None:
    require_trigram_search()
    # parent_id deliberately has no ON DELETE CASCADE: SQLite runs cascades as nested triggers
    # and refuses chains deeper than 1,000 ("too many levels of trigger recursion"), so deleting
    # a long conversation would fail. HistoryStore.delete_message deletes a whole subtree in one
    # statement instead, and the conversation's own cascade removes all its messages at once.
    for statement in (
        "ALTER TABLE messages ADD COLUMN parent_id INTEGER REFERENCES messages (id)",
        "ALTER TABLE messages ADD COLUMN reasoning TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE messages ADD COLUMN token_count INTEGER",
        "ALTER TABLE messages ADD COLUMN context_from_id INTEGER",
        "CREATE INDEX ix_messages_parent_id ON messages (parent_id)",
        "ALTER TABLE conversations ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE conversations ADD COLUMN current_leaf_id INTEGER",
        "CREATE INDEX ix_conversations_pinned_updated_at ON conversations (pinned, updated_at)",
        # Until now a conversation was a list: each message follows the one before it.
        """
        UPDATE messages SET parent_id = (
            SELECT max(previous.id) FROM messages AS previous
            WHERE previous.conversation_id = messages.conversation_id
              AND previous.id < messages.id
        )
        """,
        """
        UPDATE conversations SET current_leaf_id = (
            SELECT max(id) FROM messages WHERE messages.conversation_id = conversations.id
        )
        """,
        # The search index covers finished messages only: a streaming reply is rewritten every
        # half second, and indexing each version would churn the index for nothing. The view
        # is the index's content table, so 'rebuild' and 'integrity-check' agree with it.
        """
        CREATE VIEW searchable_messages AS
        SELECT id, content FROM messages
        WHERE NOT (role = 'assistant' AND finish_reason IS NULL)
        """,
        # trigram: substring search that needs no word boundaries, so Chinese and Japanese work.
        """
        CREATE VIRTUAL TABLE messages_fts USING fts5(
            content, content = 'searchable_messages', content_rowid = 'id', tokenize = 'trigram'
        )
        """,
        """
        CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
        WHEN NOT (new.role = 'assistant' AND new.finish_reason IS NULL)
        BEGIN
            INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);
        END
        """,
        """
        CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
        WHEN NOT (old.role = 'assistant' AND old.finish_reason IS NULL)
        BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, content)
            VALUES ('delete', old.id, old.content);
        END
        """,
        # One trigger for both halves, so the old entry always leaves before the new one lands.
        """
        CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, role, finish_reason
        ON messages
        BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, content)
            SELECT 'delete', old.id, old.content
            WHERE NOT (old.role = 'assistant' AND old.finish_reason IS NULL);
            INSERT INTO messages_fts (rowid, content)
            SELECT new.id, new.content
            WHERE NOT (new.role = 'assistant' AND new.finish_reason IS NULL);
        END
        """,
        "INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')",
    ):
        connection.exec_driver_sql(statement)


@migration
def m003_message_owner_index(connection: Connection) -> None:
    # Search walks the index's matches newest first and needs each one's conversation. Read
    # through this narrow index, the run of ids that belong to one conversation costs a few
    # pages instead of a pass over the messages' text (see search.py).
    connection.exec_driver_sql(
        "CREATE INDEX ix_messages_id_conversation_id ON messages (id, conversation_id)"
    )
