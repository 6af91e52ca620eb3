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

from desktop_llm.errors import StorageError
from desktop_llm.storage.database import (
    create_database_engine,
    error_reason,
    for_writing,
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

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session in a plain ``BEGIN`` transaction, committed when the block ends."""
        with self._translated_errors("read"), self._reads.begin() as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A session in a ``BEGIN IMMEDIATE`` transaction, committed when the block ends."""
        with self._translated_errors("save to"), self._writes.begin() as session:
            yield session

    @contextmanager
    def _translated_errors(self, verb: str) -> Iterator[None]:
        if self._closed:
            raise StorageError("The chat history database is already closed.")
        try:
            yield
        except SQLAlchemyError as error:
            raise StorageError(
                f"Could not {verb} the chat history ({error_reason(error)})."
            ) from error
