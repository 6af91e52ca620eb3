"""The chat service and the plain types its clients (the window, the command line) use."""

from desktop_llm.engine.types import (
    BackendInfo,
    GenerationParams,
    GenerationResult,
    LoadedModel,
    LoadSettings,
)
from desktop_llm.hub import ModelFile, RepoFiles, RepoSummary
from desktop_llm.storage import ConversationRecord, MessageRecord, ModelRecord

__all__ = [
    "BackendInfo",
    "ConversationRecord",
    "GenerationParams",
    "GenerationResult",
    "LoadSettings",
    "LoadedModel",
    "MessageRecord",
    "ModelFile",
    "ModelRecord",
    "RepoFiles",
    "RepoSummary",
]
