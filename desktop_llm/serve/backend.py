"""What the API server needs of the app: the model being served and replies from its engine."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from desktop_llm.chat.remotes import RemoteChoice
from desktop_llm.engine.seam import Generation
from desktop_llm.engine.types import ChatTurn, GenerationParams, GenerationResult
from desktop_llm.errors import DesktopLLMError

if TYPE_CHECKING:
    from desktop_llm.chat.service import ChatService

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServedModel:
    """The model the API answers with: its id (the name the app shows), its context size
    (None while it loads, 0 when a remote server does not say it), when it was asked for (a
    Unix time), and whether it is on a remote server (the API is then a proxy to it)."""

    id: str
    n_ctx: int | None
    created: int
    remote: bool = False


class ServeBackend(Protocol):
    """Thread-safe; ``generate``'s callbacks run on the engine's thread."""

    def served_model(self) -> ServedModel | None:
        """None when no model is loaded or being loaded."""
        ...

    def default_params(self) -> GenerationParams:
        """The sampling settings a request starts from (its own fields go on top)."""
        ...

    def generate(
        self, turns: Sequence[ChatTurn], params: GenerationParams, on_text: Callable[[str], None]
    ) -> Generation:
        """One reply, queued with the app's other replies; nothing is saved."""
        ...

    def complete(
        self, prompt: str, params: GenerationParams, on_text: Callable[[str], None]
    ) -> Generation:
        """The continuation of a plain text (no chat template), likewise."""
        ...


class ChatServiceBackend:
    """The app's chat service as the API's backend: its current model, its engine.

    Chat replies are saved to the history when ``save_history`` says so (None: as the
    setting ``serve_save_history`` says at each request); raw completions never are.
    """

    def __init__(
        self, service: ChatService, *, created: int = 0, save_history: bool | None = None
    ) -> None:
        self._service = service
        self._created = created
        self._save_history = save_history

    def served_model(self) -> ServedModel | None:
        choice = self._service.current_model
        if choice is None:
            return None
        loaded = self._service.loaded_model
        return ServedModel(choice.name, loaded.n_ctx if loaded is not None else None,
                           self._created, remote=isinstance(choice, RemoteChoice))

    def default_params(self) -> GenerationParams:
        return self._service.settings.generation

    def generate(
        self, turns: Sequence[ChatTurn], params: GenerationParams, on_text: Callable[[str], None]
    ) -> Generation:
        generation = self._service.generate_unsaved(turns, params, on_text)
        save = self._save_history
        if save is None:
            save = self._service.settings.serve_save_history
        if save:
            asked = list(turns)
            generation.future.add_done_callback(lambda done: self._save(asked, params, done))
        return generation

    def _save(
        self, turns: list[ChatTurn], params: GenerationParams, done: Future[GenerationResult]
    ) -> None:
        """On the engine's thread, as the window's replies are saved."""
        if done.exception() is not None:
            return
        result = done.result()
        if result.finish_reason not in ("stop", "length"):
            return  # a client that left, an engine error: nothing worth keeping
        try:
            self._service.save_exchange(turns, params, result)
        except DesktopLLMError:
            logger.exception("an API reply could not be saved to the history")

    def complete(
        self, prompt: str, params: GenerationParams, on_text: Callable[[str], None]
    ) -> Generation:
        return self._service.complete_unsaved(prompt, params, on_text)
