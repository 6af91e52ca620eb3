"""Checks on what a well-formed header says: would llama.cpp accept it, and is the file whole?

Each check mirrors a refusal (or, for some hyperparameters, an assertion that aborts the whole
process) inside llama.cpp, so the user reads why here instead of "Failed to load model".
"""

from __future__ import annotations

from dataclasses import dataclass

import gguf

from desktop_llm.i18n import translatable, translate
from desktop_llm.model_files import limits
from desktop_llm.model_files.errors import GGUFError
from desktop_llm.model_files.header import ArraySummary, RawHeader, shown
from desktop_llm.model_files.humanize import human_size

ARCHITECTURE_KEY = "general.architecture"
ALIGNMENT_KEY = "general.alignment"

# Architectures the gguf package knows, the same list llama.cpp's converter writes.
KNOWN_ARCHITECTURES = frozenset(gguf.MODEL_ARCH_NAMES.values())

# Known architectures that are not language models on their own.
NOT_LANGUAGE_MODELS = {
    "clip": translatable(
        "ModelFiles", "a vision projector (an mmproj file) that goes with a language model"
    ),
}

# llama.cpp's LLAMA_MAX_LAYERS and LLAMA_MAX_EXPERTS: beyond them it fails an assertion,
# which aborts the process instead of raising an error.
MAX_LAYERS = 512
MAX_EXPERTS = 512


@dataclass(frozen=True)
class Layout:
    alignment: int
    data_offset: int
    data_size: int  # from the data offset to the end of the last tensor

    @property
    def expected_file_size(self) -> int:
        return self.data_offset + self.data_size


def validate(raw: RawHeader, *, file_size: int | None, name: str) -> Layout:
    """Raise ``GGUFError`` unless llama.cpp could load this header (and file, when sized)."""
    alignment = check_alignment(raw, name)
    architecture = check_architecture(raw, name)
    check_hyperparameters(raw, architecture, name)
    layout = check_layout(raw, alignment, name)
    check_file_size(layout, file_size, name)
    return layout


def _damaged(reason: str, name: str, problem: str) -> GGUFError:
    return GGUFError(reason, translate("ModelFiles", "{name} is damaged: {problem}").format(
        name=name, problem=problem
    ))


def check_alignment(raw: RawHeader, name: str) -> int:
    if ALIGNMENT_KEY not in raw.metadata:
        return limits.DEFAULT_ALIGNMENT
    value = raw.metadata[ALIGNMENT_KEY]
    if raw.value_types[ALIGNMENT_KEY] != gguf.GGUFValueType.UINT32:
        # llama.cpp refuses any other type for this key.
        raise _damaged("bad_alignment", name, translate(
            "ModelFiles", "its general.alignment is not a 32-bit number."
        ))
    if value <= 0 or value & (value - 1):
        raise _damaged("bad_alignment", name, translate(
            "ModelFiles", "its data alignment is {value}, which is not a power of two."
        ).format(value=value))
    return int(value)


def check_architecture(raw: RawHeader, name: str) -> str:
    architecture = raw.metadata.get(ARCHITECTURE_KEY)
    if architecture is None or architecture == "":
        raise GGUFError("missing_architecture", translate(
            "ModelFiles",
            "{name} does not say which model architecture it uses (general.architecture is "
            "missing), so llama.cpp cannot load it.",
        ).format(name=name))
    if not isinstance(architecture, str):
        raise _damaged(
            "bad_type", name, translate("ModelFiles", "its general.architecture is not text.")
        )
    if architecture in NOT_LANGUAGE_MODELS:
        raise GGUFError("not_a_language_model", translate(
            "ModelFiles", "{name} is {what}, not a model that can chat."
        ).format(name=name, what=translate("ModelFiles", NOT_LANGUAGE_MODELS[architecture])))
    if architecture not in KNOWN_ARCHITECTURES:
        raise GGUFError("unknown_architecture", translate(
            "ModelFiles",
            "{name} uses the model architecture {architecture}, which this version of "
            "llama.cpp cannot run.",
        ).format(name=name, architecture=shown(architecture)))
    return architecture


def _count(raw: RawHeader, key: str, name: str) -> int | None:
    """A count from the metadata; per-layer arrays count as their largest item."""
    value = raw.metadata.get(key)
    if isinstance(value, tuple) and value and all(_is_int(item) for item in value):
        return max(value)
    if value is None or isinstance(value, (tuple, ArraySummary)):
        return None
    if not _is_int(value):
        raise _damaged("bad_type", name, translate(
            "ModelFiles", "its {key} is not a whole number."
        ).format(key=key))
    return int(value)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_hyperparameters(raw: RawHeader, architecture: str, name: str) -> None:
    """The few numbers llama.cpp asserts on (and would abort the app for) instead of refusing."""
    blocks = _count(raw, f"{architecture}.block_count", name)
    if blocks is not None and not 1 <= blocks <= MAX_LAYERS:
        raise _damaged("absurd_count", name, translate(
            "ModelFiles", "it claims {count} layers; llama.cpp runs 1 to {most}."
        ).format(count=f"{blocks:,}", most=MAX_LAYERS))
    experts = _count(raw, f"{architecture}.expert_count", name) or 0
    used = _count(raw, f"{architecture}.expert_used_count", name) or 0
    if experts > MAX_EXPERTS:
        raise _damaged("absurd_count", name, translate(
            "ModelFiles", "it claims {count} experts; llama.cpp runs at most {most}."
        ).format(count=f"{experts:,}", most=MAX_EXPERTS))
    if used > experts:
        raise _damaged("absurd_count", name, translate(
            "ModelFiles", "it uses {used} of its {count} experts per token, which is impossible."
        ).format(used=f"{used:,}", count=f"{experts:,}"))


def _align(offset: int, alignment: int) -> int:
    return (offset + alignment - 1) // alignment * alignment


def check_layout(raw: RawHeader, alignment: int, name: str) -> Layout:
    """Tensors must follow one another in order, each at the next aligned offset, as llama.cpp
    requires; so no two overlap and none hides in a gap."""
    if not raw.tensors:
        raise GGUFError("no_tensors", translate(
            "ModelFiles",
            "{name} contains no weights (it may be a vocabulary-only file), so it cannot chat.",
        ).format(name=name))
    expected = 0
    end = 0
    previous = None
    for tensor in raw.tensors:
        label = shown(tensor.name)
        tensor_end = tensor.offset + tensor.n_bytes
        if tensor_end > limits.MAX_PLAUSIBLE_FILE_BYTES:
            raise _damaged("tensor_out_of_bounds", name, translate(
                "ModelFiles",
                "the tensor {tensor} would end {size} into the data, beyond any real model file.",
            ).format(tensor=label, size=human_size(tensor_end)))
        if tensor.offset % alignment:
            raise _damaged("misaligned_tensor", name, translate(
                "ModelFiles",
                "the tensor {tensor} starts at offset {offset}, which is not a multiple of the "
                "file's alignment ({alignment}).",
            ).format(tensor=label, offset=tensor.offset, alignment=alignment))
        if tensor.offset < expected and previous is not None:
            raise _damaged("overlapping_tensors", name, translate(
                "ModelFiles", "the tensor {tensor} starts inside the tensor {previous}."
            ).format(tensor=label, previous=shown(previous)))
        if tensor.offset != expected:
            raise _damaged("tensor_gap", name, translate(
                "ModelFiles",
                "the tensor {tensor} starts at offset {offset}, not at {expected} right after "
                "the one before it, as llama.cpp requires.",
            ).format(tensor=label, offset=f"{tensor.offset:,}", expected=f"{expected:,}"))
        end = tensor_end
        expected = _align(tensor_end, alignment)
        previous = tensor.name
    return Layout(alignment=alignment, data_offset=_align(raw.end, alignment), data_size=end)


def check_file_size(layout: Layout, file_size: int | None, name: str) -> None:
    expected = layout.expected_file_size
    if expected > limits.MAX_PLAUSIBLE_FILE_BYTES:
        raise _damaged("tensor_out_of_bounds", name, translate(
            "ModelFiles", "its tensors would end {size} into the file, beyond any real model."
        ).format(size=human_size(expected)))
    if file_size is not None and file_size < expected:
        raise GGUFError("truncated", translate(
            "ModelFiles",
            "{name} is truncated: {size} of {expected}; the download was probably cut off.",
        ).format(name=name, size=human_size(file_size), expected=human_size(expected)))
