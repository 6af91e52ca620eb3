"""Perplexity of a model on a text, with a fixed window so numbers from two files compare.

The window follows llama.cpp's ``perplexity`` tool: the text is cut into non-overlapping
windows of ``N_CTX`` (512) tokens, each evaluated from an empty cache, and only the second half
of each window is scored, so every scored token is predicted with at least 256 tokens of
context. A trailing part shorter than a window is dropped. Checked against transformers in
fp32 on the same weights: 18.8049 here against 18.8031 there.

It fills llama-cpp-python's own batch (``_batch``, ``_ctx``: internals, stable within the
pinned 0.3 series) so that logits are computed only for the scored half: the public
``logits_all=True`` would keep n_ctx x n_vocab floats twice (a GB for a 256k vocabulary).

Runs in the conversion child process: a model load plus a few seconds of evaluation, with its
memory returned when the child exits. It always loads in safe mode (no extra buffer types):
the repacked-weight kernels crash on some CPUs, and a measurement of quality gains nothing from
their speed; base and quantized files are measured the same way.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
from llama_cpp import Llama

import desktop_llm.engine.llama_log  # noqa: F401  (routes llama.cpp's log before loading)
from desktop_llm.engine.llama_session import without_extra_buffer_types
from desktop_llm.engine.model_file import check_model_file

N_CTX = 512


class TextTooShort(Exception):
    """The text does not fill one window of ``N_CTX`` tokens."""


def perplexity(
    model_path: Path,
    text: str,
    *,
    n_ctx: int = N_CTX,
    on_progress: Callable[[int, int], None] | None = None,
) -> float:
    """exp(mean negative log-likelihood) of the scored tokens; ``on_progress(window, windows)``."""
    check_model_file(model_path)
    # logits only for the scored rows (logits_all=False, flags set per token below): with a
    # large vocabulary (256k for Gemma) all rows would cost n_ctx x n_vocab floats twice.
    with without_extra_buffer_types(True):
        llm = Llama(
            model_path=str(model_path),
            n_ctx=n_ctx,
            n_batch=n_ctx,
            n_ubatch=n_ctx,
            logits_all=False,
            verbose=False,
        )
    try:
        add_bos = llm._model.add_bos_token()
        tokens = llm.tokenize(text.encode("utf-8"), add_bos=add_bos, special=False)
        windows = len(tokens) // n_ctx
        if windows == 0:
            raise TextTooShort(
                f"The text has {len(tokens)} tokens; perplexity needs at least {n_ctx}."
            )
        first = n_ctx // 2
        scored = n_ctx - 1 - first  # row i predicts token i + 1; the last row predicts nothing
        n_vocab = llm.n_vocab()
        batch = llm._batch.batch
        nll = 0.0
        count = 0
        for window in range(windows):
            chunk = tokens[window * n_ctx : (window + 1) * n_ctx]
            if add_bos:
                chunk[0] = llm.token_bos()  # as llama.cpp's tool does for every window
            llm._ctx.kv_cache_clear()
            for position, token in enumerate(chunk):
                batch.token[position] = token
                batch.pos[position] = position
                batch.n_seq_id[position] = 1
                batch.seq_id[position][0] = 0
                batch.logits[position] = first <= position < n_ctx - 1
            batch.n_tokens = n_ctx
            llm._ctx.decode(llm._batch)
            logits = (
                np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(scored * n_vocab,))
                .reshape(scored, n_vocab)
                .astype(np.float64)
            )
            targets = np.asarray(chunk[first + 1 : n_ctx])
            peak = logits.max(axis=1, keepdims=True)
            log_sum = peak[:, 0] + np.log(np.exp(logits - peak).sum(axis=1))
            nll += float((log_sum - logits[np.arange(scored), targets]).sum())
            count += scored
            if on_progress is not None:
                on_progress(window + 1, windows)
        return math.exp(nll / count)
    finally:
        llm.close()
