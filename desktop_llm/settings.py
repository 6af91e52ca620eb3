"""The user's settings: a typed dataclass saved as JSON in the config folder.

Unknown keys are ignored and a damaged file falls back to defaults (after keeping a copy),
so a settings file never stops the app from starting.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from desktop_llm.engine.types import GenerationParams, LoadSettings
from desktop_llm.hub.endpoint import DEFAULT_ENDPOINT as DEFAULT_HUB_ENDPOINT

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settings:
    load: LoadSettings = field(default_factory=LoadSettings)
    generation: GenerationParams = field(default_factory=GenerationParams)
    default_model: str | None = None
    system_prompt: str = "You are a helpful assistant."
    # None: the models folder inside the data folder.
    models_dir: str | None = None
    # A mirror of the Hugging Face Hub may stand here; the token lives in the keyring.
    hub_endpoint: str = DEFAULT_HUB_ENDPOINT
    # Set when a crash proved this machine's CPU needs llama.cpp's safe mode:
    # {"cpu": engine.machine.cpu_fingerprint(), "reason": "..."}; see LoadSettings.safe_mode.
    safe_mode_detected: dict[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "load": self.load.to_dict(),
            "generation": self.generation.to_dict(),
            "default_model": self.default_model,
            "system_prompt": self.system_prompt,
            "models_dir": self.models_dir,
            "hub_endpoint": self.hub_endpoint,
            "safe_mode_detected": self.safe_mode_detected,
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
            hub_endpoint=data.get("hub_endpoint") or defaults.hub_endpoint,
            safe_mode_detected=_string_dict(data.get("safe_mode_detected")),
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
