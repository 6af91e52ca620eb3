"""The window's API server settings: where it listens, its key, the web origins it allows,
and the ``ServeOptions`` built from them.

The address, the port and the origins are settings; the API key is a secret, kept in the
system keyring (service ``desktop-llm``, username ``serve:api-key``) like the remote servers'
keys and never in the settings file. Without a usable keyring it lasts until the app quits
(``TokenStore``). Reading or writing the key may wait on the keyring: call off the GUI thread.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, replace

from desktop_llm.errors import DesktopLLMError
from desktop_llm.hub.token_store import TokenStore
from desktop_llm.i18n import translate
from desktop_llm.serve.options import DEFAULT_HOST, DEFAULT_PORT, ServeOptions
from desktop_llm.settings import Settings

SERVE_KEY_USERNAME = "serve:api-key"
# "Other computers on the network": every IPv4 address of this machine.
EVERY_ADDRESS = "0.0.0.0"
_WILDCARDS = {"0.0.0.0", "::", ""}
# An origin is what a browser sends in its Origin header: scheme://host[:port], no path.
_ORIGIN = re.compile(r"^https?://[^/\s:]+(:\d{1,5})?$|^\*$", re.IGNORECASE)


@dataclass(frozen=True)
class ServeSetup:
    """What the API server settings dialog edits: the settings and the key, together."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    api_key: str | None = None
    cors_origins: tuple[str, ...] = ()
    save_history: bool = False

    def options(self) -> ServeOptions:
        return ServeOptions(
            host=self.host, port=self.port, api_key=self.api_key or None,
            cors_origins=self.cors_origins,
        )

    def problem(self) -> str | None:
        """Why the server could not listen like this (a sentence), or None."""
        if not self.host.strip():
            return translate("Serve", "Type the address to listen on, or choose one.")
        key = self.api_key
        if key and not (key.isascii() and key.isprintable() and " " not in key):
            # It is compared with an HTTP header: anything else is a paste gone wrong.
            return translate(
                "Serve", "An API key is one word of plain letters, digits and signs; this one "
                "has spaces or other characters.",
            )
        try:
            self.options().check()
        except DesktopLLMError as error:
            return str(error)
        return None


class ServeSettings:
    """The API server's settings and key: read, saved, and turned into ``ServeOptions``."""

    def __init__(
        self,
        settings: Callable[[], Settings],
        update_settings: Callable[[Callable[[Settings], Settings]], Settings],
        *,
        key_store: TokenStore | None = None,
    ) -> None:
        self._settings = settings
        self._update = update_settings
        self._key = key_store or serve_key_store()

    def setup(self) -> ServeSetup:
        """The saved settings and key (reads the keyring)."""
        return saved_setup(self._settings(), self._key)

    def options(self) -> ServeOptions:
        return self.setup().options()

    @property
    def key_kept_in_keyring(self) -> bool:
        """False when no keyring works here: the key lasts until the app quits."""
        return self._key.persistent

    def save(self, setup: ServeSetup) -> None:
        """Save ``setup`` (the key to the keyring; none: the saved one is deleted); one that
        could not serve is refused with its sentence, and nothing is saved."""
        problem = setup.problem()
        if problem is not None:
            raise DesktopLLMError(problem)
        self._update(lambda settings: replace(
            settings,
            serve_host=setup.host.strip(),
            serve_port=setup.port,
            serve_cors_origins=setup.cors_origins,
            serve_save_history=setup.save_history,
        ))
        if setup.api_key:
            self._key.set(setup.api_key)
        else:
            self._key.delete()


def serve_key_store() -> TokenStore:
    return TokenStore(username=SERVE_KEY_USERNAME, label="API server key")


def saved_setup(settings: Settings, key: TokenStore | None = None) -> ServeSetup:
    """How the API server was set to listen, in the window's settings and the keyring (the
    command line's ``serve`` starts from it too)."""
    return ServeSetup(
        host=settings.serve_host,
        port=settings.serve_port,
        api_key=(key or serve_key_store()).get(),
        cors_origins=settings.serve_cors_origins,
        save_history=settings.serve_save_history,
    )


def parse_origins(text: str) -> tuple[str, ...]:
    """The web origins in ``text`` (one per line, or separated by commas or spaces), without a
    trailing slash; one that is not an origin is refused with a sentence naming it."""
    origins: list[str] = []
    for entry in re.split(r"[\s,]+", text):
        origin = entry.strip().rstrip("/")
        if not origin:
            continue
        if not _ORIGIN.match(origin):
            raise DesktopLLMError(translate(
                "Serve", "{origin} is not a web origin: write it as scheme://host or "
                "scheme://host:port, like https://example.com (no path).",
            ).format(origin=entry.strip()))
        if origin not in origins:
            origins.append(origin)
    return tuple(origins)


def new_api_key() -> str:
    """A random key, long enough that guessing it is hopeless (256 bits)."""
    return "dllm-" + secrets.token_urlsafe(32)


def reachable_url(host: str, port: int) -> str:
    """The API's address as another program types it: a server listening on every address
    is reached at this machine's own (the one its default route uses)."""
    if host.strip() in _WILDCARDS:
        host = _this_machines_address() or socket.gethostname()
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{port}/v1"


def _this_machines_address() -> str | None:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            # Connecting a UDP socket sends nothing: the system only picks the route and the
            # address it would send from (192.0.2.1 is a documentation address).
            probe.connect(("192.0.2.1", 9))
            address = probe.getsockname()[0]
    except OSError:
        return None
    return None if ipaddress.ip_address(address).is_unspecified else address
