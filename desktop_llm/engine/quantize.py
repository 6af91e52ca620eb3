"""Quantize a GGUF file with llama.cpp's own ``llama_model_quantize``.

Meant for the conversion child process (``desktop_llm.converter.child``): the call holds the
whole model in memory and has no cancel hook, so the app runs it in a process it can kill.
Progress comes from llama.cpp's log, which prints one ``[  12/ 272] tensor-name ...`` line
per finished tensor.
"""

from __future__ import annotations

import ctypes
import re
from collections.abc import Callable
from pathlib import Path

import llama_cpp

from desktop_llm.engine.llama_log import LLAMA_LOG

_TENSOR_DONE = re.compile(rb"\[\s*(\d+)/\s*(\d+)\]")
# What llama.cpp says when a type cannot be made without an importance matrix.
_NEEDS_IMATRIX = b"requires an importance matrix"


class QuantizeFailed(Exception):
    """llama.cpp refused or failed; the message is its own last words, made readable."""


def ftype_of(type_name: str) -> int:
    """llama.cpp's LLAMA_FTYPE_MOSTLY_* number for a type name such as ``"Q4_K_M"``."""
    value = getattr(llama_cpp, f"LLAMA_FTYPE_MOSTLY_{type_name.upper()}", None)
    if value is None:
        raise QuantizeFailed(f"llama.cpp has no quantization type called {type_name}.")
    return int(value)


def quantize_file(
    source: Path,
    target: Path,
    type_name: str,
    *,
    on_progress: Callable[[int, int], None] | None = None,
    allow_requantize: bool = False,
) -> None:
    """Write ``target`` as ``source`` quantized to ``type_name``; ``on_progress(done, total)``
    after each tensor. The caller writes to a temporary name: a failure can leave a part."""
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = ftype_of(type_name)
    params.allow_requantize = allow_requantize
    mark = LLAMA_LOG.mark()

    def on_line(line: bytes) -> None:
        found = _TENSOR_DONE.search(line)
        if found and on_progress is not None:
            on_progress(int(found.group(1)), int(found.group(2)))

    stop = LLAMA_LOG.listen(on_line)
    try:
        status = llama_cpp.llama_model_quantize(
            str(source).encode(), str(target).encode(), ctypes.byref(params)
        )
    finally:
        stop()
    if status != 0:
        raise QuantizeFailed(_failure_reason(LLAMA_LOG.lines_since(mark), type_name))


def _failure_reason(lines: list[bytes], type_name: str) -> str:
    if any(_NEEDS_IMATRIX in line or b"requires an imatrix" in line for line in lines):
        return f"{type_name} needs an importance matrix, which this app does not make yet."
    for line in reversed(lines):
        text = line.decode("utf-8", "replace").strip()
        if "failed" in text.lower() or "error" in text.lower():
            return f"llama.cpp could not quantize to {type_name}: {text}"
    return f"llama.cpp could not quantize to {type_name}."
