"""The curated list of recommended models (models/catalog.json), shown before any search."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from desktop_llm.paths import project_models_dir

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CatalogEntry:
    id: str
    name: str
    repo: str
    file: str
    quantization: str
    size_bytes: int
    license: str
    parameters: str
    context_length: int
    ram_required_bytes: int
    description: str
    bundled: bool


def load_catalog(path: Path | None = None) -> list[CatalogEntry]:
    """The entries, or none (logged) when the file is missing or damaged: never a crash."""
    path = path or project_models_dir() / "catalog.json"
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["models"]
        return [
            CatalogEntry(
                id=e["id"],
                name=e["name"],
                repo=e["repo"],
                file=e["file"],
                quantization=e["quantization"],
                size_bytes=int(e["size_bytes"]),
                license=e.get("license", ""),
                parameters=e.get("parameters", ""),
                context_length=int(e.get("context_length") or 0),
                ram_required_bytes=int(e.get("ram_required_bytes") or 0),
                description=e.get("description", ""),
                bundled=bool(e.get("bundled")),
            )
            for e in entries
        ]
    except (OSError, ValueError, KeyError, TypeError) as error:
        logger.warning("model catalog %s unreadable: %s", path, error)
        return []
