"""The migrations and the ORM classes must describe the same schema, or queries break."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Table, UniqueConstraint, create_engine, inspect, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import URL

from desktop_llm.storage import HistoryStore
from desktop_llm.storage.orm import SEARCH_INDEX_TABLE, Base


def _affinity(declared_type: str) -> str:
    """SQLite's type affinity rules (https://sqlite.org/datatype3.html, section 3.1)."""
    declared = declared_type.upper()
    if "INT" in declared:
        return "INTEGER"
    if any(word in declared for word in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if any(word in declared for word in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC" if declared else "BLOB"


def _default_text(default: Any) -> str | None:
    if default is None:
        return None
    return str(getattr(default, "arg", default)).strip("'")


def _orm_shape(table: Table) -> dict[str, Any]:
    dialect = sqlite.dialect()
    return {
        "columns": {
            column.name: (
                _affinity(str(column.type.compile(dialect=dialect))),
                column.nullable,
                column.primary_key,
                _default_text(column.server_default),
            )
            for column in table.columns
        },
        "foreign_keys": {
            (fk.parent.name, fk.column.table.name, fk.column.name, fk.ondelete)
            for fk in table.foreign_keys
        },
        "indexes": {
            (index.name, tuple(c.name for c in index.columns), bool(index.unique))
            for index in table.indexes
        },
        "unique": {
            tuple(c.name for c in constraint.columns)
            for constraint in table.constraints
            if isinstance(constraint, UniqueConstraint)
        },
        "autoincrement": bool(table.dialect_options["sqlite"]["autoincrement"]),
    }


def _database_shape(inspector: Any, connection: Connection, table: str) -> dict[str, Any]:
    primary_key = set(inspector.get_pk_constraint(table)["constrained_columns"])
    create_sql = connection.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
        {"name": table},
    ).scalar_one()
    # SQLAlchemy's reflection misses ON DELETE on inline REFERENCES clauses; ask SQLite itself.
    foreign_keys = connection.execute(
        text('SELECT "from", "table", "to", on_delete FROM pragma_foreign_key_list(:name)'),
        {"name": table},
    ).all()
    return {
        "columns": {
            column["name"]: (
                _affinity(str(column["type"])),
                column["nullable"],
                column["name"] in primary_key,
                _default_text(column["default"]),
            )
            for column in inspector.get_columns(table)
        },
        "foreign_keys": {
            (
                column,
                referred_table,
                referred_column,
                None if on_delete == "NO ACTION" else on_delete,
            )
            for column, referred_table, referred_column, on_delete in foreign_keys
        },
        "indexes": {
            (index["name"], tuple(index["column_names"]), bool(index["unique"]))
            for index in inspector.get_indexes(table)
        },
        "unique": {
            tuple(constraint["column_names"])
            for constraint in inspector.get_unique_constraints(table)
        },
        "autoincrement": "AUTOINCREMENT" in create_sql.upper(),
    }


@pytest.fixture
def migrated(db_path: Path) -> Iterator[Connection]:
    """A connection to a database built by the migrations alone."""
    with HistoryStore.open(db_path):
        pass
    engine = create_engine(URL.create("sqlite+pysqlite", database=str(db_path)))
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def _is_search_index(name: str) -> bool:
    # The FTS5 table and the shadow tables SQLite creates for it ("<name>_data", ...).
    return name == SEARCH_INDEX_TABLE or name.startswith(f"{SEARCH_INDEX_TABLE}_")


def test_migrated_tables_are_exactly_the_orm_tables(migrated: Connection) -> None:
    names = inspect(migrated).get_table_names()
    assert {
        name for name in names if not name.startswith("sqlite_") and not _is_search_index(name)
    } == set(Base.metadata.tables)


def test_the_search_index_is_an_fts5_trigram_table(migrated: Connection) -> None:
    create_sql = migrated.execute(
        text("SELECT sql FROM sqlite_master WHERE name = :name"), {"name": SEARCH_INDEX_TABLE}
    ).scalar_one()
    assert "fts5" in create_sql.lower()
    assert "trigram" in create_sql.lower()


@pytest.mark.parametrize("table_name", sorted(Base.metadata.tables))
def test_migrated_table_matches_its_orm_class(migrated: Connection, table_name: str) -> None:
    expected = _orm_shape(Base.metadata.tables[table_name])
    actual = _database_shape(inspect(migrated), migrated, table_name)
    assert actual["columns"]  # a vacuous comparison of two empty shapes would prove nothing
    assert actual == expected
