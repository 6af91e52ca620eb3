"""ModelRegistry: the model files the app knows about, in the history file beside the chats."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from desktop_llm.errors import StorageError
from desktop_llm.storage import HistoryStore, ModelRecord, ModelRegistry


def _register(registry: ModelRegistry, name: str, path: Path, **extra: object) -> ModelRecord:
    fields: dict = {"size_bytes": 100, "source": "imported", **extra}
    return registry.register_model(name=name, path=path, **fields)


def test_registered_model_round_trips(registry: ModelRegistry, tmp_path: Path) -> None:
    path = tmp_path / "models" / "qwen.gguf"
    model = registry.register_model(
        name="Qwen 0.5B",
        path=path,
        size_bytes=397_000_000,
        source="downloaded",
        sha256="ab" * 32,
        metadata={"repo": "Qwen/Qwen2.5-0.5B-Instruct-GGUF", "quant": "Q4_K_M"},
    )

    assert registry.get_model("Qwen 0.5B") == model
    assert registry.find_model_by_path(path) == model
    assert model.path == path
    assert (model.size_bytes, model.source, model.sha256) == (397_000_000, "downloaded", "ab" * 32)
    assert model.metadata == {"repo": "Qwen/Qwen2.5-0.5B-Instruct-GGUF", "quant": "Q4_K_M"}
    assert model.added_at.utcoffset() == timedelta(0)


def test_paths_are_stored_absolute_and_found_however_written(
    registry: ModelRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    model = _register(registry, "tiny", Path("models/../models/tiny.gguf"))

    assert model.path == tmp_path / "models" / "tiny.gguf"
    assert registry.find_model_by_path(tmp_path / "models" / "tiny.gguf") == model
    assert registry.find_model_by_path(Path("models/tiny.gguf")) == model
    assert registry.find_model_by_path(tmp_path / "other.gguf") is None


def test_registering_the_same_path_again_updates_the_existing_entry(
    registry: ModelRegistry, tmp_path: Path
) -> None:
    path = tmp_path / "tiny.gguf"
    first = _register(registry, "tiny", path, sha256="aa" * 32, metadata={"quant": "Q4"})

    again = _register(registry, "tiny renamed", path, size_bytes=200, source="converted")

    assert again.id == first.id
    assert again.name == "tiny"
    assert (again.size_bytes, again.source) == (200, "converted")
    assert (again.sha256, again.metadata) == ("aa" * 32, {"quant": "Q4"})
    assert registry.list_models() == [again]


def test_a_name_clash_gets_a_numbered_name(registry: ModelRegistry, tmp_path: Path) -> None:
    names = [_register(registry, "tiny", tmp_path / f"{n}.gguf").name for n in range(3)]
    assert names == ["tiny", "tiny (2)", "tiny (3)"]


def test_blank_name_falls_back_to_the_file_stem(registry: ModelRegistry, tmp_path: Path) -> None:
    assert _register(registry, "  ", tmp_path / "phi-3-mini.gguf").name == "phi-3-mini"


def test_list_is_sorted_by_name_ignoring_case(registry: ModelRegistry, tmp_path: Path) -> None:
    for name in ("mistral", "Llama", "gemma"):
        _register(registry, name, tmp_path / f"{name}.gguf")
    assert [m.name for m in registry.list_models()] == ["gemma", "Llama", "mistral"]


def test_remove_forgets_the_entry_but_not_the_file(registry: ModelRegistry, tmp_path: Path) -> None:
    path = tmp_path / "tiny.gguf"
    path.write_bytes(b"GGUF")
    _register(registry, "tiny", path)

    assert registry.remove_model("tiny") is True
    assert registry.remove_model("tiny") is False
    assert registry.get_model("tiny") is None
    assert registry.find_model_by_path(path) is None
    assert path.exists()


def test_unknown_source_is_rejected(registry: ModelRegistry, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="source must be one of"):
        _register(registry, "tiny", tmp_path / "tiny.gguf", source="stolen")
    assert registry.list_models() == []


def test_the_registry_shares_the_history_file(db_path: Path, tmp_path: Path) -> None:
    with HistoryStore.open(db_path) as writer, HistoryStore.open(db_path) as reader:
        model = _register(writer.models, "tiny", tmp_path / "tiny.gguf")
        conversation = writer.create_conversation(model=model.name)

        assert reader.models.list_models() == [model]
        assert reader.get_conversation(conversation.id).model == "tiny"


def test_the_registry_closes_with_its_store(db_path: Path, tmp_path: Path) -> None:
    store = HistoryStore.open(db_path)
    registry = store.models
    store.close()

    with pytest.raises(StorageError, match="already closed"):
        registry.list_models()
    with pytest.raises(StorageError, match="already closed"):
        _register(registry, "tiny", tmp_path / "tiny.gguf")
