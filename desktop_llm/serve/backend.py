"""What the API server needs of the app: the model being served and replies from its engine."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from desktop_llm.engine.seam import Generation
from desktop_llm.engine.types import ChatTurn, GenerationParams

if TYPE_CHECKING:
    from desktop_llm.chat.service import ChatService


@dataclass(frozen=True)
class ServedModel:
    """The model the API answers with: its id (the name the app shows), its context size
    (None while it loads) and when it was asked for (a Unix time)."""

    id: str
    n_ctx: int | None
    created: int


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
    """The app's chat service as the API's backend: its current model, its engine."""

    def __init__(self, service: ChatService, *, created: int = 0) -> None:
        self._service = service
        self._created = created

    def served_model(self) -> ServedModel | None:
        choice = self._service.current_model
        if choice is None:
            return None
        loaded = self._service.loaded_model
        return ServedModel(choice.name, loaded.n_ctx if loaded is not None else None,
                           self._created)

    def default_params(self) -> GenerationParams:
        return self._service.settings.generation

    def generate(
        self, turns: Sequence[ChatTurn], params: GenerationParams, on_text: Callable[[str], None]
    ) -> Generation:
        return self._service.generate_unsaved(turns, params, on_text)

    def complete(
        self, prompt: str, params: GenerationParams, on_text: Callable[[str], None]
    ) -> Generation:
        return self._service.complete_unsaved(prompt, params, on_text)
