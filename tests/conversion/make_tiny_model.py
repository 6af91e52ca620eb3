"""Write a tiny, randomly initialised Llama model as a Hugging Face folder (run as a script).

    python tests/conversion/make_tiny_model.py OUT_DIR GGUF_MODEL

Run in a subprocess by the fixture, so the test process itself never imports torch. The
tokenizer is the bundled model's, read from its GGUF by transformers: a real tokenizer, offline.
Hidden size 256 (not smaller) so llama.cpp's K-quants really apply (rows of 256 values).
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM


def main(out: Path, gguf_model: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(gguf_model.parent, gguf_file=gguf_model.name)
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=256,
        intermediate_size=512,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        rms_norm_eps=1e-5,
        rope_theta=10000.0,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    model = LlamaForCausalLM(config)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
