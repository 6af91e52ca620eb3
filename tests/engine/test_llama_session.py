"""LlamaSession in this process: what only the engine process's own code can observe.

Loads here use safe mode: on CPUs with AMX, llama.cpp's repacked-weight kernels crash the
first decode (an upstream bug), and a crash in this process would end the test run.
"""

from __future__ import annotations

from pathlib import Path

import llama_cpp
from llama_cpp import llama_chat_format

from desktop_llm.engine.llama_log import LLAMA_LOG
from desktop_llm.engine.llama_session import LlamaSession
from desktop_llm.engine.types import LoadSettings
from tests.gguf_files import copy_with_metadata


def test_safe_mode_loads_without_the_extra_buffer_types(model_path: Path) -> None:
    assert llama_cpp.llama_model_default_params().use_extra_bufts  # llama.cpp's default
    mark = LLAMA_LOG.mark()
    session = LlamaSession.load(model_path, LoadSettings(n_ctx=256), safe_mode=True)
    try:
        lines = b"\n".join(LLAMA_LOG.lines_since(mark))
        assert session.loaded.safe_mode
        # With them on, llama.cpp names the repack buffer type it would prefer for each
        # tensor ("cannot be used with preferred buffer type CPU_REPACK"); off, never.
        assert b"CPU_REPACK" not in lines
        assert b"load_tensors" in lines  # the lines looked at are this load's
    finally:
        session.close()
    # The stand-in was only there during the load.
    assert llama_cpp.llama_model_default_params().use_extra_bufts
    assert llama_cpp.llama_cpp.llama_model_default_params.__name__ == "llama_model_default_params"


def test_a_broken_template_is_replaced_only_during_the_load(
    model_path: Path, tmp_path: Path
) -> None:
    broken = copy_with_metadata(
        model_path, tmp_path / "broken-template.gguf",
        {"tokenizer.chat_template": "{% for m in messages %}{{ m.content }"},
    )
    session = LlamaSession.load(broken, LoadSettings(n_ctx=256), safe_mode=True)
    try:
        assert len(session.loaded.warnings) == 1
    finally:
        session.close()
    assert llama_chat_format.Jinja2ChatFormatter.__qualname__ == "Jinja2ChatFormatter"
