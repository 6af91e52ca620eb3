"""GGUF model files, read and judged before llama.cpp sees them. No Qt, no llama_cpp.

``read_gguf_info`` (a local file) and ``parse_gguf_header`` (the first bytes of a remote one)
refuse anything llama.cpp would refuse or crash on, with a ``GGUFError`` whose message names
the actual problem; what they return, ``GGUFInfo``, is what the model manager shows and what
``estimate_memory`` works from.
"""

from desktop_llm.model_files.chat_template import chat_template_problem
from desktop_llm.model_files.errors import GGUFError, NeedMoreData
from desktop_llm.model_files.fit import MemoryEstimate, estimate_memory, fit_verdict
from desktop_llm.model_files.header import ArraySummary, TensorInfo
from desktop_llm.model_files.humanize import (
    human_duration,
    human_parameters,
    human_size,
    size_in_units,
)
from desktop_llm.model_files.info import GGUFInfo
from desktop_llm.model_files.read import parse_gguf_header, read_gguf_info

__all__ = [
    "ArraySummary",
    "GGUFError",
    "GGUFInfo",
    "MemoryEstimate",
    "NeedMoreData",
    "TensorInfo",
    "chat_template_problem",
    "estimate_memory",
    "fit_verdict",
    "human_duration",
    "human_parameters",
    "human_size",
    "parse_gguf_header",
    "read_gguf_info",
    "size_in_units",
]
