"""Keep a conversation inside the model's context window by dropping its oldest turns."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from desktop_llm.engine.types import ChatTurn
from desktop_llm.errors import GenerationError


def reply_reserve(n_ctx: int, max_tokens: int | None) -> int:
    """Room kept free for the reply: the requested length, capped at half the context."""
    wanted = max_tokens if max_tokens and max_tokens > 0 else n_ctx // 4
    return max(1, min(wanted, n_ctx // 2))


def fit_to_context(
    turns: Sequence[ChatTurn],
    n_ctx: int,
    max_tokens: int | None,
    count_tokens: Callable[[Sequence[ChatTurn]], int],
) -> list[ChatTurn]:
    """The turns to send: system prompts and the newest turn always, older ones while they fit."""
    kept = list(turns)
    budget = n_ctx - reply_reserve(n_ctx, max_tokens)
    if count_tokens(kept) <= budget:
        return kept
    system = [t for t in kept if t.role == "system"]
    history = [t for t in kept if t.role != "system"]
    while len(history) > 1:
        history.pop(0)
        # A reply must not open the window without the question it answered.
        while len(history) > 1 and history[0].role == "assistant":
            history.pop(0)
        if count_tokens(system + history) <= budget:
            return system + history
    needed = count_tokens(system + history)
    if needed < n_ctx - 1:
        return system + history
    raise GenerationError(
        f"This message needs {needed} tokens, more than the model's context of {n_ctx}. "
        "Shorten it, or raise the context length in the model settings."
    )
