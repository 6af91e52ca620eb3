"""The Hugging Face Hub: search, repository files, remote headers, the token. Qt-free.

The only package that imports huggingface_hub, and only inside functions: importing
``desktop_llm.hub`` leaves huggingface_hub unloaded, so :func:`prepare_environment` (run by
``HubClient``) can still set the ``HF_*`` variables the library reads when it is first imported.
"""

from __future__ import annotations

from desktop_llm.hub.client import MAX_SEARCH_RESULTS, HubClient, SortOrder
from desktop_llm.hub.endpoint import DEFAULT_ENDPOINT, HubConfig, prepare_environment
from desktop_llm.hub.quantization import (
    QUANT_TYPES,
    QuantType,
    SplitName,
    group_model_files,
    is_gguf,
    parse_quantization,
    parse_split_name,
    quant_type,
    quantization_sort_key,
)
from desktop_llm.hub.token_store import TokenStore
from desktop_llm.hub.types import FilePart, ModelFile, RepoFiles, RepoSummary

__all__ = [
    "DEFAULT_ENDPOINT",
    "MAX_SEARCH_RESULTS",
    "QUANT_TYPES",
    "FilePart",
    "HubClient",
    "HubConfig",
    "ModelFile",
    "QuantType",
    "RepoFiles",
    "RepoSummary",
    "SortOrder",
    "SplitName",
    "TokenStore",
    "group_model_files",
    "is_gguf",
    "parse_quantization",
    "parse_split_name",
    "prepare_environment",
    "quant_type",
    "quantization_sort_key",
]
