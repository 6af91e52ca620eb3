"""Before a conversion: where the outputs go, how large they will be, whether they fit.

Sizes are estimated without torch: a safetensors file starts with a JSON header giving every
tensor's shape, so the parameter count is known before anything is loaded. Conversion keeps
2-D weights at 16 bits (or 8.5 for Q8_0) and 1-D ones (norms) at 32; a quantized file is
estimated from its type's bits per weight, with a margin because llama.cpp keeps some tensors
(embeddings, tensors whose rows do not divide into blocks) at a higher type.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
from dataclasses import dataclass
from pathlib import Path

from desktop_llm.errors import ConversionError
from desktop_llm.hub import quant_type
from desktop_llm.hub.disk_space import DiskUsageFunction, free_space_shortfall
from desktop_llm.i18n import translate
from desktop_llm.model_files import human_size

# Metadata, tokenizer and alignment padding on top of the tensors.
_FILE_OVERHEAD = 1024 * 1024
# K-quant and IQ files come out 10-17% larger than their nominal bits per weight say.
_QUANT_MARGIN = 1.2
_BITS = {"F32": 32.0, "F16": 16.0, "BF16": 16.0, "Q8_0": 8.5}
_WEIGHT_PATTERNS = ("*.safetensors", "pytorch_model*.bin")
_DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2, "float64": 8}


@dataclass(frozen=True)
class ParameterCount:
    matrices: int  # elements of 2-D (and larger) tensors: the ones that get quantized
    vectors: int  # elements of 1-D tensors, kept at F32


def weight_files(model_dir: Path) -> list[Path]:
    found: list[Path] = []
    for pattern in _WEIGHT_PATTERNS:
        found.extend(sorted(model_dir.glob(pattern)))
    return found


def count_parameters(model_dir: Path) -> ParameterCount:
    """From the safetensors headers; from file sizes and config.json's dtype for .bin files."""
    matrices = vectors = 0
    for path in weight_files(model_dir):
        if path.suffix == ".safetensors":
            for shape in _safetensors_shapes(path):
                elements = 1
                for dimension in shape:
                    elements *= dimension
                if len(shape) >= 2:
                    matrices += elements
                else:
                    vectors += elements
        else:
            matrices += path.stat().st_size // _bin_dtype_bytes(model_dir)
    return ParameterCount(matrices, vectors)


def _safetensors_shapes(path: Path) -> list[list[int]]:
    try:
        with path.open("rb") as stream:
            (length,) = struct.unpack("<Q", stream.read(8))
            if length > 100 * 1024 * 1024:
                raise ValueError("header too large")
            header = json.loads(stream.read(length))
    except (OSError, ValueError, struct.error) as error:
        raise ConversionError(translate(
            "Conversion", "{name} is not a readable safetensors file ({error})."
        ).format(name=path.name, error=error)) from error
    return [
        list(info.get("shape", []))
        for name, info in header.items()
        if name != "__metadata__" and isinstance(info, dict)
    ]


def _bin_dtype_bytes(model_dir: Path) -> int:
    try:
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 4
    dtype = str(config.get("torch_dtype") or config.get("dtype") or "float32")
    return _DTYPE_BYTES.get(dtype, 4)


def estimated_size(parameters: ParameterCount, type_name: str) -> int:
    """Bytes of a GGUF of this type, erring on the large side."""
    name = type_name.upper()
    if name in _BITS:
        bits = _BITS[name]
    else:
        known = quant_type(name)
        bits = min(8.5, (known.bits_per_weight if known else 8.5) * _QUANT_MARGIN)
    return int(parameters.matrices * bits / 8 + parameters.vectors * 4 + _FILE_OVERHEAD)


def ensure_space_for_outputs(
    folder: Path, needed: int, *, what: str, disk_usage: DiskUsageFunction = shutil.disk_usage
) -> None:
    shortfall = free_space_shortfall(folder, needed, disk_usage=disk_usage)
    if shortfall is not None:
        existing, free = shortfall
        raise ConversionError(translate(
            "Conversion",
            "Not enough free space for {what}: it needs about {size}, and {folder} has only "
            "{free} free. Free some space or choose another models folder, then try again.",
        ).format(what=what, size=human_size(needed), folder=existing, free=human_size(free)))


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str) -> str:
    """A name usable as a folder and file name on every platform."""
    cleaned = _UNSAFE.sub("-", name.strip()).strip("-.")
    if not cleaned:
        raise ConversionError(translate(
            "Conversion", "{name} cannot be used as a model name."
        ).format(name=repr(name)))
    return cleaned


def describe_quantization(name: str) -> str:
    """"~4.8 bits/weight, good balance" for "Q4_K_M" (one table: ``hub.quantization``)."""
    known = quant_type(name.upper())
    return known.describe() if known else ""


def output_path(models_dir: Path, name: str, type_name: str) -> Path:
    """``<models>/converted/<name>/<name>-<TYPE>.gguf``."""
    return models_dir / "converted" / name / f"{name}-{type_name.upper()}.gguf"


def part_path(path: Path) -> Path:
    return path.with_name(path.name + ".part")
