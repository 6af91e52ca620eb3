"""Checks on a model file made in Python before llama.cpp sees it, so refusals have reasons.

llama.cpp answers most bad files with a bare "Failed to load model from file", and crafted
ones have crashed it; ``read_gguf_info`` reads and checks the whole header first.
"""

from __future__ import annotations

from pathlib import Path

from desktop_llm.errors import ModelLoadError
from desktop_llm.i18n import translate
from desktop_llm.model_files import GGUFInfo, read_gguf_info


def check_model_file(path: Path) -> GGUFInfo:
    """What the header says; ``ModelLoadError`` (``GGUFError`` for a bad file) if unusable."""
    if not path.exists():
        raise ModelLoadError(translate(
            "ModelFiles", "The model file {path} does not exist (was it moved or deleted?)."
        ).format(path=path))
    if not path.is_file():
        raise ModelLoadError(
            translate("ModelFiles", "{path} is a folder, not a model file.").format(path=path)
        )
    return read_gguf_info(path)
