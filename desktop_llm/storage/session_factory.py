"""SessionFactory: the history file opened and migrated once, then short sessions on it.

The history store and the model registry keep their tables in the same file and share one
factory, so they share its engine, its transaction modes and its wording of errors.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from desktop_llm.errors import StorageBusyError, StorageError
from desktop_llm.storage.database import (
    QUICK_BUSY_TIMEOUT_MS,
    create_database_engine,
    error_reason,
    for_writing,
    is_busy,
    is_not_a_database,
)
from desktop_llm.storage.migrations import apply_migrations


class SessionFactory:
    """Hands out one short session per operation; create it with ``SessionFactory.open(path)``.

    Thread-safe: each session lives and dies on the thread that asked for it.
    """

    def __init__(self, db_path: Path, engine: Engine) -> None:
        self._db_path = db_path
        self._engine = engine
        self._reads = sessionmaker(bind=engine, expire_on_commit=False)
        self._writes = sessionmaker(bind=for_writing(engine), expire_on_commit=False)
        # Its own connections: SQLite's busy timeout is a setting of the connection.
        self._quick_engine = create_database_engine(
            db_path, busy_timeout_ms=QUICK_BUSY_TIMEOUT_MS
        )
        self._quick_writes = sessionmaker(
            bind=for_writing(self._quick_engine), expire_on_commit=False
        )
        self._close_lock = threading.Lock()
        self._closed = False

    @classmethod
    def open(cls, db_path: Path) -> SessionFactory:
        """Open (creating if needed) and migrate the database."""
        db_path = Path(db_path)
        try:
            db_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StorageError(
                f"Could not create the folder for the history database {db_path}: "
                f"{error.strerror or error}."
            ) from error
        engine = create_database_engine(db_path)
        try:
            apply_migrations(engine, label=str(db_path))
        except (SQLAlchemyError, sqlite3.Error) as error:
            engine.dispose()
            if is_not_a_database(error):
                raise StorageError(
                    f"{db_path} is not a desktop-llm history database (file is not a database)."
                ) from error
            raise StorageError(
                f"Could not open the history database {db_path}: {error_reason(error)}."
            ) from error
        except BaseException:
            engine.dispose()
            raise
        return cls(db_path, engine)

    @property
    def path(self) -> Path:
        return self._db_path

    def close(self) -> None:
        """Close the database; later sessions raise StorageError. Safe to call more than once."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        self._engine.dispose()
        self._quick_engine.dispose()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session in a plain ``BEGIN`` transaction, committed when the block ends."""
        with self._translated_errors("read"), self._reads.begin() as session:
            yield session

    @contextmanager
    def writing(self, *, quick: bool = False) -> Iterator[Session]:
        """A session in a ``BEGIN IMMEDIATE`` transaction, committed when the block ends.

        ``quick``: give up after a moment (``StorageBusyError``) rather than wait the full busy
        timeout while another writer (a long import) holds the lock."""
        factory = self._quick_writes if quick else self._writes
        with self._translated_errors("save to"), factory.begin() as session:
            yield session

    @contextmanager
    def _translated_errors(self, verb: str) -> Iterator[None]:
        if self._closed:
            raise StorageError("The chat history database is already closed.")
        try:
            yield
        except SQLAlchemyError as error:
            kind = StorageBusyError if is_busy(error) else StorageError
            raise kind(
                f"Could not {verb} the chat history ({error_reason(error)})."
            ) from error
