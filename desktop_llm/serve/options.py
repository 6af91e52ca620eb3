"""How the API server listens, and the check that keeps it on this machine without a key."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from desktop_llm.errors import DesktopLLMError
from desktop_llm.i18n import translate

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
# A request body larger than this is refused (413) before it is read whole.
MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class ServeOptions:
    """``api_key``: required as ``Authorization: Bearer KEY`` when set, and required to
    listen on anything but loopback. ``cors_origins``: the web origins allowed to call the
    API from a browser (none: CORS off). ``request_timeout``: seconds a client has to send
    its whole request once it connected (a slow or silent client is dropped)."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    api_key: str | None = None
    cors_origins: tuple[str, ...] = ()
    max_body_bytes: int = MAX_BODY_BYTES
    request_timeout: float = 30.0

    def check(self) -> None:
        """Refuse, with a sentence, to listen beyond this machine without an API key."""
        if not self.api_key and not is_loopback(self.host):
            raise DesktopLLMError(translate(
                "Serve",
                "Serving on {host} would open the model to other machines: set an API key, or "
                "serve on 127.0.0.1.",
            ).format(host=self.host))
        if not 0 <= self.port <= 65535:
            raise DesktopLLMError(translate(
                "Serve", "The port {port} is not between 0 and 65535."
            ).format(port=self.port))


def is_loopback(host: str) -> bool:
    if host.casefold() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name other than localhost may resolve anywhere
