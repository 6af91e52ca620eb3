"""Fixtures for the storage tests: real SQLite files in a per-test temporary folder."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from desktop_llm.storage import HistoryStore, ModelRegistry


class RawDatabase:
    """The history file seen through plain sqlite3, as an outside observer (or vandal) sees it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def query(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with closing(sqlite3.connect(self.path)) as connection:
            return connection.execute(sql, parameters).fetchall()

    def execute(self, sql: str, parameters: tuple[Any, ...] = ()) -> None:
        with closing(sqlite3.connect(self.path)) as connection, connection:
            connection.execute(sql, parameters)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "history.sqlite3"


@pytest.fixture
def raw(db_path: Path) -> RawDatabase:
    return RawDatabase(db_path)


@pytest.fixture
def store(db_path: Path) -> Iterator[HistoryStore]:
    with HistoryStore.open(db_path) as opened:
        yield opened


@pytest.fixture
def registry(store: HistoryStore) -> ModelRegistry:
    return store.models
