"""models/catalog.json: the curated list the model browser shows first."""

from __future__ import annotations

import json
import re

from desktop_llm.bundled_model import DEFAULT_MODEL
from desktop_llm.paths import project_models_dir

REQUIRED = {
    "id": str, "name": str, "repo": str, "file": str, "quantization": str, "size_bytes": int,
    "license": str, "parameters": str, "parameter_count": int, "context_length": int,
    "ram_required_bytes": int, "n_layers": int, "n_kv_heads": int, "head_dim": int,
}


def _entries() -> list[dict]:
    catalog = json.loads((project_models_dir() / "catalog.json").read_text(encoding="utf-8"))
    assert catalog["schema"] == 1
    return catalog["models"]


def test_catalog_lists_six_to_ten_recommended_models() -> None:
    downloadable = [m for m in _entries() if not m.get("bundled")]
    assert 6 <= len(downloadable) <= 10
    families = {m["repo"].split("/")[1].split("-")[0].lower() for m in downloadable}
    assert len(families) >= 5  # a spread of families, not one publisher's variants


def test_every_entry_is_complete_and_plausible() -> None:
    ids = set()
    for entry in _entries():
        for key, kind in REQUIRED.items():
            assert isinstance(entry.get(key), kind), f"{entry.get('id')}: {key}"
        assert entry["id"] not in ids
        ids.add(entry["id"])
        assert re.fullmatch(r"[\w.-]+/[\w.-]+", entry["repo"])
        assert entry["file"].endswith(".gguf") and "/" not in entry["file"]
        assert entry["quantization"].upper() in entry["file"].upper().replace("-", "_")
        # Weights plus a KV cache: the RAM needed is always more than the file.
        kv_cache = 2 * entry["n_layers"] * entry["n_kv_heads"] * entry["head_dim"] * 4096 * 2
        assert entry["ram_required_bytes"] >= entry["size_bytes"] + kv_cache
        # Quantized weights take between 2 and 9 bits a parameter.
        bits = entry["size_bytes"] * 8 / entry["parameter_count"]
        assert 2 < bits < 9, entry["id"]


def test_the_bundled_model_matches_what_make_installs() -> None:
    bundled = [m for m in _entries() if m.get("bundled")]
    assert len(bundled) == 1
    assert bundled[0]["file"] == DEFAULT_MODEL.file_name
    assert bundled[0]["size_bytes"] == DEFAULT_MODEL.size_bytes
