"""Plain data passed in and out of the engine; no llama_cpp types leak past this package."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    # Only for annotations: model_files imports the gguf package (and numpy), which this
    # module, imported by every engine caller, does not need.
    from desktop_llm.model_files import GGUFInfo

FinishReason = Literal["stop", "length", "cancelled", "error"]
# "auto": safe mode when a crash proved this machine needs it; "on" / "off": the user's word.
SafeModeChoice = Literal["auto", "on", "off"]
SAFE_MODE_CHOICES: tuple[SafeModeChoice, ...] = ("auto", "on", "off")


def _known_fields(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """Drop keys a newer or older version wrote, so settings files never break a start."""
    names = {f.name for f in fields(cls)}
    return {key: value for key, value in data.items() if key in names}


@dataclass(frozen=True)
class LoadSettings:
    """How llama.cpp loads a model. ``n_gpu_layers=-1`` offloads every layer it can."""

    n_ctx: int = 4096
    n_gpu_layers: int = -1
    n_threads: int | None = None
    flash_attn: bool = False
    use_mmap: bool = True
    # Safe mode loads without llama.cpp's extra buffer types (AMX and repacked-weight CPU
    # kernels, which crash on some CPUs); the app decides what "auto" means on this machine.
    safe_mode: SafeModeChoice = "auto"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LoadSettings:
        known = _known_fields(cls, data)
        if known.get("safe_mode") not in SAFE_MODE_CHOICES:
            known.pop("safe_mode", None)
        return cls(**known)


@dataclass(frozen=True)
class GenerationParams:
    """Sampling settings of one reply. ``max_tokens=None`` lets the reply fill the context.

    The field names are llama-cpp-python's completion keywords, so ``to_dict()`` is also what
    the engine passes to ``create_completion``.
    """

    temperature: float = 0.7
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.05
    repeat_penalty: float = 1.1
    seed: int | None = None
    max_tokens: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GenerationParams:
        return cls(**_known_fields(cls, data))


@dataclass(frozen=True)
class ChatTurn:
    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True)
class BackendInfo:
    """What this llama.cpp build can do, so a silent CPU fallback is visible."""

    backend: str
    gpu_offload_supported: bool
    llama_cpp_python_version: str
    system_info: str


@dataclass(frozen=True)
class LoadedModel:
    path: Path
    n_ctx: int
    n_layers: int | None
    gpu_layers: int | None
    chat_template: str | None
    settings: LoadSettings
    metadata: dict[str, str] = field(default_factory=dict)
    info: GGUFInfo | None = None  # what the file's header says, checked before loading
    warnings: tuple[str, ...] = ()  # problems the model loaded despite, for the user to see
    # Loaded without llama.cpp's extra buffer types (AMX, repacked weights): see engine/safe_mode.
    safe_mode: bool = False

    @property
    def on_cpu_only(self) -> bool:
        return not self.gpu_layers


@dataclass(frozen=True)
class GenerationResult:
    text: str
    finish_reason: FinishReason
    prompt_tokens: int
    completion_tokens: int
    time_to_first_token: float | None
    tokens_per_second: float | None
    n_ctx: int
    error: str | None = None
    # For a stopped reply: tokens llama.cpp sampled after the stop arrived (0 or 1 expected).
    tokens_after_stop: int | None = None

    @classmethod
    def cut_short(
        cls, text: str, finish_reason: FinishReason, *, n_ctx: int = 0, error: str | None = None
    ) -> GenerationResult:
        """A reply that ended before llama.cpp could report on it (refused, stopped before it
        started, or its engine gone): what it had written, and no figures."""
        return cls(
            text=text,
            finish_reason=finish_reason,
            prompt_tokens=0,
            completion_tokens=0,
            time_to_first_token=None,
            tokens_per_second=None,
            n_ctx=n_ctx,
            error=error,
        )
