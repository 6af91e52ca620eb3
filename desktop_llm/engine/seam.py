"""The engine seam: what the chat service asks of an engine to chat, local or remote alike.

``EngineProcess`` (llama.cpp in a child process) satisfies ``ChatEngine`` unchanged; a remote
engine (an OpenAI-compatible server) is a second implementation. Loading and unloading stay
with the local engine: a remote server has its models loaded already. The data passed across
are the plain types of ``engine.types``; ``Generation`` lives here so both sides return it
without importing each other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from desktop_llm.engine.types import (
    ChatTurn,
    GenerationParams,
    GenerationProgress,
    GenerationResult,
    Overflow,
)


@dataclass(eq=False)
class Generation:
    """A reply being produced by an engine: ``cancel()`` from any thread.

    The future always gets a ``GenerationResult`` (a stopped or broken reply keeps its text,
    with finish reason ``cancelled`` or ``error``); it raises only for a programming error.
    """

    future: Future[GenerationResult]
    _cancel: Callable[[], None] = field(repr=False)

    def cancel(self) -> None:
        self._cancel()


@runtime_checkable
class ChatEngine(Protocol):
    """One engine the chat service streams replies from. Thread-safe.

    Callbacks (``on_text``, ``on_progress``, future callbacks) run on the engine's own thread:
    they must not block for long.
    """

    def generate(
        self,
        turns: Sequence[ChatTurn],
        params: GenerationParams,
        on_text: Callable[[str], None],
        *,
        on_progress: Callable[[GenerationProgress], None] | None = None,
        overflow: Overflow = "drop_oldest",
    ) -> Generation:
        """Start one reply; text arrives in batches through ``on_text``."""
        ...

    def count_prompt_tokens(self, turns: Sequence[ChatTurn]) -> Future[int]:
        """Tokens of the prompt these turns make, chat template included."""
        ...

    def count_tokens(self, texts: Sequence[str]) -> Future[list[int]]:
        """Tokens of each plain text, in the model's vocabulary."""
        ...

    def stop(self) -> None:
        """Stop every reply under way; returns at once, from any thread."""
        ...

    def shutdown(self, timeout: float) -> None:
        """Stop, settle every reply in flight and release the engine's resources."""
        ...
