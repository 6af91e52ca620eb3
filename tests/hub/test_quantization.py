"""Quantization types from file names, their order, and split files joined into one model."""

from __future__ import annotations

import pytest

from desktop_llm.hub import (
    QUANT_TYPES,
    FilePart,
    group_model_files,
    parse_quantization,
    parse_split_name,
    quantization_sort_key,
)

# Real file names from popular GGUF repositories and the usual spelling variants.
NAMES = [
    ("Meta-Llama-3.1-8B-Instruct-Q2_K.gguf", "Q2_K"),
    ("Meta-Llama-3.1-8B-Instruct-Q2_K_S.gguf", "Q2_K_S"),
    ("Meta-Llama-3.1-8B-Instruct-Q3_K_S.gguf", "Q3_K_S"),
    ("Meta-Llama-3.1-8B-Instruct-Q3_K_M.gguf", "Q3_K_M"),
    ("Meta-Llama-3.1-8B-Instruct-Q3_K_L.gguf", "Q3_K_L"),
    ("qwen2.5-0.5b-instruct-q4_0.gguf", "Q4_0"),
    ("SmolLM2-135M-Instruct.Q4_1.gguf", "Q4_1"),
    ("mistral-7b-instruct-v0.2.Q4_K_S.gguf", "Q4_K_S"),
    ("mistral-7b-instruct-v0.2.Q4_K_M.gguf", "Q4_K_M"),
    ("llama-2-7b.q5_0.gguf", "Q5_0"),
    ("llama-2-7b.q5_1.gguf", "Q5_1"),
    ("phi-2.Q5_K_S.gguf", "Q5_K_S"),
    ("phi-2.Q5_K_M.gguf", "Q5_K_M"),
    ("gemma-2-2b-it-Q6_K.gguf", "Q6_K"),
    ("gemma-2-2b-it-Q8_0.gguf", "Q8_0"),
    ("gemma-2-2b-it-f16.gguf", "F16"),
    ("Llama-3.2-1B-Instruct-BF16.gguf", "BF16"),
    ("Llama-3.2-1B-Instruct-f32.gguf", "F32"),
    ("DeepSeek-R1-UD-IQ1_S-00001-of-00003.gguf", "IQ1_S"),
    ("DeepSeek-R1-UD-IQ1_M-00002-of-00004.gguf", "IQ1_M"),
    ("Llama-3.3-70B-Instruct-IQ2_XXS.gguf", "IQ2_XXS"),
    ("Llama-3.3-70B-Instruct-IQ2_XS.gguf", "IQ2_XS"),
    ("Llama-3.3-70B-Instruct-IQ2_S.gguf", "IQ2_S"),
    ("Llama-3.3-70B-Instruct-IQ2_M.gguf", "IQ2_M"),
    ("Qwen2.5-7B-Instruct-IQ3_XXS.gguf", "IQ3_XXS"),
    ("Qwen2.5-7B-Instruct-IQ3_XS.gguf", "IQ3_XS"),
    ("Qwen2.5-7B-Instruct-iq3_s.gguf", "IQ3_S"),
    ("Qwen2.5-7B-Instruct-IQ3_M.gguf", "IQ3_M"),
    ("Qwen2.5-7B-Instruct-IQ4_NL.gguf", "IQ4_NL"),
    ("Meta-Llama-3-8B-Instruct-IQ4_XS.gguf", "IQ4_XS"),
    ("bitnet_b1_58-large-TQ1_0.gguf", "TQ1_0"),
    ("bitnet_b1_58-large-tq2_0.gguf", "TQ2_0"),
    ("gpt-oss-20b-MXFP4.gguf", "MXFP4"),
    # Separators inside the type name, and other spellings.
    ("model-Q4-K-M.gguf", "Q4_K_M"),
    ("model.q4.k.m.gguf", "Q4_K_M"),
    ("model.fp16.gguf", "F16"),
    # Variants with bigger embedding/output tensors are their own types, not "Q4_K".
    ("Llama-3.2-3B-Instruct-Q4_K_L.gguf", "Q4_K_L"),
    ("Qwen3-30B-A3B-UD-Q4_K_XL.gguf", "Q4_K_XL"),
    # The type comes from the file name; the folder only when the file name has none.
    ("Q4_K_M/Big-70B-Q4_K_M-00001-of-00003.gguf", "Q4_K_M"),
    ("Q8_0/model-00001-of-00002.gguf", "Q8_0"),
    # Look-alikes that are not the type.
    ("mmproj-model-f16.gguf", "F16"),
    ("Phi-3-mini-4k-instruct-q4.gguf", None),
    ("model.gguf", None),
    ("Qwen2.5-Coder-7B-Instruct.gguf", None),
]


@pytest.mark.parametrize(("file_name", "expected"), NAMES, ids=[n for n, _ in NAMES])
def test_quantization_is_read_from_the_file_name(file_name: str, expected: str | None) -> None:
    assert parse_quantization(file_name) == expected


def test_the_table_covers_at_least_thirty_names_and_every_listed_type() -> None:
    assert len(NAMES) >= 30
    recognised = {expected for _, expected in NAMES if expected is not None}
    assert recognised <= {quant.name for quant in QUANT_TYPES}


def test_longer_names_are_not_read_as_their_shorter_relatives() -> None:
    # IQ4_XS contains "Q4_", BF16 contains "F16", Q2_K_S starts with "Q2_K".
    assert parse_quantization("x-IQ4_XS.gguf") == "IQ4_XS"
    assert parse_quantization("x-BF16.gguf") == "BF16"
    assert parse_quantization("x-Q2_K_S.gguf") == "Q2_K_S"
    assert parse_quantization("x-IQ2_XXS.gguf") == "IQ2_XXS"


def test_types_sort_from_smallest_to_largest() -> None:
    names = ["F16", "Q8_0", None, "Q4_K_M", "IQ2_XXS", "Q2_K", "BF16", "F32", "Q4_0", "Q6_K"]
    ordered = sorted(names, key=quantization_sort_key)
    assert ordered == [
        "IQ2_XXS", "Q2_K", "Q4_0", "Q4_K_M", "Q6_K", "Q8_0", "BF16", "F16", "F32", None,
    ]  # fmt: skip


def test_every_known_type_has_a_distinct_place_in_the_order() -> None:
    keys = [quantization_sort_key(quant.name) for quant in QUANT_TYPES]
    assert len(set(keys)) == len(keys)
    assert all(key < quantization_sort_key(None) for key in keys)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("m-Q4_K_M-00001-of-00003.gguf", ("m-Q4_K_M", 1, 3)),
        ("dir/m-00003-of-00003.gguf", ("dir/m", 3, 3)),
        ("m-Q4_K_M.gguf", None),
        ("m-00004-of-00003.gguf", None),  # a part number past the count is no part
        ("m-00000-of-00003.gguf", None),
        ("m-00001-of-00003.gguf.part", None),
    ],
)
def test_split_names(path: str, expected: tuple[str, int, int] | None) -> None:
    split = parse_split_name(path)
    assert (None if split is None else (split.stem, split.index, split.count)) == expected


def test_split_parts_are_one_model_with_the_total_size_and_each_parts_checksum() -> None:
    files = [
        FilePart("Q4_K_M/m-Q4_K_M-00002-of-00003.gguf", 200, "b" * 64),
        FilePart("README.md", 10, None),
        FilePart("Q4_K_M/m-Q4_K_M-00003-of-00003.gguf", 50, "c" * 64),
        FilePart("m-Q2_K.gguf", 120, "d" * 64),
        FilePart("Q4_K_M/m-Q4_K_M-00001-of-00003.gguf", 300, "a" * 64),
        FilePart("model.safetensors", 999, "e" * 64),
    ]
    models = group_model_files(files)
    assert [m.name for m in models] == ["m-Q2_K.gguf", "Q4_K_M/m-Q4_K_M.gguf"]
    split = models[1]
    assert split.quantization == "Q4_K_M"
    assert split.is_split and split.split_count == 3 and split.complete
    assert split.paths == (
        "Q4_K_M/m-Q4_K_M-00001-of-00003.gguf",
        "Q4_K_M/m-Q4_K_M-00002-of-00003.gguf",
        "Q4_K_M/m-Q4_K_M-00003-of-00003.gguf",
    )
    assert split.size_bytes == 550
    assert [p.sha256 for p in split.parts] == ["a" * 64, "b" * 64, "c" * 64]
    single = models[0]
    assert not single.is_split and single.complete and single.paths == ("m-Q2_K.gguf",)


def test_an_incomplete_split_set_is_flagged_with_the_missing_parts() -> None:
    models = group_model_files(
        [
            FilePart("m-Q8_0-00001-of-00004.gguf", 10, None),
            FilePart("m-Q8_0-00003-of-00004.gguf", 10, None),
        ]
    )
    assert len(models) == 1
    assert not models[0].complete
    assert models[0].missing_parts == (2, 4)
    assert models[0].size_bytes == 20


def test_sets_that_announce_different_part_counts_stay_apart() -> None:
    models = group_model_files(
        [
            FilePart("m-00001-of-00002.gguf", 1, None),
            FilePart("m-00002-of-00002.gguf", 1, None),
            FilePart("m-00001-of-00003.gguf", 1, None),
        ]
    )
    assert sorted((m.split_count, m.complete) for m in models) == [(2, True), (3, False)]


def test_vision_projectors_are_marked() -> None:
    models = group_model_files(
        [FilePart("mmproj-model-f16.gguf", 1, None), FilePart("model-F16.gguf", 1, None)]
    )
    assert {m.name: m.is_projector for m in models} == {
        "mmproj-model-f16.gguf": True,
        "model-F16.gguf": False,
    }
