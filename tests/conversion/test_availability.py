"""What the app knows about the converter without importing it (no torch in the app)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from desktop_llm.converter.availability import (
    architecture_of,
    conversion_unavailable,
    replaced_gguf_files,
    supported_architectures,
)
from tests.conversion.conftest import needs_converter


def test_the_supported_architectures_are_read_from_the_converters_source() -> None:
    needs_converter()
    known = supported_architectures()
    assert {"LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM"} <= known
    assert "MadeUpForCausalLM" not in known


def test_the_converters_own_gguf_is_in_place() -> None:
    needs_converter()
    assert conversion_unavailable() is None
    assert replaced_gguf_files() == []


def test_a_multimodal_config_names_its_text_architecture(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(
        json.dumps(
            {
                "architectures": ["SomeVLForConditionalGeneration"],
                "text_config": {"architectures": ["LlamaForCausalLM"]},
            }
        )
    )
    assert architecture_of(tmp_path) == "LlamaForCausalLM"
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "x"}))
    assert architecture_of(tmp_path) is None


def test_checking_and_starting_a_conversion_does_not_load_torch() -> None:
    probe = (
        "import sys\n"
        "from desktop_llm.chat.model_manager import ModelManager\n"
        "from desktop_llm.cli import main\n"
        "from desktop_llm.converter.availability import supported_architectures\n"
        "supported_architectures()\n"
        "heavy = sorted(m for m in ('torch', 'transformers', 'conversion') if m in sys.modules)\n"
        "print('HEAVY:', heavy)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "HEAVY: []" in done.stdout
