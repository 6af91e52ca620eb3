"""The only package that imports llama_cpp.

Importing this package stays cheap: llama_cpp is loaded by ``engine.worker`` and
``engine.llama_session``, which callers import when they really need a model.
"""

from desktop_llm.engine.types import (
    BackendInfo,
    ChatTurn,
    GenerationParams,
    GenerationResult,
    LoadedModel,
    LoadSettings,
)

__all__ = [
    "BackendInfo",
    "ChatTurn",
    "GenerationParams",
    "GenerationResult",
    "LoadSettings",
    "LoadedModel",
]
