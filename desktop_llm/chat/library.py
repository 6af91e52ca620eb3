"""The installed models: the registry in the history database plus the bundled default."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from desktop_llm.bundled_model import DEFAULT_MODEL, default_model_path
from desktop_llm.errors import ModelNotFoundError
from desktop_llm.storage import HistoryStore, ModelRecord


@dataclass(frozen=True)
class ModelChoice:
    """A model to load: a registered one, or a file named on the command line."""

    name: str
    path: Path


class ModelLibrary:
    def __init__(self, store: HistoryStore) -> None:
        self._store = store

    def register_bundled(self, path: Path | None = None) -> ModelRecord | None:
        """Register the default model shipped in ``models/``; a no-op when it is absent."""
        path = (path or default_model_path()).resolve()
        if not path.is_file():
            return None
        existing = self._store.find_model_by_path(path)
        if existing is not None:
            return existing
        return self._store.register_model(
            name=DEFAULT_MODEL.name,
            path=path,
            size_bytes=path.stat().st_size,
            source="bundled",
            sha256=DEFAULT_MODEL.sha256,
            metadata={"license": DEFAULT_MODEL.license},
        )

    def models(self) -> list[ModelRecord]:
        return self._store.list_models()

    def resolve(self, name_or_path: str) -> ModelChoice:
        """A registered model by name (any case), else an existing file path."""
        record = self._store.get_model(name_or_path)
        if record is None:
            wanted = name_or_path.casefold()
            record = next((m for m in self.models() if m.name.casefold() == wanted), None)
        if record is not None:
            return ModelChoice(record.name, record.path)
        candidate = Path(name_or_path).expanduser()
        if candidate.exists():
            registered = self._store.find_model_by_path(candidate.resolve())
            name = registered.name if registered else candidate.name
            return ModelChoice(name, candidate.resolve())
        names = ", ".join(m.name for m in self.models()) or "none installed"
        raise ModelNotFoundError(
            f"No model called {name_or_path!r} and no such file. Installed models: {names}."
        )

    def default(self, preferred: str | None) -> ModelChoice | None:
        """The model to open at start: the user's choice if it still exists, else the first."""
        if preferred:
            try:
                return self.resolve(preferred)
            except ModelNotFoundError:
                pass
        bundled = next((m for m in self.models() if m.source == "bundled"), None)
        record = bundled or next(iter(self.models()), None)
        return ModelChoice(record.name, record.path) if record else None
