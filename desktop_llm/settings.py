"""The user's settings: a typed dataclass saved as JSON in the config folder.

Unknown keys are ignored and a damaged file falls back to defaults (after keeping a copy),
so a settings file never stops the app from starting. A damaged value of a newer field (a
preset, a template, a choice) falls back on its own, without losing the rest.

The user's generation presets and prompt templates are records of this file; the built-in
ones and what is done with them live in ``chat/presets.py``.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar

from desktop_llm.engine.types import (
    OVERFLOW_CHOICES,
    GenerationParams,
    LoadSettings,
    Overflow,
)
from desktop_llm.hub.endpoint import DEFAULT_ENDPOINT as DEFAULT_HUB_ENDPOINT

logger = logging.getLogger(__name__)
_Record = TypeVar("_Record")
_Choice = TypeVar("_Choice")

# The interface's language: the system's, or one the user chose (applied at the next start).
LANGUAGE_CHOICES = ("system", "en", "zh_CN")


@dataclass(frozen=True)
class Preset:
    """A named set of generation parameters. Built-in ones come with the app and cannot be
    changed; the user's are saved in the settings."""

    name: str
    params: GenerationParams
    builtin: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "params": self.params.to_dict()}

    @classmethod
    def from_dict(cls, data: Any) -> Preset | None:
        """None for an entry that is not a preset (damaged or hand-edited)."""
        if not isinstance(data, dict):
            return None
        name, params = data.get("name"), data.get("params")
        if not isinstance(name, str) or not name.strip() or not isinstance(params, dict):
            return None
        checked = _checked_params(params)
        return Preset(name.strip(), checked) if checked is not None else None


@dataclass(frozen=True)
class PromptTemplate:
    """Text to start a message from; ``{{input}}`` marks where the question goes (see
    chat.presets.fill_template)."""

    name: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "text": self.text}

    @classmethod
    def from_dict(cls, data: Any) -> PromptTemplate | None:
        if not isinstance(data, dict):
            return None
        name, text = data.get("name"), data.get("text")
        if not isinstance(name, str) or not name.strip() or not isinstance(text, str):
            return None
        return PromptTemplate(name.strip(), text)


@dataclass(frozen=True)
class RemoteEndpoint:
    """An OpenAI-compatible server the user added: its name (the ``NAME`` of ``NAME/MODEL_ID``)
    and its API base (``http://gpu-box:8000/v1``). Its API key lives in the keyring."""

    name: str
    base_url: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "base_url": self.base_url}

    @classmethod
    def from_dict(cls, data: Any) -> RemoteEndpoint | None:
        if not isinstance(data, dict):
            return None
        name, base_url = data.get("name"), data.get("base_url")
        if not isinstance(name, str) or not name.strip() or "/" in name:
            return None
        if not isinstance(base_url, str) or not base_url.strip():
            return None
        return RemoteEndpoint(name.strip(), base_url.strip())


@dataclass(frozen=True)
class Settings:
    load: LoadSettings = field(default_factory=LoadSettings)
    generation: GenerationParams = field(default_factory=GenerationParams)
    default_model: str | None = None
    system_prompt: str = "You are a helpful assistant."
    # None: the models folder inside the data folder.
    models_dir: str | None = None
    # A mirror of the Hugging Face Hub may stand here; the token lives in the keyring. None:
    # not chosen, so HF_ENDPOINT or the Hub itself (hub/conventions.py).
    hub_endpoint: str | None = None
    # Set when a crash proved this machine's CPU needs llama.cpp's safe mode:
    # {"cpu": engine.machine.cpu_fingerprint(), "reason": "..."}; see LoadSettings.safe_mode.
    safe_mode_detected: dict[str, str] | None = None
    # The user's own presets (the built-in ones are not saved).
    presets: tuple[Preset, ...] = ()
    # None until the user edits them: the starter templates of chat.presets (so a later
    # version's better starters reach users who never changed theirs).
    prompt_templates: tuple[PromptTemplate, ...] | None = None
    # When the conversation no longer fits the model's context.
    context_overflow: Overflow = "drop_oldest"
    # True: Ctrl+Enter sends and Enter starts a new line.
    ctrl_enter_sends: bool = False
    # One of LANGUAGE_CHOICES: "system" follows the system's locale.
    language: str = "system"
    # OpenAI-compatible servers whose models the app offers beside the local ones.
    remotes: tuple[RemoteEndpoint, ...] = ()
    # True: what API clients of `desktop-llm serve` (or the window's switch) ask, and the
    # replies they get, are saved as conversations of the history.
    serve_save_history: bool = False
    # Where the window's API server listens ("0.0.0.0": every network of this machine, which
    # needs an API key, kept in the keyring like the remote servers' keys; chat/serving.py).
    serve_host: str = "127.0.0.1"
    serve_port: int = 8080
    # The web origins a browser may call the API from (CORS); none: CORS off.
    serve_cors_origins: tuple[str, ...] = ()
    # True: the window serves again when it starts (the switch was left on).
    serve_at_start: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "load": self.load.to_dict(),
            "generation": self.generation.to_dict(),
            "default_model": self.default_model,
            "system_prompt": self.system_prompt,
            "models_dir": self.models_dir,
            "hub_endpoint": self.hub_endpoint,
            "safe_mode_detected": self.safe_mode_detected,
            "presets": [preset.to_dict() for preset in self.presets],
            "prompt_templates": (
                None if self.prompt_templates is None
                else [template.to_dict() for template in self.prompt_templates]
            ),
            "context_overflow": self.context_overflow,
            "ctrl_enter_sends": self.ctrl_enter_sends,
            "language": self.language,
            "remotes": [remote.to_dict() for remote in self.remotes],
            "serve_save_history": self.serve_save_history,
            "serve_host": self.serve_host,
            "serve_port": self.serve_port,
            "serve_cors_origins": list(self.serve_cors_origins),
            "serve_at_start": self.serve_at_start,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Settings:
        defaults = cls()
        return cls(
            load=LoadSettings.from_dict(data.get("load") or {}),
            generation=GenerationParams.from_dict(data.get("generation") or {}),
            default_model=data.get("default_model", defaults.default_model),
            system_prompt=data.get("system_prompt", defaults.system_prompt),
            models_dir=data.get("models_dir", defaults.models_dir),
            hub_endpoint=_chosen_endpoint(data.get("hub_endpoint")),
            safe_mode_detected=_string_dict(data.get("safe_mode_detected")),
            presets=_records(data.get("presets"), Preset.from_dict, "preset"),
            prompt_templates=(
                None if data.get("prompt_templates") is None
                else _records(data["prompt_templates"], PromptTemplate.from_dict, "template")
            ),
            context_overflow=_choice(
                data.get("context_overflow"), OVERFLOW_CHOICES, defaults.context_overflow
            ),
            ctrl_enter_sends=_flag(data.get("ctrl_enter_sends"), defaults.ctrl_enter_sends),
            language=_choice(data.get("language"), LANGUAGE_CHOICES, defaults.language),
            remotes=_records(data.get("remotes"), RemoteEndpoint.from_dict, "remote server"),
            serve_save_history=_flag(
                data.get("serve_save_history"), defaults.serve_save_history
            ),
            serve_host=_host(data.get("serve_host"), defaults.serve_host),
            serve_port=_port(data.get("serve_port"), defaults.serve_port),
            serve_cors_origins=_strings(data.get("serve_cors_origins")),
            serve_at_start=_flag(data.get("serve_at_start"), defaults.serve_at_start),
        )

    def with_default_model(self, name: str | None) -> Settings:
        return replace(self, default_model=name)

    def models_folder(self, default: Path) -> Path:
        return Path(self.models_dir).expanduser() if self.models_dir else default


def load_settings(path: Path) -> Settings:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("settings must be a JSON object")
        return Settings.from_dict(data)
    except FileNotFoundError:
        return Settings()
    except (ValueError, TypeError) as error:
        backup = path.with_name(path.name + ".broken")
        path.replace(backup)
        logger.warning("settings file was unreadable (%s); kept it as %s", error, backup)
        return Settings()


def _records(value: Any, parse: Callable[[Any], _Record | None], kind: str) -> tuple[_Record, ...]:
    """The entries of a saved list that parse; a damaged one is left out (and logged)."""
    if not isinstance(value, list):
        if value is not None:
            logger.warning("settings: the %ss are not a list; ignored", kind)
        return ()
    records = []
    for entry in value:
        record = parse(entry)
        if record is None:
            logger.warning("settings: a damaged %s was ignored: %r", kind, entry)
        else:
            records.append(record)
    return tuple(records)


def _checked_params(data: dict[str, Any]) -> GenerationParams | None:
    """Parameters whose every value has its field's type (an int where a float is expected
    is fine), or None: a string for a temperature must never reach llama.cpp."""
    try:
        params = GenerationParams.from_dict(data)
    except (TypeError, ValueError):
        return None
    defaults = GenerationParams()
    for item in fields(GenerationParams):
        value, default = getattr(params, item.name), getattr(defaults, item.name)
        if isinstance(value, bool) or (value is None and default is not None):
            return None
        if isinstance(default, float) and not isinstance(value, int | float):
            return None
        if isinstance(default, int) and not isinstance(value, int):
            return None
        if default is None and value is not None and not isinstance(value, int):
            return None
    return params


def _choice(value: Any, choices: tuple[_Choice, ...], default: _Choice) -> _Choice:
    return value if value in choices else default


def _flag(value: Any, default: bool) -> bool:
    return value if isinstance(value, bool) else default


def _host(value: Any, default: str) -> str:
    return value.strip() if isinstance(value, str) and value.strip() else default


def _port(value: Any, default: int) -> int:
    # 0: any free port. A bool is an int to Python, never a port.
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 65535:
        return value
    return default


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(item.strip() for item in value if isinstance(item, str) and item.strip())


def _string_dict(value: Any) -> dict[str, str] | None:
    if not isinstance(value, dict):
        return None
    return {str(key): str(item) for key, item in value.items()}


# Writers of the settings file serialize here, each through a temporary file of its own.
_WRITE_LOCK = threading.Lock()


def save_settings(settings: Settings, path: Path) -> None:
    """Write atomically, so a crash mid-write leaves the previous settings in place.

    Each write has a temporary file of its own: two writers never share (and rename away)
    one half-written file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(settings.to_dict(), indent=2)
    with _WRITE_LOCK:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as partial:
                partial.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _chosen_endpoint(value: object) -> str | None:
    # Versions before HF_ENDPOINT was honoured saved the Hub's address even when nobody chose
    # it; read that as "not chosen", or it would shadow HF_ENDPOINT forever.
    if not isinstance(value, str) or not value.strip():
        return None
    return None if value.strip().rstrip("/") == DEFAULT_HUB_ENDPOINT else value.strip()
