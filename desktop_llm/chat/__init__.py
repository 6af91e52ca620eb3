"""The chat service and the plain types its clients (the window, the command line) use."""

from desktop_llm.chat.model_manager import FitEstimate
from desktop_llm.chat.safe_mode import SafeModeStatus
from desktop_llm.converter.job import (
    OUTTYPES,
    QUANT_TARGETS,
    ConversionJob,
    ConversionRequest,
    ConversionResult,
    JobProgress,
    QualityRow,
)
from desktop_llm.converter.plan import describe_quantization
from desktop_llm.engine.client import EngineEvent
from desktop_llm.engine.machine import default_threads
from desktop_llm.engine.types import (
    BackendInfo,
    GenerationParams,
    GenerationProgress,
    GenerationResult,
    LoadedModel,
    LoadSettings,
)
from desktop_llm.hub import ModelFile, RepoFiles, RepoSummary
from desktop_llm.hub import conventions as hub_conventions
from desktop_llm.hub.download import DownloadSnapshot
from desktop_llm.hub.download import JobState as DownloadState
from desktop_llm.storage import ConversationRecord, MessageRecord, ModelRecord, SearchHit

__all__ = [
    "OUTTYPES",
    "QUANT_TARGETS",
    "BackendInfo",
    "ConversationRecord",
    "ConversionJob",
    "ConversionRequest",
    "ConversionResult",
    "DownloadSnapshot",
    "DownloadState",
    "EngineEvent",
    "FitEstimate",
    "GenerationParams",
    "GenerationProgress",
    "GenerationResult",
    "JobProgress",
    "LoadSettings",
    "LoadedModel",
    "MessageRecord",
    "ModelFile",
    "ModelRecord",
    "QualityRow",
    "RepoFiles",
    "RepoSummary",
    "SafeModeStatus",
    "SearchHit",
    "default_threads",
    "describe_quantization",
    "hub_conventions",
]
