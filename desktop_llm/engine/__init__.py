"""The only package that imports llama_cpp, and only inside the engine process.

Two sides: the engine process (``host``, ``worker``, ``llama_session`` and the modules that
call llama.cpp) and the app's side of it (``client``, ``protocol``, ``machine``, ``types``,
``model_file``), which never loads llama_cpp: a crash in llama.cpp ends only the engine.
"""

from desktop_llm.engine.types import (
    BackendInfo,
    ChatTurn,
    GenerationParams,
    GenerationProgress,
    GenerationResult,
    LoadedModel,
    LoadSettings,
)

__all__ = [
    "BackendInfo",
    "ChatTurn",
    "GenerationParams",
    "GenerationProgress",
    "GenerationResult",
    "LoadSettings",
    "LoadedModel",
]
