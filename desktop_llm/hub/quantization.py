"""Quantization types read from GGUF file names, their display order, and split-file grouping.

The Hub has no field for a file's quantization: uploaders put it in the file name, in several
spellings (``model.Q4_K_M.gguf``, ``model-q4_k_m.gguf``, ``Q4_K_M/model-Q4_K_M-00001-of-00002
.gguf``). Only known type names are recognised, matched as whole tokens, so ``IQ4_XS`` is never
read as ``Q4_...`` and ``BF16`` never as ``F16``; an unknown name gives None rather than a guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from desktop_llm.hub.types import FilePart, ModelFile
from desktop_llm.i18n import translatable, translate


@dataclass(frozen=True)
class QuantType:
    name: str
    # Typical bits per weight of a whole model file (7B-8B llama models, from llama.cpp's
    # quantization tables). Used to order types smallest first and for rough size estimates.
    bits_per_weight: float
    # What it costs in quality, as llama.cpp's quantize tool describes it, for the types the
    # app makes: users choose knowing the trade before they spend minutes on a conversion.
    trade: str | None = None

    def describe(self) -> str:
        """"~4.8 bits/weight, good balance", in the user's language."""
        bits = translate("Quantization", "{bits} bits/weight").format(
            bits=f"{self.bits_per_weight:g}"
        )
        bits = bits if self.bits_per_weight >= 16 else f"~{bits}"
        if not self.trade:
            return bits
        return translate("Quantization", "{bits}, {trade}").format(
            bits=bits, trade=translate("Quantization", self.trade)
        )


# In display order; ties in bits per weight keep this order.
QUANT_TYPES: tuple[QuantType, ...] = (
    QuantType("IQ1_S", 1.56),
    QuantType("TQ1_0", 1.69),
    QuantType("IQ1_M", 1.75),
    QuantType("IQ2_XXS", 2.06),
    QuantType("TQ2_0", 2.06),
    QuantType("IQ2_XS", 2.31),
    QuantType("IQ2_S", 2.5),
    QuantType("IQ2_M", 2.7),
    QuantType("Q2_K_S", 3.0),
    QuantType("IQ3_XXS", 3.06, translatable("Quantization", "large loss, slower on CPU")),
    QuantType("IQ3_XS", 3.3, translatable("Quantization", "large loss, slower on CPU")),
    QuantType("Q2_K", 3.35, translatable("Quantization", "large loss, smallest")),
    QuantType("Q2_K_L", 3.4),
    QuantType("Q2_K_XL", 3.45),
    QuantType("IQ3_S", 3.44, translatable("Quantization", "large loss, slower on CPU")),
    QuantType("Q3_K_S", 3.5, translatable("Quantization", "large loss")),
    QuantType("IQ3_M", 3.66, translatable("Quantization", "noticeable loss, slower on CPU")),
    QuantType("Q3_K_M", 3.91, translatable("Quantization", "noticeable loss")),
    QuantType("Q3_K_L", 4.27, translatable("Quantization", "noticeable loss")),
    QuantType("Q3_K_XL", 4.3),
    QuantType("IQ4_XS", 4.25, translatable("Quantization", "some loss, slower on CPU")),
    QuantType("MXFP4", 4.25),
    QuantType("IQ4_NL", 4.5, translatable("Quantization", "some loss, slower on CPU")),
    QuantType("Q4_0", 4.55, translatable("Quantization", "some loss (older format)")),
    QuantType("Q4_0_4_4", 4.55),
    QuantType("Q4_0_4_8", 4.55),
    QuantType("Q4_0_8_8", 4.55),
    QuantType("Q4_K_S", 4.58, translatable("Quantization", "some loss")),
    QuantType("Q4_K_M", 4.84, translatable("Quantization", "good balance")),
    QuantType("Q4_K_L", 4.9),
    QuantType("Q4_K_XL", 4.95),
    QuantType("Q4_1", 5.0, translatable("Quantization", "some loss (older format)")),
    QuantType("Q5_0", 5.5, translatable("Quantization", "small loss (older format)")),
    QuantType("Q5_K_S", 5.54, translatable("Quantization", "small loss")),
    QuantType("Q5_K_M", 5.68, translatable("Quantization", "small loss")),
    QuantType("Q5_K_L", 5.75),
    QuantType("Q5_K_XL", 5.8),
    QuantType("Q5_1", 6.0, translatable("Quantization", "small loss (older format)")),
    QuantType("Q6_K", 6.56, translatable("Quantization", "very small loss")),
    QuantType("Q6_K_L", 6.65),
    QuantType("Q6_K_XL", 6.7),
    QuantType("Q8_0", 8.5, translatable("Quantization", "nearly lossless")),
    QuantType("Q8_K_XL", 8.6),
    QuantType("BF16", 16.0, translatable("Quantization", "the reference")),
    QuantType("F16", 16.0, translatable("Quantization", "the reference")),
    QuantType("F32", 32.0),
)
_BY_NAME = {quant.name: quant for quant in QUANT_TYPES}
_ORDER = {
    quant.name: (quant.bits_per_weight, position) for position, quant in enumerate(QUANT_TYPES)
}
# Other spellings seen on the Hub for the same type.
_ALIASES = {"FP16": "F16", "FP32": "F32"}

_SEPARATORS = "[-_.]"
# Longest names first: at one position the alternation takes the first name that matches, and
# Q2_K must not win over Q2_K_S. The lookarounds make a name a whole token.
_QUANT_PATTERN = re.compile(
    r"(?<![a-z0-9])(?:"
    + "|".join(
        name.replace("_", _SEPARATORS)
        for name in sorted([*_BY_NAME, *_ALIASES], key=len, reverse=True)
    )
    + r")(?![a-z0-9])",
    re.IGNORECASE,
)
# llama.cpp's gguf-split names: <stem>-00001-of-00003.gguf.
_SPLIT_PATTERN = re.compile(r"^(?P<stem>.+)-(?P<index>\d{5})-of-(?P<count>\d{5})\.gguf$", re.I)


def parse_quantization(file_name: str) -> str | None:
    """The canonical quantization type named in a GGUF path (``"Q4_K_M"``), or None."""
    base = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    # The type usually comes last (after the model's own name, which may hold look-alikes such
    # as "f16" in "mmproj-f16"); a folder name is only consulted when the file name has none.
    for text in (base, file_name):
        matches = _QUANT_PATTERN.findall(text)
        if matches:
            name = re.sub(_SEPARATORS, "_", matches[-1]).upper()
            return _ALIASES.get(name, name)
    return None


def quant_type(name: str) -> QuantType | None:
    return _BY_NAME.get(name)


def quantization_sort_key(name: str | None) -> tuple[float, int]:
    """Smallest type first; unrecognised types (None) after every known one."""
    if name is None or name not in _ORDER:
        return (float("inf"), 0)
    return _ORDER[name]


@dataclass(frozen=True)
class SplitName:
    stem: str
    index: int
    count: int

    @property
    def model_name(self) -> str:
        return f"{self.stem}.gguf"


def parse_split_name(path: str) -> SplitName | None:
    """``x-00002-of-00003.gguf`` -> SplitName("x", 2, 3); None for a file that is not a part."""
    match = _SPLIT_PATTERN.match(path)
    if match is None:
        return None
    index, count = int(match["index"]), int(match["count"])
    if not 1 <= index <= count:
        return None
    return SplitName(match["stem"], index, count)


def is_gguf(path: str) -> bool:
    return path.lower().endswith(".gguf")


def group_model_files(files: Iterable[FilePart]) -> list[ModelFile]:
    """The GGUF files among ``files`` as models: split parts joined, smallest type first.

    Other files (README, config, safetensors) are left out. A split set with missing parts is
    kept, with ``missing_parts`` saying which, so the user sees why it cannot be downloaded.
    """
    singles: list[ModelFile] = []
    splits: dict[tuple[str, int], dict[int, FilePart]] = {}
    for part in files:
        if not is_gguf(part.path):
            continue
        split = parse_split_name(part.path)
        if split is None:
            singles.append(ModelFile(part.path, (part,), parse_quantization(part.path)))
        else:
            # Keyed by the announced count too: "-of-00002" and "-of-00003" sets with the same
            # stem are different uploads, not one set with odd parts.
            splits.setdefault((split.stem, split.count), {})[split.index] = part
    for (stem, count), parts in splits.items():
        name = f"{stem}.gguf"
        singles.append(
            ModelFile(
                name=name,
                parts=tuple(parts[index] for index in sorted(parts)),
                quantization=parse_quantization(name),
                split_count=count,
                missing_parts=tuple(n for n in range(1, count + 1) if n not in parts),
            )
        )
    singles.sort(key=lambda model: (quantization_sort_key(model.quantization), model.name.lower()))
    return singles
