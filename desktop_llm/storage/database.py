"""The SQLite engine: connection pragmas, transaction start modes and error wording."""

from __future__ import annotations

import functools
import logging
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL

log = logging.getLogger(__name__)

# How long a writer waits for another thread or process to commit before giving up.
BUSY_TIMEOUT_MS = 10_000
# Saves that may simply be tried again later (a streaming reply's text) wait only this long:
# the thread doing them also hands the text on to the window, which must not stall.
QUICK_BUSY_TIMEOUT_MS = 100
_WRITE_OPTION = "desktop_llm_write"
_SQLITE_BUSY = 5
_SQLITE_NOTADB = 26


def create_database_engine(db_path: Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Engine:
    """An engine for the history file; use ``for_writing`` for transactions that write."""
    engine = create_engine(URL.create("sqlite+pysqlite", database=str(db_path)))
    event.listen(
        engine, "connect", functools.partial(_configure_connection, busy_timeout_ms=busy_timeout_ms)
    )
    event.listen(engine, "begin", _begin_transaction)
    return engine


def for_writing(engine: Engine) -> Engine:
    """A view of ``engine`` whose transactions start with ``BEGIN IMMEDIATE``.

    A deferred transaction that reads and then writes fails at once with "database is locked"
    (no busy wait) when another connection committed in between; taking the write lock up front
    makes concurrent writers queue on the busy timeout instead.
    """
    return engine.execution_options(**{_WRITE_OPTION: True})


def _configure_connection(
    dbapi_connection: sqlite3.Connection, _record: Any, *, busy_timeout_ms: int
) -> None:
    # Hand transaction control to _begin_transaction: pysqlite's own handling starts transactions
    # lazily and not before DDL, which would make migrations non-atomic (SQLAlchemy's recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        # PRAGMA takes no bound parameters; the value is one of this module's integer constants.
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        mode = _switch_to_wal(cursor)
        if mode != "wal":
            # Happens on file systems without shared memory; still correct, just less concurrent.
            log.warning("SQLite refused WAL mode (journal_mode=%s); continuing without it", mode)
        # In WAL mode NORMAL still survives a killed process; only power loss can lose the
        # last commits, and it saves an fsync per streamed update.
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _switch_to_wal(cursor: sqlite3.Cursor) -> str:
    """Turn on WAL (a lasting property of the file) and return the journal mode now in force."""
    mode = str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower()
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while mode != "wal":
        try:
            mode = str(cursor.execute("PRAGMA journal_mode = WAL").fetchone()[0]).lower()
        except sqlite3.OperationalError as error:
            # Switching needs an exclusive lock and SQLite does not run the busy handler for it,
            # so two processes opening a new file at once would fail without this retry.
            if not _is_busy(error) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)
        else:
            break
    return mode


def is_busy(error: BaseException) -> bool:
    """True when the database was locked by another writer for longer than the wait allowed."""
    original = getattr(error, "orig", None) or error
    return isinstance(original, sqlite3.Error) and _is_busy(original)


def _is_busy(error: sqlite3.Error) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF == _SQLITE_BUSY
    # Python 3.10 has no sqlite_errorcode; this is SQLite's fixed text for SQLITE_BUSY.
    return "database is locked" in str(error)


def _begin_transaction(connection: Connection) -> None:
    if connection.get_execution_options().get(_WRITE_OPTION):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


def error_reason(error: BaseException) -> str:
    """The driver's own words for a database error ("database is locked"), without SQL."""
    original = getattr(error, "orig", None) or error
    return str(original).strip() or type(original).__name__


def is_not_a_database(error: BaseException) -> bool:
    """True when SQLite rejected the file itself (garbage, encrypted or truncated header)."""
    original = getattr(error, "orig", None) or error
    if getattr(original, "sqlite_errorcode", None) == _SQLITE_NOTADB:
        return True
    # Python 3.10 has no sqlite_errorcode; the message is SQLite's fixed text for SQLITE_NOTADB.
    return "file is not a database" in str(original)
