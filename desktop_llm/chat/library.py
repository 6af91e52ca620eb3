"""The installed models: the registry in the history database plus the bundled default."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_llm.bundled_model import DEFAULT_MODEL, default_model_path
from desktop_llm.errors import DesktopLLMError, ModelNotFoundError
from desktop_llm.hub import parse_split_name
from desktop_llm.i18n import translate
from desktop_llm.model_files import GGUFInfo, chat_template_problem, read_gguf_info
from desktop_llm.storage import ModelRecord, ModelRegistry

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelChoice:
    """A model to load: a registered one, or a file named on the command line."""

    name: str
    path: Path

    @property
    def reference(self) -> str:
        """What ``ChatService.load_model`` takes to load it again."""
        return str(self.path)


@dataclass(frozen=True)
class ScanReport:
    """What a folder scan found: models added (or already known) and files refused, with why."""

    imported: list[ModelRecord] = field(default_factory=list)
    refused: list[tuple[Path, str]] = field(default_factory=list)


def model_metadata(info: GGUFInfo, **extra: Any) -> dict[str, Any]:
    """What the registry keeps about a file: the header's summary, warnings, provenance."""
    metadata = {**info.summary(), **{k: v for k, v in extra.items() if v is not None}}
    if info.chat_template:
        problem = chat_template_problem(info.chat_template)
        if problem:
            metadata["warnings"] = [
                f"The chat template does not parse ({problem}); a generic one is used instead."
            ]
    return metadata


def _is_later_split_part(path: Path) -> bool:
    # llama.cpp opens a split model from its first part, which finds the others itself.
    split = parse_split_name(path.name)
    return split is not None and split.index > 1


class ModelLibrary:
    def __init__(self, registry: ModelRegistry) -> None:
        self._registry = registry

    def register_bundled(self, path: Path | None = None) -> ModelRecord | None:
        """Register the default model shipped in ``models/``; a no-op when it is absent."""
        path = (path or default_model_path()).resolve()
        if not path.is_file():
            return None
        existing = self._registry.find_model_by_path(path)
        if existing is not None:
            return existing
        return self.register(
            path,
            source="bundled",
            name=DEFAULT_MODEL.name,
            sha256=DEFAULT_MODEL.sha256,
            license=DEFAULT_MODEL.license,
        )

    def models(self) -> list[ModelRecord]:
        return self._registry.list_models()

    def register(
        self, path: Path, *, source: str, name: str | None = None, **provenance: Any
    ) -> ModelRecord:
        """Validate a GGUF file and add it to the installed models (refusals say why)."""
        # Named after the path the user chose (a link keeps its own name); stored resolved.
        split = parse_split_name(path.name)
        default_name = split.stem if split else path.stem
        path = path.expanduser().resolve()
        info = read_gguf_info(path)
        return self._registry.register_model(
            name=name or default_name,
            path=path,
            size_bytes=path.stat().st_size,
            source=source,
            sha256=provenance.pop("sha256", None),
            metadata=model_metadata(info, **provenance),
        )

    def import_file(self, path: Path) -> ModelRecord:
        """Add a .gguf where it lies (no copy: models are large), after checking it."""
        if path.is_dir():
            raise DesktopLLMError(translate(
                "Models", "{path} is a folder: use a folder scan to add its models."
            ).format(path=path))
        if _is_later_split_part(path):
            raise DesktopLLMError(translate(
                "Models",
                "{name} is one part of a split model: import its first part (-00001-of-…).",
            ).format(name=path.name))
        return self.register(path, source="imported")

    def scan_folder(self, folder: Path) -> ScanReport:
        """Import every GGUF under ``folder``; a bad file is reported, never fatal."""
        if not folder.is_dir():
            raise DesktopLLMError(
                translate("Models", "{folder} is not a folder.").format(folder=folder)
            )
        report = ScanReport()
        for path in sorted(folder.expanduser().rglob("*.gguf")):
            if _is_later_split_part(path) or path.name.startswith("."):
                continue
            try:
                report.imported.append(self.import_file(path))
            except DesktopLLMError as error:
                report.refused.append((path, str(error)))
        return report

    def remove(self, name: str, *, delete_file: bool, models_dir: Path) -> ModelRecord:
        """Forget a model; its file (and split parts) go too only when asked and when they
        live in our models folder: a file imported from elsewhere belongs to the user."""
        record = self._registry.get_model(name)
        if record is None:
            raise ModelNotFoundError(
                translate("Models", "No installed model is called {name}.").format(name=repr(name))
            )
        self._registry.remove_model(name)
        if delete_file and record.path.resolve().is_relative_to(models_dir.resolve()):
            for part in _split_siblings(record.path):
                part.unlink(missing_ok=True)
                logger.info("deleted %s", part)
        return record

    def resolve(self, name_or_path: str) -> ModelChoice:
        """A registered model by name (any case), else an existing file path."""
        record = self._registry.get_model(name_or_path)
        if record is None:
            wanted = name_or_path.casefold()
            record = next((m for m in self.models() if m.name.casefold() == wanted), None)
        if record is not None:
            return ModelChoice(record.name, record.path)
        candidate = Path(name_or_path).expanduser()
        if candidate.exists():
            registered = self._registry.find_model_by_path(candidate.resolve())
            name = registered.name if registered else candidate.name
            return ModelChoice(name, candidate.resolve())
        names = ", ".join(m.name for m in self.models()) or "none installed"
        raise ModelNotFoundError(translate(
            "Models", "No model called {name} and no such file. Installed models: {names}."
        ).format(name=repr(name_or_path), names=names))

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


def _split_siblings(path: Path) -> list[Path]:
    """The file itself, or every part of the split model it opens."""
    split = parse_split_name(path.name)
    if split is None:
        return [path]
    return [
        path.with_name(f"{split.stem}-{index:05d}-of-{split.count:05d}.gguf")
        for index in range(1, split.count + 1)
    ]
