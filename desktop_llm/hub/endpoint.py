"""Which Hub we talk to (huggingface.co or a mirror) and the environment huggingface_hub needs.

huggingface_hub reads its ``HF_*`` variables once, when ``huggingface_hub.constants`` is first
imported. Two consequences shape this module:

* The endpoint is never left to huggingface_hub's own reading of ``HF_ENDPOINT``: every call
  passes ``config.endpoint`` explicitly. ``conventions.py`` decides it (the settings, else
  ``HF_ENDPOINT``, else the Hub) at each use, so what the settings dialog shows is what is used.
* Xet storage must be switched off for a mirror *before* that first import. With Xet on, file
  metadata points the client at Xet's own storage servers, which bypasses the mirror (and
  fails on networks where only the mirror is reachable). So :func:`prepare_environment` runs
  before huggingface_hub is imported (the hub modules import it lazily, inside functions), and
  if something imported it earlier anyway, the already-read constant is corrected as well.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

from desktop_llm.errors import HubOfflineError
from desktop_llm.i18n import translatable, translate

DEFAULT_ENDPOINT = "https://huggingface.co"
# Seconds to wait for the Hub to connect or to send the next piece of an answer. Short, because
# a person is waiting in front of a search box; downloads use their own, longer timeouts.
DEFAULT_TIMEOUT = 15.0


@dataclass(frozen=True)
class HubConfig:
    endpoint: str = DEFAULT_ENDPOINT
    # Kept out of repr so the token never ends up in a log line or a traceback by accident.
    token: str | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT
    # HF_HUB_OFFLINE: the app must not reach the Hub at all, whatever it is asked.
    offline: bool = False

    def __post_init__(self) -> None:
        # "https://hf-mirror.com/" and "https://hf-mirror.com" are the same Hub; URLs are built
        # by appending "/api/...", so a trailing slash would double it.
        object.__setattr__(self, "endpoint", self.endpoint.strip().rstrip("/"))
        if not self.endpoint.startswith(("http://", "https://")):
            raise ValueError(f"the Hub endpoint must be an http(s) URL, not {self.endpoint!r}")
        if self.token is not None and not self.token.strip():
            object.__setattr__(self, "token", None)

    @property
    def is_mirror(self) -> bool:
        return self.endpoint != DEFAULT_ENDPOINT


OFFLINE_SENTENCE = translatable(
    "Hub",
    "HF_HUB_OFFLINE is set, so desktop-llm does not reach the Hugging Face Hub: models already "
    "on this computer work as usual. Unset HF_HUB_OFFLINE to search and download models.",
)


def ensure_online(config: HubConfig) -> None:
    """Refuse, before anything touches the network, when HF_HUB_OFFLINE is set."""
    if config.offline:
        raise HubOfflineError(translate("Hub", OFFLINE_SENTENCE))


def prepare_environment(config: HubConfig) -> None:
    """Set the ``HF_*`` variables this app relies on; call before importing huggingface_hub."""
    # Offline-first app: nothing is reported anywhere, whatever the Hub.
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    # huggingface_hub reports progress through tqdm bars, which the app never shows (it
    # counts bytes itself); tqdm would start a monitor thread for them, even for silent
    # bars, that lives as long as the app.
    from tqdm import std as tqdm_std

    tqdm_std.tqdm.monitor_interval = 0
    if not config.is_mirror:
        return
    os.environ["HF_HUB_DISABLE_XET"] = "1"
    constants = sys.modules.get("huggingface_hub.constants")
    if constants is not None:
        # Imported before we could set the variable: the library reads this module attribute
        # at each use, so correcting it here has the same effect as the variable would have had.
        constants.HF_HUB_DISABLE_XET = True  # type: ignore[attr-defined]
