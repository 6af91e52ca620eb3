"""Keep a conversation inside the model's context window by dropping its oldest turns."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from desktop_llm.engine.types import ChatTurn, Overflow
from desktop_llm.errors import GenerationError
from desktop_llm.i18n import sentence, translatable


def reply_reserve(n_ctx: int, max_tokens: int | None) -> int:
    """Room kept free for the reply: the requested length, capped at half the context."""
    wanted = max_tokens if max_tokens and max_tokens > 0 else n_ctx // 4
    return max(1, min(wanted, n_ctx // 2))


_DOES_NOT_FIT = translatable(
    "Engine",
    "The conversation no longer fits in the model's context ({needed} tokens with room for the "
    "reply, the context holds {n_ctx}). Start a new chat, raise the context length in the model "
    "settings, or choose dropping old messages in Settings.",
)
_MESSAGE_TOO_LONG = translatable(
    "Engine",
    "This message needs {needed} tokens, more than the model's context of {n_ctx}. Shorten it, "
    "or raise the context length in the model settings.",
)


def overflow_refusal(needed: int, n_ctx: int) -> str:
    # Made in the engine process: a sentence the app translates when it arrives.
    return sentence("Engine", _DOES_NOT_FIT, needed=needed, n_ctx=n_ctx)


def fit_to_context(
    turns: Sequence[ChatTurn],
    n_ctx: int,
    max_tokens: int | None,
    count_tokens: Callable[[Sequence[ChatTurn]], int],
    overflow: Overflow = "drop_oldest",
) -> list[ChatTurn]:
    """The turns to send: system prompts and the newest turn always, older ones while they fit.

    A conversation that ends with an assistant turn (a reply being continued) keeps the
    question before it too. ``overflow="stop"`` raises ``GenerationError`` instead of
    dropping anything. The number dropped is ``dropped_turns(turns, result)``.
    """
    kept = list(turns)
    reserve = reply_reserve(n_ctx, max_tokens)
    budget = n_ctx - reserve
    needed = count_tokens(kept)
    if needed <= budget:
        return kept
    if overflow == "stop":
        raise GenerationError(overflow_refusal(needed + reserve, n_ctx))
    system = [t for t in kept if t.role == "system"]
    history = [t for t in kept if t.role != "system"]
    # The newest turn, and for a continuation the question it answers, always stay.
    keep_last = 2 if len(history) >= 2 and history[-1].role == "assistant" else 1
    while len(history) > keep_last:
        history.pop(0)
        # A reply must not open the window without the question it answered.
        while len(history) > keep_last and history[0].role == "assistant":
            history.pop(0)
        if count_tokens(system + history) <= budget:
            return system + history
    needed = count_tokens(system + history)
    if needed < n_ctx - 1:
        return system + history
    raise GenerationError(sentence("Engine", _MESSAGE_TOO_LONG, needed=needed, n_ctx=n_ctx))


def dropped_turns(turns: Sequence[ChatTurn], kept: Sequence[ChatTurn]) -> int:
    """Turns other than system prompts that ``fit_to_context`` left out."""
    def count(items: Sequence[ChatTurn]) -> int:
        return sum(1 for t in items if t.role != "system")

    return count(turns) - count(kept)
