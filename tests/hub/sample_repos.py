"""The repositories the ``fake_hub`` fixture serves, and small but valid GGUF files to fill them.

Figures are chosen so that every sort order gives a different, known ranking (see
``BY_DOWNLOADS``, ``BY_LIKES``, ``BY_UPDATED``) among the public GGUF repositories.
"""

from __future__ import annotations

import struct
from datetime import datetime, timezone

from tests.fake_hub import FakeFile, FakeRepo

SMOL = "desktop-llm-test/SmolLM2-135M-Instruct-GGUF"
SMOL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
QUANTS = "test-org/Quants-1B-GGUF"
SPLIT = "test-org/Big-70B-GGUF"
GATED = "gated-org/Gated-1B-GGUF"
GATED_FILE = "Gated-1B-Q4_K_M.gguf"
PRIVATE = "private-org/Secret-GGUF"
NOT_GGUF = "test-org/Safetensors-Only"

BY_DOWNLOADS = [SMOL, SPLIT, GATED, QUANTS]
BY_LIKES = [GATED, QUANTS, SMOL, SPLIT]
BY_UPDATED = [GATED, QUANTS, SMOL, SPLIT]

# Every type the listing tests expect, in the order the app shows them (smallest first).
QUANT_NAMES_IN_ORDER = [
    "IQ1_S", "TQ1_0", "IQ1_M", "IQ2_XXS", "TQ2_0", "IQ2_XS", "IQ2_S", "IQ2_M", "IQ3_XXS",
    "IQ3_XS", "Q2_K", "IQ3_S", "Q3_K_S", "IQ3_M", "Q3_K_M", "IQ4_XS", "MXFP4", "Q3_K_L",
    "IQ4_NL", "Q4_0", "Q4_K_S", "Q4_K_M", "Q4_1", "Q5_0", "Q5_K_S", "Q5_K_M", "Q5_1", "Q6_K",
    "Q8_0", "BF16", "F16", "F32",
]  # fmt: skip
SPLIT_PART_SIZES = [300_000, 300_000, 123_456]

_STRING, _UINT32, _ARRAY, _F32_TENSOR = 8, 4, 9, 0


def tiny_gguf(
    architecture: str = "llama",
    *,
    context_length: int = 2048,
    size: int = 4096,
    name: str = "t",
    vocabulary: int = 0,
) -> bytes:
    """A valid GGUF v3 file of ``size`` bytes: real metadata, one F32 tensor of zeros.

    ``vocabulary`` adds a token list of that many entries, to make the header as long as a
    real model's (150k tokens take about 2.3 MB).
    """

    def string(text: str) -> bytes:
        raw = text.encode()
        return struct.pack("<Q", len(raw)) + raw

    def kv_string(key: str, value: str) -> bytes:
        return string(key) + struct.pack("<I", _STRING) + string(value)

    def kv_u32(key: str, value: int) -> bytes:
        return string(key) + struct.pack("<II", _UINT32, value)

    metadata = [
        kv_string("general.architecture", architecture),
        kv_string("general.name", name),
        kv_u32(f"{architecture}.context_length", context_length),
        kv_u32(f"{architecture}.embedding_length", 8),
        kv_u32(f"{architecture}.block_count", 1),
        kv_u32(f"{architecture}.attention.head_count", 1),
    ]
    if vocabulary:
        tokens = b"".join(string(f"token-{i:07d}") for i in range(vocabulary))
        metadata.append(
            string("tokenizer.ggml.tokens")
            + struct.pack("<IIQ", _ARRAY, _STRING, vocabulary)
            + tokens
        )
    header = b"GGUF" + struct.pack("<IQQ", 3, 1, len(metadata)) + b"".join(metadata)
    info_length = len(string("token_embd.weight")) + struct.calcsize("<IQIQ")
    data_start = len(header) + info_length
    data_start += -data_start % 32  # tensor data starts at the default 32-byte alignment
    elements = (size - data_start) // 4
    if elements < 1:
        raise ValueError(f"a GGUF file with this metadata needs more than {size} bytes")
    tensor_info = string("token_embd.weight") + struct.pack("<IQIQ", 1, elements, _F32_TENSOR, 0)
    head = header + tensor_info
    head += b"\0" * (data_start - len(head))
    # Any bytes past the tensor (size not a multiple of 4) are padding, as after real tensors.
    return head + bytes(size - len(head))


def sample_repos(smol_model: FakeFile) -> list[FakeRepo]:
    """Fresh repository objects (the hub may be changed by a test); file contents are shared."""
    readme = FakeFile("README.md", b"# A model card\n", lfs=False)
    return [
        FakeRepo(
            SMOL,
            [smol_model, readme, FakeFile("config.json", b"{}", lfs=False)],
            downloads=12_000,
            likes=30,
            last_modified=datetime(2024, 11, 1, tzinfo=timezone.utc),
            gguf={"total": 134_515_008, "architecture": "llama", "context_length": 8192},
        ),
        FakeRepo(
            QUANTS,
            [
                *(
                    FakeFile(f"Quants-1B-{quant}.gguf", _QUANT_CONTENT[quant])
                    for quant in reversed(QUANT_NAMES_IN_ORDER)  # listed in no useful order
                ),
                FakeFile("mmproj-Quants-1B-f16.gguf", tiny_gguf("clip", size=3000)),
                readme,
            ],
            downloads=500,
            likes=90,
            last_modified=datetime(2025, 3, 1, tzinfo=timezone.utc),
            license="mit",
            gguf={"total": 1_235_814_400, "architecture": "llama", "context_length": 131072},
        ),
        FakeRepo(
            SPLIT,
            [
                *(
                    FakeFile(f"Q4_K_M/Big-70B-Q4_K_M-0000{i}-of-00003.gguf", _SPLIT_CONTENT[i - 1])
                    for i in (3, 1, 2)
                ),
                FakeFile("Big-70B-Q2_K.gguf", tiny_gguf(size=200_000)),
                # Part 2 of 2 was never uploaded.
                FakeFile("Q8_0/Big-70B-Q8_0-00001-of-00002.gguf", tiny_gguf(size=500_000)),
                readme,
            ],
            downloads=3_000,
            likes=10,
            last_modified=datetime(2024, 8, 1, tzinfo=timezone.utc),
            license="llama3.3",
            gguf={"total": 70_553_706_496, "architecture": "llama", "context_length": 131072},
        ),
        FakeRepo(
            GATED,
            [FakeFile(GATED_FILE, tiny_gguf("gemma3", context_length=32768, size=8192)), readme],
            gated=True,
            downloads=800,
            likes=200,
            last_modified=datetime(2025, 5, 1, tzinfo=timezone.utc),
            license="gemma",
            gguf={"total": 999_885_952, "architecture": "gemma3", "context_length": 32768},
        ),
        FakeRepo(
            PRIVATE,
            [FakeFile("Secret-Q4_0.gguf", tiny_gguf(size=2048))],
            private=True,
            downloads=999_999,
        ),
        FakeRepo(
            NOT_GGUF,
            [FakeFile("model.safetensors", b"\0" * 1024), readme],
            tags=["transformers", "safetensors"],
            library_name="transformers",
            downloads=100_000,
        ),
    ]


# Sizes grow with the bits per weight, as real files of one model do.
_QUANT_CONTENT = {
    quant: tiny_gguf(size=1000 + 100 * position, name=quant)
    for position, quant in enumerate(QUANT_NAMES_IN_ORDER)
}
_SPLIT_CONTENT = [tiny_gguf(size=n, name=f"part {i}") for i, n in enumerate(SPLIT_PART_SIZES, 1)]
