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
# What a reply does when the conversation no longer fits the context: leave out the oldest
# turns (the system prompt and the newest turn stay), or refuse with a sentence saying so.
Overflow = Literal["drop_oldest", "stop"]
OVERFLOW_CHOICES: tuple[Overflow, ...] = ("drop_oldest", "stop")
# Disk space for saved model states (KV caches of conversations), least recently used first.
DEFAULT_STATE_BUDGET = 2 * 1024**3
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

    The field names are llama-cpp-python's completion keywords (``completion_kwargs()``).
    ``temperature=0`` is greedy; a ``seed`` makes a reply reproducible; ``mirostat_mode`` 1 or
    2 replaces top-k/top-p/min-p/typical-p with Mirostat (when the temperature is above 0).
    ``stop`` strings end the reply, besides the chat template's own.
    """

    temperature: float = 0.7
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.05
    typical_p: float = 1.0
    repeat_penalty: float = 1.1
    presence_penalty: float = 0.0
    frequency_penalty: float = 0.0
    mirostat_mode: int = 0
    mirostat_tau: float = 5.0
    mirostat_eta: float = 0.1
    seed: int | None = None
    max_tokens: int | None = None
    stop: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``stop`` is a list."""
        data = asdict(self)
        data["stop"] = list(self.stop)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GenerationParams:
        known = _known_fields(cls, data)
        stop = known.get("stop")
        if isinstance(stop, str):
            known["stop"] = (stop,) if stop else ()
        elif stop is not None:
            known["stop"] = tuple(str(item) for item in stop if item)
        if known.get("mirostat_mode") not in (None, 0, 1, 2):
            known.pop("mirostat_mode")
        return cls(**known)

    def completion_kwargs(self) -> dict[str, Any]:
        """The sampling keywords of ``Llama.create_completion`` (``stop`` is passed apart,
        merged with the chat template's)."""
        data = asdict(self)
        del data["stop"]
        return data


@dataclass(frozen=True)
class GenerationProgress:
    """Where a reply stands: sent once its prompt is ready, then with every batch of text.

    ``dropped_turns``: turns other than system prompts left out from the start of the
    conversation to make it fit the context of ``n_ctx`` tokens (0: not known, as for a remote
    server that does not say). ``estimated``: the token counts are estimates (a remote server
    that does not count for us), to be shown as such.
    """

    prompt_tokens: int
    completion_tokens: int
    dropped_turns: int
    n_ctx: int
    estimated: bool = False

    @property
    def used_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


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
    # A model on a remote server: its API base (``path`` is then its reference NAME/MODEL_ID,
    # and the layers are not known here).
    remote_url: str | None = None

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
    # Turns other than system prompts left out from the start to fit the context.
    dropped_turns: int = 0
    # Prompt tokens not evaluated again: already in the context, or from a saved state.
    reused_tokens: int = 0
    # Refused before a token was written: the conversation or prompt does not fit the context.
    too_long: bool = False

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
