"""ModelRegistry: the installed model files, kept in the history database beside the chats.

Thread-safe like the history store: every call runs in its own short session on the calling
thread. Get one from an open store (``store.models``) or build it on a ``SessionFactory``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from desktop_llm.storage.orm import InstalledModelRow
from desktop_llm.storage.records import MODEL_SOURCES, ModelRecord
from desktop_llm.storage.row_mapping import dump_json_object, model_record
from desktop_llm.storage.session_factory import SessionFactory


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _normalized_model_path(path: Path) -> Path:
    # Absolute and without "..", but symlinks kept: the user chose that name for the file.
    return Path(os.path.abspath(Path(path).expanduser()))


class ModelRegistry:
    """The model files the app knows about, one entry per path, each with a unique name."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    def register_model(
        self,
        *,
        name: str,
        path: Path,
        size_bytes: int,
        source: str,
        sha256: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> ModelRecord:
        """Add a model file, or refresh the entry that already has this path.

        A refreshed entry keeps its name, and keeps its sha256 and metadata when they are not
        passed. A new entry whose name is taken by another file gets "name (2)", "name (3)"...
        """
        if source not in MODEL_SOURCES:
            raise ValueError(f"source must be one of {', '.join(MODEL_SOURCES)}, not {source!r}")
        model_path = _normalized_model_path(path)
        with self._sessions.writing() as session:
            row = session.scalars(
                select(InstalledModelRow).where(InstalledModelRow.path == str(model_path))
            ).one_or_none()
            if row is None:
                row = InstalledModelRow(
                    name=self._unused_model_name(session, name.strip() or model_path.stem),
                    path=str(model_path),
                    size_bytes=size_bytes,
                    source=source,
                    sha256=sha256,
                    added_at=_now(),
                    metadata_json=dump_json_object(metadata),
                )
                session.add(row)
                session.flush()
            else:
                row.size_bytes = size_bytes
                row.source = source
                if sha256 is not None:
                    row.sha256 = sha256
                if metadata is not None:
                    row.metadata_json = dump_json_object(metadata)
            return model_record(row)

    @staticmethod
    def _unused_model_name(session: Session, wanted: str) -> str:
        taken = set(
            session.scalars(
                select(InstalledModelRow.name).where(
                    or_(
                        InstalledModelRow.name == wanted,
                        InstalledModelRow.name.startswith(f"{wanted} (", autoescape=True),
                    )
                )
            )
        )
        candidate, number = wanted, 1
        while candidate in taken:
            number += 1
            candidate = f"{wanted} ({number})"
        return candidate

    def list_models(self) -> list[ModelRecord]:
        """Installed models sorted by name, ignoring case."""
        query = select(InstalledModelRow).order_by(
            func.lower(InstalledModelRow.name), InstalledModelRow.name
        )
        with self._sessions.reading() as session:
            return [model_record(row) for row in session.scalars(query)]

    def get_model(self, name: str) -> ModelRecord | None:
        query = select(InstalledModelRow).where(InstalledModelRow.name == name)
        with self._sessions.reading() as session:
            row = session.scalars(query).one_or_none()
            return None if row is None else model_record(row)

    def find_model_by_path(self, path: Path) -> ModelRecord | None:
        model_path = str(_normalized_model_path(path))
        query = select(InstalledModelRow).where(InstalledModelRow.path == model_path)
        with self._sessions.reading() as session:
            row = session.scalars(query).one_or_none()
            return None if row is None else model_record(row)

    def remove_model(self, name: str) -> bool:
        """Forget a model (the file itself is not touched); False when no such name."""
        with self._sessions.writing() as session:
            result = session.execute(
                delete(InstalledModelRow).where(InstalledModelRow.name == name)
            )
            return result.rowcount > 0
