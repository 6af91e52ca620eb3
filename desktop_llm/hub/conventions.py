"""The Hugging Face variables every Hub tool honours, and where each value came from.

People set them once in their shell profile (``HF_ENDPOINT`` is how most users in mainland
China reach the Hub, through a mirror) and expect every tool to follow. The app's own settings
still win where the user chose something in them; the settings dialog shows which one applies.

Read here from the environment at each call, not once at import (as huggingface_hub does), so a
value shown in the dialog is the value used.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from desktop_llm.hub.endpoint import DEFAULT_ENDPOINT

# Where a value came from, as the settings dialog and `info --json` name it.
FROM_SETTINGS = "settings"
FROM_DEFAULT = "default"
FROM_KEYRING = "keyring"
FROM_HF_ENDPOINT = "HF_ENDPOINT"
FROM_HF_TOKEN = "HF_TOKEN"
FROM_TOKEN_FILE = "hf auth login"
NOWHERE = "none"

# huggingface_hub's own reading of a boolean variable.
_TRUE_WORDS = {"1", "ON", "YES", "TRUE"}


@dataclass(frozen=True)
class Sourced:
    """A value and where it came from (one of the ``FROM_*`` names, or ``NOWHERE``)."""

    value: str | None
    source: str


def hub_endpoint(chosen: str | None, environ: Mapping[str, str] = os.environ) -> Sourced:
    """The settings' endpoint when the user chose one, else ``HF_ENDPOINT``, else the Hub."""
    if chosen and chosen.strip():
        return Sourced(chosen.strip(), FROM_SETTINGS)
    from_environment = environ.get("HF_ENDPOINT", "").strip()
    if from_environment:
        return Sourced(from_environment, FROM_HF_ENDPOINT)
    return Sourced(DEFAULT_ENDPOINT, FROM_DEFAULT)


def hub_token(saved: str | None, environ: Mapping[str, str] = os.environ) -> Sourced:
    """The keyring's token, else ``HF_TOKEN``, else the token ``hf auth login`` saved."""
    if saved and saved.strip():
        return Sourced(saved.strip(), FROM_KEYRING)
    from_environment = environ.get("HF_TOKEN", "").strip()
    if from_environment:
        return Sourced(from_environment, FROM_HF_TOKEN)
    try:
        from_file = token_file(environ).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        from_file = ""  # no login, or a file we cannot read: the same as no token
    if from_file:
        return Sourced(from_file, FROM_TOKEN_FILE)
    return Sourced(None, NOWHERE)


def token_file(environ: Mapping[str, str] = os.environ) -> Path:
    """Where ``hf auth login`` keeps the token: ``HF_TOKEN_PATH``, else ``$HF_HOME/token``."""
    explicit = environ.get("HF_TOKEN_PATH", "").strip()
    if explicit:
        return Path(explicit).expanduser()
    home = environ.get("HF_HOME", "").strip()
    if not home:
        cache = environ.get("XDG_CACHE_HOME", "").strip() or str(Path("~") / ".cache")
        home = str(Path(cache) / "huggingface")
    return Path(home).expanduser() / "token"


def hub_offline(environ: Mapping[str, str] = os.environ) -> bool:
    """True when ``HF_HUB_OFFLINE`` asks every Hugging Face tool to stay off the network."""
    return environ.get("HF_HUB_OFFLINE", "").strip().upper() in _TRUE_WORDS
