"""The remote servers the user added, their API keys and their models, and model references.

A model is named ``NAME/MODEL_ID`` when ``NAME`` is a saved remote server (``gpu/llama-70b``;
the model id may hold slashes of its own: ``gpu/meta-llama/Llama-3-70B``); any other name is
a local model (a registered one or a .gguf path). The servers live in the settings, their
keys in the system keyring (service ``desktop-llm``, username ``remote:NAME``, NAME as saved).

Some servers (llama-cpp-python's ``llama_cpp.server``) cut the reply they are streaming when any
other request arrives, even ``GET /models``. So while an engine of this app streams to a server
(``streaming``: the engines that may be busy), that server is not asked for its models: its last
answer is used again (or, never asked yet, the models its engines use). Waiting for the reply to
end instead would hold the model selector up for as long as a reply lasts (minutes); a list a
few minutes old costs only freshness, and the next refresh after the reply asks again.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from desktop_llm.errors import DesktopLLMError, RemoteError, RemoteModelNotFoundError
from desktop_llm.hub.token_store import TokenStore, remote_key_username
from desktop_llm.i18n import translate
from desktop_llm.remote import RemoteEngine, RemoteModel, list_remote_models
from desktop_llm.remote.api import normalized_url, server_context_size
from desktop_llm.settings import RemoteEndpoint, Settings

logger = logging.getLogger(__name__)

# Listing the models of every server for the model selector: a slow one is reported, not
# waited for.
MODELS_TIMEOUT = 5.0
_NAME = re.compile(r"^[\w.-]+$")


@dataclass(frozen=True)
class RemoteChoice:
    """A model on a remote server, chosen by its reference ``NAME/MODEL_ID``."""

    remote: RemoteEndpoint
    model_id: str

    @property
    def name(self) -> str:
        return f"{self.remote.name}/{self.model_id}"

    @property
    def reference(self) -> str:
        return self.name


@dataclass(frozen=True)
class RemoteModels:
    """What one server offers, or why it could not say (a sentence)."""

    remote: RemoteEndpoint
    models: tuple[RemoteModel, ...] = ()
    error: str | None = None

    def names(self) -> list[str]:
        return [f"{self.remote.name}/{model.id}" for model in self.models]


class Remotes:
    """Add, list and remove remote servers; thread-safe through the settings' own lock."""

    def __init__(
        self,
        settings: Callable[[], Settings],
        update_settings: Callable[[Callable[[Settings], Settings]], Settings],
        *,
        key_store: Callable[[str], TokenStore] | None = None,
        streaming: Callable[[], Iterable[RemoteEngine]] = tuple,
    ) -> None:
        """``streaming``: the app's remote engines that may be streaming a reply (their
        servers are not asked while they are busy)."""
        self._settings = settings
        self._update = update_settings
        self._key_store = key_store or _keyring_store
        self._streaming = streaming
        # One store per keyring username: the name exactly as saved (names match ignoring
        # case, the keyring does not).
        self._keys: dict[str, TokenStore] = {}
        self._keys_lock = threading.Lock()
        # Each server's last list of models, by its normalized API base.
        self._answers: dict[str, tuple[RemoteModel, ...]] = {}
        self._answers_lock = threading.Lock()

    def list(self) -> tuple[RemoteEndpoint, ...]:
        return self._settings().remotes

    def get(self, name: str) -> RemoteEndpoint | None:
        wanted = name.casefold()
        return next((r for r in self.list() if r.name.casefold() == wanted), None)

    def add(self, name: str, base_url: str, api_key: str | None = None) -> RemoteEndpoint:
        """Save a server (replacing one of the same name) and its key (None: no key)."""
        name = name.strip()
        if not _NAME.match(name):
            raise DesktopLLMError(translate(
                "Remote",
                "{name} cannot name a remote server: use letters, digits, dots, dashes and "
                "underscores (no slash, it separates the server from the model).",
            ).format(name=repr(name)))
        remote = RemoteEndpoint(name, normalized_url(base_url))
        api_key = api_key.strip() if api_key else None
        if api_key and not (api_key.isascii() and api_key.isprintable() and " " not in api_key):
            # It goes into an HTTP header: anything else is a paste gone wrong.
            raise DesktopLLMError(translate(
                "Remote", "An API key is one word of plain letters, digits and signs; this "
                "one has spaces or other characters.",
            ))

        replaced: list[RemoteEndpoint] = []

        def change(settings: Settings) -> Settings:
            replaced[:] = [r for r in settings.remotes if r.name.casefold() == name.casefold()]
            kept = tuple(r for r in settings.remotes if r.name.casefold() != name.casefold())
            return replace(settings, remotes=(*kept, remote))

        self._update(change)
        for old in replaced:
            if old.name != name:  # its key is under the old spelling: it would stay behind
                self._store(old.name).delete()
        store = self._store(name)
        if api_key:
            store.set(api_key)
        else:
            store.delete()
        return remote

    def remove(self, name: str) -> RemoteEndpoint:
        remote = self.get(name)
        if remote is None:
            raise RemoteModelNotFoundError(self._unknown(name))
        self._update(lambda settings: replace(
            settings, remotes=tuple(r for r in settings.remotes if r != remote)
        ))
        self._store(remote.name).delete()
        return remote

    def api_key(self, name: str) -> str | None:
        return self._store(self._saved_name(name)).get()

    def key_kept_in_keyring(self, name: str) -> bool:
        """False when no keyring works here: the key lasts until the app quits."""
        return self._store(self._saved_name(name)).persistent

    def models(self, *, timeout: float = MODELS_TIMEOUT) -> list[RemoteModels]:
        """Every server's models, asked all at once; one that fails says why, in its entry."""
        remotes = self.list()
        answers: list[RemoteModels | None] = [None] * len(remotes)

        def ask(index: int, remote: RemoteEndpoint) -> None:
            answers[index] = self.models_of(remote, timeout=timeout)

        threads = [
            threading.Thread(target=ask, args=(i, r), name="remote-models", daemon=True)
            for i, r in enumerate(remotes)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout + 5)
        return [
            answer if answer is not None else RemoteModels(remote, error=translate(
                "Remote", "The server at {url} did not answer in time."
            ).format(url=remote.base_url))
            for remote, answer in zip(remotes, answers, strict=True)
        ]

    def models_of(self, remote: RemoteEndpoint, *, timeout: float = MODELS_TIMEOUT) -> RemoteModels:
        """The server's models; its last answer while a reply streams from it (see the
        module's docstring)."""
        kept = self._kept_answer(remote.base_url)
        if kept is not None:
            return RemoteModels(remote, kept)
        try:
            found = self._list(remote, timeout)
        except RemoteError as error:
            return RemoteModels(remote, error=str(error))
        return RemoteModels(remote, found)

    def resolve(self, reference: str) -> RemoteChoice | None:
        """The remote model ``reference`` names, or None when it names no saved server (a
        local model, then). The model's existence is checked by ``engine_for``."""
        name, slash, model_id = reference.partition("/")
        if not slash or not model_id:
            return None
        remote = self.get(name)
        return RemoteChoice(remote, model_id) if remote is not None else None

    def engine_for(self, choice: RemoteChoice, *, timeout: float = MODELS_TIMEOUT) -> RemoteEngine:
        """An engine for the chosen model, once the server says it has it (blocks on the
        network: call off the GUI thread)."""
        api_key = self.api_key(choice.remote.name)
        kept = self._kept_answer(choice.remote.base_url)
        models = kept if kept is not None else self._list(choice.remote, timeout)
        found = next((m for m in models if m.id == choice.model_id), None)
        if found is None:
            offered = ", ".join(m.id for m in models) or translate("Remote", "none")
            raise RemoteModelNotFoundError(translate(
                "Remote", "The server {name} ({url}) has no model {model}. It offers: {models}."
            ).format(
                name=choice.remote.name, url=choice.remote.base_url,
                model=repr(choice.model_id), models=offered,
            ))
        if kept is not None:
            # Asking for the context size would cut the reply too: the engines' own figure.
            n_ctx = found.n_ctx or next((
                engine.n_ctx for engine in self._busy_engines(choice.remote.base_url)
                if engine.model_id == found.id and engine.n_ctx
            ), None)
        else:
            n_ctx = found.n_ctx or server_context_size(
                choice.remote.base_url, api_key, found.id, timeout=timeout
            )
        return RemoteEngine(choice.remote.base_url, api_key, found.id, n_ctx=n_ctx)

    def _list(self, remote: RemoteEndpoint, timeout: float) -> tuple[RemoteModel, ...]:
        found = tuple(
            list_remote_models(remote.base_url, self.api_key(remote.name), timeout=timeout)
        )
        with self._answers_lock:
            self._answers[normalized_url(remote.base_url)] = found
        return found

    def _busy_engines(self, base_url: str) -> list[RemoteEngine]:
        url = normalized_url(base_url)
        return [
            engine for engine in self._streaming()
            if engine.base_url == url and engine.busy and engine.cuts_concurrent_streams
        ]

    def _kept_answer(self, base_url: str) -> tuple[RemoteModel, ...] | None:
        """The server's last models while an engine of ours streams a reply to it and another
        request would cut that reply (None: ask it)."""
        busy = self._busy_engines(base_url)
        if not busy:
            return None
        with self._answers_lock:
            kept = self._answers.get(normalized_url(base_url))
        if kept is None:  # never listed here: the models its engines use, at least
            ids = dict.fromkeys(engine.model_id for engine in busy)
            kept = tuple(RemoteModel(model_id) for model_id in ids)
        return kept

    def _saved_name(self, name: str) -> str:
        remote = self.get(name)
        return remote.name if remote is not None else name

    def _unknown(self, name: str) -> str:
        names = ", ".join(r.name for r in self.list()) or translate("Remote", "none")
        return translate(
            "Remote", "No remote server is called {name}. Saved servers: {names}."
        ).format(name=repr(name), names=names)

    def _store(self, name: str) -> TokenStore:
        with self._keys_lock:
            store = self._keys.get(name)
            if store is None:
                store = self._keys[name] = self._key_store(name)
            return store


def _keyring_store(name: str) -> TokenStore:
    return TokenStore(username=remote_key_username(name), label=f"API key of {name}")
