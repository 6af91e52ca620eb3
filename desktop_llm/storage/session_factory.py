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
from desktop_llm.i18n import translatable, translate
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
            raise StorageError(translate(
                "Storage", "Could not create the folder for the history database {path}: {problem}."
            ).format(path=db_path, problem=error.strerror or error)) from error
        engine = create_database_engine(db_path)
        try:
            apply_migrations(engine, label=str(db_path))
        except (SQLAlchemyError, sqlite3.Error) as error:
            engine.dispose()
            if is_not_a_database(error):
                raise StorageError(translate(
                    "Storage",
                    "{path} is not a desktop-llm history database (file is not a database).",
                ).format(path=db_path)) from error
            raise StorageError(translate(
                "Storage", "Could not open the history database {path}: {problem}."
            ).format(path=db_path, problem=error_reason(error))) from error
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
        with self._translated_errors(
            translatable("Storage", "Could not read the chat history ({problem}).")
        ), self._reads.begin() as session:
            yield session

    @contextmanager
    def writing(self, *, quick: bool = False) -> Iterator[Session]:
        """A session in a ``BEGIN IMMEDIATE`` transaction, committed when the block ends.

        ``quick``: give up after a moment (``StorageBusyError``) rather than wait the full busy
        timeout while another writer (a long import) holds the lock."""
        factory = self._quick_writes if quick else self._writes
        with self._translated_errors(
            translatable("Storage", "Could not save to the chat history ({problem}).")
        ), factory.begin() as session:
            yield session

    @contextmanager
    def _translated_errors(self, failed: str) -> Iterator[None]:
        """SQLAlchemy's errors as ``failed`` (a template marked ``translatable``, with the
        driver's own words as ``{problem}``)."""
        if self._closed:
            raise StorageError(
                translate("Storage", "The chat history database is already closed.")
            )
        try:
            yield
        except SQLAlchemyError as error:
            kind = StorageBusyError if is_busy(error) else StorageError
            raise kind(
                translate("Storage", failed).format(problem=error_reason(error))
            ) from error
