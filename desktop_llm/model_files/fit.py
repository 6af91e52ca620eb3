"""How much RAM and VRAM a model needs at a context length, from its header alone.

It is an estimate made before loading, for files not even downloaded yet, so it leans high:
a "fits" should fit. Checked against llama.cpp's own log for the bundled model (KV cache
exact; compute buffers within ~15 %).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from desktop_llm.model_files.info import GGUFInfo

# llama.cpp's default micro-batch: the compute buffers hold this many tokens' activations.
N_UBATCH = 512
_F32 = 4
# The runtime's own buffers (graph, output, small inputs), measured at a few MiB; rounded up.
FIXED_OVERHEAD_BYTES = 8 * 1024 * 1024
# Above this share of what is available, a model may still load but leaves the system short.
TIGHT_SHARE = 0.8

_LAYER_TENSOR = re.compile(r"blk\.(\d+)\.")

FitVerdict = Literal["fits", "tight", "does_not_fit"]


@dataclass(frozen=True)
class MemoryEstimate:
    weights_bytes: int
    kv_cache_bytes: int
    overhead_bytes: int  # compute buffers and runtime
    total_bytes: int
    gpu_bytes: int
    cpu_bytes: int


def estimate_memory(
    info: GGUFInfo,
    *,
    n_ctx: int,
    n_gpu_layers: int = 0,
    kv_type_bytes: float = 2.0,
    flash_attn: bool = False,
) -> MemoryEstimate:
    """Weights + KV cache + compute buffers, and how much of it lands on the GPU.

    ``n_gpu_layers`` follows llama.cpp: the last N layers go to the GPU, and -1 (or more than
    the model has) means all of them plus the output layer. ``kv_type_bytes`` is 2 for the
    default f16 cache, ~1.06 for q8_0.
    """
    n_layers = info.block_count or 0
    offloaded = n_layers if n_gpu_layers < 0 else min(n_gpu_layers, n_layers)
    everything = n_gpu_layers < 0 or n_gpu_layers > n_layers
    first_gpu_layer = n_layers - offloaded

    layer_bytes = [0] * n_layers
    output_bytes = 0
    for tensor in info.tensors:
        match = _LAYER_TENSOR.match(tensor.name)
        if match and int(match.group(1)) < n_layers:
            layer_bytes[int(match.group(1))] += tensor.n_bytes
        elif tensor.name.startswith("output"):
            output_bytes += tensor.n_bytes
        # The rest (token embeddings) always stays on the CPU in llama.cpp.
    gpu_weights = sum(layer_bytes[first_gpu_layer:]) + (output_bytes if everything else 0)

    layer_kv = _kv_bytes_per_layer(info, n_ctx, kv_type_bytes)
    kv_total = sum(layer_kv)
    gpu_kv = sum(layer_kv[first_gpu_layer:])

    overhead = _compute_bytes(info, n_ctx, flash_attn) + FIXED_OVERHEAD_BYTES
    weights = info.data_size
    total = weights + kv_total + overhead
    # The compute buffer lives with the layers: on the GPU as soon as any layer is there.
    gpu = gpu_weights + gpu_kv + (overhead if offloaded else 0)
    return MemoryEstimate(
        weights_bytes=weights,
        kv_cache_bytes=kv_total,
        overhead_bytes=overhead,
        total_bytes=total,
        gpu_bytes=gpu,
        cpu_bytes=total - gpu,
    )


def _kv_bytes_per_layer(info: GGUFInfo, n_ctx: int, kv_type_bytes: float) -> list[int]:
    """K and V for every position of the context, per layer (some models vary heads per layer).

    Sliding-window layers (Gemma) need less than this; counting them in full keeps it high.
    """
    n_layers = info.block_count or 0
    heads = info.hyperparameter("attention.head_count_kv")
    if isinstance(heads, tuple) and len(heads) == n_layers:
        kv_heads = [int(h) for h in heads]
    else:
        kv_heads = [info.head_count_kv or 0] * n_layers
    if info.head_count and info.embedding_length:
        default_dim = info.embedding_length // info.head_count
    else:
        default_dim = 0
    key_dim = info.key_length or default_dim
    value_dim = info.value_length or default_dim
    return [int(n_ctx * h * (key_dim + value_dim) * kv_type_bytes) for h in kv_heads]


def _vocab_size(info: GGUFInfo) -> int:
    size = info.hyperparameter("vocab_size")
    if isinstance(size, int):
        return size
    tokens = info.metadata.get("tokenizer.ggml.tokens")
    return len(tokens) if isinstance(tokens, tuple) else getattr(tokens, "length", 0)


def _compute_bytes(info: GGUFInfo, n_ctx: int, flash_attn: bool) -> int:
    """llama.cpp's compute buffer: the largest of the step buffers it reuses, plus activations.

    The logits of a micro-batch (vocab x batch) and, without flash attention, one layer's
    attention scores (context x batch x heads) are the big ones; they are not alive together.
    """
    logits = _vocab_size(info) * N_UBATCH * _F32
    attention = 0 if flash_attn else n_ctx * N_UBATCH * (info.head_count or 0) * _F32
    ffn = info.hyperparameter("feed_forward_length")
    ffn_length = max(ffn) if isinstance(ffn, tuple) and ffn else ffn
    ffn_length = ffn_length if isinstance(ffn_length, int) else 0
    activations = N_UBATCH * ((info.embedding_length or 0) + ffn_length) * _F32 * 2
    return max(logits, attention) + activations


def fit_verdict(needed: int, available: int) -> FitVerdict:
    if needed > available:
        return "does_not_fit"
    if needed > TIGHT_SHARE * available:
        return "tight"
    return "fits"
