"""Checks on a model file made in Python before llama.cpp sees it, so refusals have reasons."""

from __future__ import annotations

from pathlib import Path

from desktop_llm.errors import ModelLoadError

GGUF_MAGIC = b"GGUF"
_HEADER_SIZE = 24  # magic, version, tensor count, metadata count


def check_model_file(path: Path) -> None:
    if not path.exists():
        raise ModelLoadError(f"The model file {path} does not exist (was it moved or deleted?).")
    if not path.is_file():
        raise ModelLoadError(f"{path} is a folder, not a model file.")
    try:
        with path.open("rb") as stream:
            header = stream.read(_HEADER_SIZE)
    except OSError as error:
        raise ModelLoadError(
            f"The model file {path.name} cannot be read: {error.strerror}."
        ) from error
    if len(header) < _HEADER_SIZE:
        raise ModelLoadError(
            f"{path.name} is only {len(header)} bytes long: it is empty or was cut off."
        )
    if header[:4] != GGUF_MAGIC:
        raise ModelLoadError(
            f"{path.name} is not a GGUF model file (it starts with {header[:4]!r}, not b'GGUF')."
        )
