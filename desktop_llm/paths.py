"""Where desktop-llm keeps its data, models and configuration.

The platform's user folders come from platformdirs; ``DESKTOP_LLM_HOME`` puts everything
under one folder instead (tests, portable installs), so nothing touches the real profile.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "desktop-llm"
HOME_ENV = "DESKTOP_LLM_HOME"


@dataclass(frozen=True)
class AppPaths:
    data_dir: Path
    config_dir: Path
    models_dir: Path
    logs_dir: Path
    # Rebuildable data (the model's saved conversation states): the platform's cache folder.
    cache_dir: Path

    @property
    def database(self) -> Path:
        return self.data_dir / "history.sqlite3"

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def window_state_file(self) -> Path:
        return self.config_dir / "window.ini"

    @property
    def model_states_dir(self) -> Path:
        """Saved KV states of conversations, so a long chat is not read again after a restart."""
        return self.cache_dir / "model-states"

    def ensure(self) -> AppPaths:
        for folder in (
            self.data_dir, self.config_dir, self.models_dir, self.logs_dir, self.cache_dir
        ):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def app_paths() -> AppPaths:
    """The folders for this process, honouring ``DESKTOP_LLM_HOME`` when it is set."""
    home = os.environ.get(HOME_ENV)
    if home:
        root = Path(home).expanduser().resolve()
        return AppPaths(
            data_dir=root,
            config_dir=root / "config",
            models_dir=root / "models",
            logs_dir=root / "logs",
            cache_dir=root / "cache",
        )
    data = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    return AppPaths(
        data_dir=data,
        config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        models_dir=data / "models",
        logs_dir=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
        cache_dir=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
    )


def project_models_dir() -> Path:
    """The source tree's ``models/`` folder, where ``make`` puts the bundled default model."""
    return Path(__file__).resolve().parent.parent / "models"
