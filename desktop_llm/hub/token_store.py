"""Secrets kept in the system keyring and nowhere else: the Hugging Face token, and the API
keys of remote servers (one ``TokenStore`` each, by keyring username).

The token is a password: it never goes into the database, the settings file or the log (this
module logs that a token exists or changed, never its value). Without a usable keyring backend
(a headless Linux without Secret Service, keyring disabled) the token is kept in memory until
the app quits, and ``persistent`` is False so the GUI can say so instead of pretending.
"""

from __future__ import annotations

import logging

import keyring
import keyring.backend
import keyring.errors
from keyring.backends import fail, null

from desktop_llm.i18n import translate

log = logging.getLogger(__name__)

SERVICE = "desktop-llm"
USERNAME = "huggingface-token"


def remote_key_username(remote_name: str) -> str:
    """The keyring username of a remote server's API key."""
    return f"remote:{remote_name}"


class TokenStore:
    def __init__(
        self,
        backend: keyring.backend.KeyringBackend | None = None,
        *,
        username: str = USERNAME,
        label: str = "Hugging Face token",
    ) -> None:
        """``username``: the secret's name under the app's keyring service; ``label`` names
        it in the log (never its value)."""
        # None: the keyring library's choice for this system (asked lazily, on first use).
        self._backend = backend
        self._username = username
        self._label = label
        self._memory: str | None = None
        self._keyring_usable: bool | None = None

    @property
    def persistent(self) -> bool:
        """True when the token survives a restart (it is in a working keyring)."""
        return self._usable_backend() is not None

    @property
    def location(self) -> str:
        """Where the token is kept, as a sentence for the Settings dialog."""
        backend = self._usable_backend()
        if backend is None:
            return translate(
                "Hub", "No system keyring is available: the token is kept only until the app quits."
            )
        return translate("Hub", "The token is kept in the system keyring ({keyring}).").format(
            keyring=backend.name
        )

    def get(self) -> str | None:
        backend = self._usable_backend()
        if backend is None:
            return self._memory
        try:
            return backend.get_password(SERVICE, self._username) or None
        except keyring.errors.KeyringError as error:
            self._give_up_on_keyring(error)
            return self._memory

    def set(self, token: str) -> None:
        token = token.strip()
        if not token:
            self.delete()
            return
        self._memory = token
        backend = self._usable_backend()
        if backend is None:
            return
        try:
            backend.set_password(SERVICE, self._username, token)
            log.info("%s saved in the keyring", self._label)
        except keyring.errors.KeyringError as error:
            self._give_up_on_keyring(error)

    def delete(self) -> None:
        self._memory = None
        backend = self._usable_backend()
        if backend is None:
            return
        try:
            backend.delete_password(SERVICE, self._username)
            log.info("%s removed from the keyring", self._label)
        except keyring.errors.PasswordDeleteError:
            pass  # there was none: the wanted end state already holds
        except keyring.errors.KeyringError as error:
            self._give_up_on_keyring(error)

    def _usable_backend(self) -> keyring.backend.KeyringBackend | None:
        if self._keyring_usable is False:
            return None
        backend = self._backend if self._backend is not None else keyring.get_keyring()
        # fail.Keyring raises on every call; null.Keyring silently forgets: neither keeps it.
        if isinstance(backend, (fail.Keyring, null.Keyring)):
            self._give_up_on_keyring(None)
            return None
        self._keyring_usable = True
        return backend

    def _give_up_on_keyring(self, error: keyring.errors.KeyringError | None) -> None:
        if self._keyring_usable is not False:
            # The error's class only: a backend's message could, in theory, echo what it stored.
            reason = type(error).__name__ if error is not None else "no keyring backend"
            log.warning("Keyring unusable (%s): the %s is kept in memory", reason, self._label)
        self._keyring_usable = False
