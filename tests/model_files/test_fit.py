"""Memory estimates from the header, checked against llama.cpp's own numbers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from desktop_llm.model_files import (
    GGUFInfo,
    estimate_memory,
    fit_verdict,
    human_parameters,
    human_size,
    parse_gguf_header,
    read_gguf_info,
)
from tests.model_files.gguf_builder import VT, tiny_model


@pytest.fixture(scope="module")
def info(model_path: Path) -> GGUFInfo:
    return read_gguf_info(model_path)


def _layer_bytes(info: GGUFInfo, layers: range) -> int:
    return sum(
        tensor.n_bytes
        for tensor in info.tensors
        if (match := re.match(r"blk\.(\d+)\.", tensor.name)) and int(match.group(1)) in layers
    )


def test_kv_cache_and_weights(info: GGUFInfo) -> None:
    estimate = estimate_memory(info, n_ctx=4096)
    # 2 (K and V) x 30 layers x 4096 positions x 3 KV heads x 64 dims x 2 bytes (f16); llama.cpp
    # logs "KV buffer size = 90.00 MiB" for it.
    assert estimate.kv_cache_bytes == 2 * 30 * 4096 * 3 * 64 * 2 == 94_371_840
    assert estimate.weights_bytes == info.data_size
    assert estimate.total_bytes == (
        estimate.weights_bytes + estimate.kv_cache_bytes + estimate.overhead_bytes
    )
    # llama.cpp allocates a ~99 MiB compute buffer here (mostly the logits of a 512-token
    # batch over a 49k vocabulary); the estimate may lean high, not low.
    assert 99 * 2**20 <= estimate.overhead_bytes <= 130 * 2**20
    assert estimate.gpu_bytes == 0 and estimate.cpu_bytes == estimate.total_bytes


def test_kv_cache_grows_with_context_and_shrinks_with_its_type(info: GGUFInfo) -> None:
    small = estimate_memory(info, n_ctx=1024).kv_cache_bytes
    assert estimate_memory(info, n_ctx=2048).kv_cache_bytes == 2 * small
    assert estimate_memory(info, n_ctx=1024, kv_type_bytes=1.0).kv_cache_bytes == small // 2


def test_gpu_share_follows_the_offloaded_layers(info: GGUFInfo) -> None:
    half = estimate_memory(info, n_ctx=4096, n_gpu_layers=15)
    all_layers = _layer_bytes(info, range(30))
    # llama.cpp offloads the last N layers, with their share of the KV cache.
    offloaded = _layer_bytes(info, range(15, 30))
    assert offloaded == pytest.approx(all_layers / 2, rel=0.01)
    assert half.gpu_bytes == offloaded + half.kv_cache_bytes // 2 + half.overhead_bytes
    assert half.cpu_bytes == half.total_bytes - half.gpu_bytes

    everything = estimate_memory(info, n_ctx=4096, n_gpu_layers=-1)
    # All but the input embeddings, which llama.cpp always keeps on the CPU.
    embeddings = next(t for t in info.tensors if t.name == "token_embd.weight")
    assert everything.cpu_bytes == embeddings.n_bytes
    assert estimate_memory(info, n_ctx=4096, n_gpu_layers=999) == everything


def test_flash_attention_needs_less_scratch_at_long_context(info: GGUFInfo) -> None:
    plain = estimate_memory(info, n_ctx=32768)
    flash = estimate_memory(info, n_ctx=32768, flash_attn=True)
    assert flash.overhead_bytes < plain.overhead_bytes
    assert flash.kv_cache_bytes == plain.kv_cache_bytes


def test_per_layer_head_counts() -> None:
    builder = tiny_model()
    builder.replace("llama.block_count", VT.UINT32, 2)
    builder.replace("llama.attention.head_count_kv", VT.ARRAY, (VT.UINT32, [2, 0]))
    data = builder.build()
    info = parse_gguf_header(data, file_size=len(data))
    assert info.head_count_kv == 2
    # Only the first layer has KV heads: 128 positions x 2 heads x (8 + 8) dims x 2 bytes.
    assert estimate_memory(info, n_ctx=128).kv_cache_bytes == 128 * 2 * 16 * 2


@pytest.mark.parametrize(
    ("needed", "available", "verdict"),
    [(50, 100, "fits"), (80, 100, "fits"), (81, 100, "tight"), (100, 100, "tight"),
     (101, 100, "does_not_fit")],
)
def test_verdicts(needed: int, available: int, verdict: str) -> None:
    assert fit_verdict(needed, available) == verdict


def test_the_bundled_model_fits_a_laptop(info: GGUFInfo) -> None:
    assert fit_verdict(estimate_memory(info, n_ctx=8192).total_bytes, 8 * 10**9) == "fits"
    assert fit_verdict(estimate_memory(info, n_ctx=8192).total_bytes, 100 * 10**6) == (
        "does_not_fit"
    )


@pytest.mark.parametrize(
    ("count", "text"),
    [(134_515_008, "135M"), (7_241_732_096, "7.2B"), (405_000_000_000, "405B"),
     (999_900_000, "1.0B"), (22_000, "22K"), (12, "12")],
)
def test_parameter_counts_read_like_model_cards(count: int, text: str) -> None:
    assert human_parameters(count) == text


@pytest.mark.parametrize(
    ("n_bytes", "text"),
    [(98_362_432, "98.4 MB"), (49_181_216, "49.2 MB"), (999, "999 bytes"),
     (999_960_000, "1.0 GB"), (2 * 10**12, "2.0 TB")],
)
def test_sizes_read_like_file_managers(n_bytes: int, text: str) -> None:
    assert human_size(n_bytes) == text
