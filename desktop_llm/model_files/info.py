"""What a validated GGUF header says about its model, in the terms the model manager shows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import gguf

from desktop_llm.model_files import limits
from desktop_llm.model_files.header import RawHeader, TensorInfo
from desktop_llm.model_files.humanize import human_parameters
from desktop_llm.model_files.validation import ARCHITECTURE_KEY, Layout

CHAT_TEMPLATE_KEY = "tokenizer.chat_template"

# llama.cpp marks a file type it guessed (rather than was told) with this bit.
_FILE_TYPE_GUESSED = int(gguf.LlamaFileType.GUESSED)


@dataclass(frozen=True)
class GGUFInfo:
    """A GGUF file's header: metadata (long arrays summarised), hyperparameters and layout."""

    version: int
    tensor_count: int
    metadata: dict[str, Any]
    architecture: str | None
    name: str | None
    parameter_count: int | None  # the sum of the tensors' element counts
    quantization: str | None  # "Q4_K_M" from general.file_type, else the dominant tensor type
    context_length: int | None  # what the model was trained for
    block_count: int | None
    embedding_length: int | None
    head_count: int | None
    head_count_kv: int | None
    key_length: int | None
    value_length: int | None
    chat_template: str | None
    data_offset: int
    data_size: int
    expected_file_size: int
    alignment: int = limits.DEFAULT_ALIGNMENT
    file_size: int | None = None  # None when parsed from a prefix of unknown length
    tensors: tuple[TensorInfo, ...] = field(default=(), repr=False)

    def hyperparameter(self, suffix: str) -> Any:
        """``{architecture}.{suffix}`` from the metadata, e.g. "attention.head_count_kv"."""
        return self.metadata.get(f"{self.architecture}.{suffix}")

    def summary(self) -> dict[str, Any]:
        """JSON-ready facts for the model manager."""
        return {
            "name": self.name,
            "architecture": self.architecture,
            "parameters": (
                human_parameters(self.parameter_count) if self.parameter_count else None
            ),
            "parameter_count": self.parameter_count,
            "quantization": self.quantization,
            "context_length": self.context_length,
            "block_count": self.block_count,
            "chat_template_present": bool(self.chat_template),
            "file_size": self.expected_file_size,
        }


def build_info(raw: RawHeader, layout: Layout, *, file_size: int | None) -> GGUFInfo:
    metadata = raw.metadata
    architecture = metadata.get(ARCHITECTURE_KEY)
    prefix = f"{architecture}."
    head_count = _largest_int(metadata.get(prefix + "attention.head_count"))
    template = metadata.get(CHAT_TEMPLATE_KEY)
    name = metadata.get("general.name")
    return GGUFInfo(
        version=raw.version,
        tensor_count=len(raw.tensors),
        metadata=metadata,
        architecture=architecture,
        name=name if isinstance(name, str) else None,
        parameter_count=sum(tensor.n_elements for tensor in raw.tensors),
        quantization=_quantization(metadata.get("general.file_type"), raw.tensors),
        context_length=_largest_int(metadata.get(prefix + "context_length")),
        block_count=_largest_int(metadata.get(prefix + "block_count")),
        embedding_length=_largest_int(metadata.get(prefix + "embedding_length")),
        head_count=head_count,
        # llama.cpp's default when the key is absent: as many KV heads as query heads.
        head_count_kv=_largest_int(metadata.get(prefix + "attention.head_count_kv", head_count)),
        key_length=_largest_int(metadata.get(prefix + "attention.key_length")),
        value_length=_largest_int(metadata.get(prefix + "attention.value_length")),
        chat_template=template if isinstance(template, str) else None,
        data_offset=layout.data_offset,
        data_size=layout.data_size,
        expected_file_size=layout.expected_file_size,
        alignment=layout.alignment,
        file_size=file_size,
        tensors=raw.tensors,
    )


def _largest_int(value: Any) -> int | None:
    """An int, or the largest of a per-layer tuple of ints (as some models store head counts)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, tuple) and value and all(isinstance(v, int) for v in value):
        return max(value)
    return None


def _quantization(file_type: Any, tensors: tuple[TensorInfo, ...]) -> str | None:
    if isinstance(file_type, int) and not isinstance(file_type, bool):
        try:
            known = gguf.LlamaFileType(file_type & ~_FILE_TYPE_GUESSED)
        except ValueError:
            known = None
        if known is not None:
            return known.name.removeprefix("MOSTLY_").removeprefix("ALL_")
    return dominant_tensor_type(tensors)


def dominant_tensor_type(tensors: tuple[TensorInfo, ...]) -> str | None:
    """The type holding most weights of the matrices (norms and biases are 1-D and F32)."""
    matrices = [tensor for tensor in tensors if len(tensor.shape) >= 2] or list(tensors)
    totals: Counter[str] = Counter()
    for tensor in matrices:
        totals[tensor.type_name] += tensor.n_elements
    return totals.most_common(1)[0][0] if totals else None
