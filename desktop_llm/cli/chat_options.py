"""What ``chat`` and the interactive session share: the model, the sampling flags, waiting for
a reply that Ctrl+C may stop."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from desktop_llm.errors import DesktopLLMError

if TYPE_CHECKING:
    from desktop_llm.chat import GenerationParams, MessageRecord
    from desktop_llm.chat.library import ModelChoice
    from desktop_llm.chat.remotes import RemoteChoice
    from desktop_llm.chat.service import ChatService, Reply

# The sampling flags, by the GenerationParams field each one sets.
SAMPLING_FLAGS = ("temperature", "top_p", "top_k", "seed", "max_tokens")


def add_sampling_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--temperature", type=float)
    parser.add_argument("--top-p", type=float, dest="top_p")
    parser.add_argument("--top-k", type=int, dest="top_k")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--max-tokens", type=int, dest="max_tokens")


def sampling_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The sampling flags given on the command line (the others keep what is saved)."""
    return {key: getattr(args, key) for key in SAMPLING_FLAGS if getattr(args, key) is not None}


def load_model(service: ChatService, name: str | None) -> ModelChoice | RemoteChoice:
    """Load ``name`` (an installed model, a .gguf path or a remote server's NAME/MODEL_ID),
    or the default model; waits."""
    remote = service.remotes.resolve(name) if name else None
    choice = remote or (service.library.resolve(name) if name else service.default_model())
    if choice is None:
        raise DesktopLLMError("No model is installed. Pass --model PATH to a .gguf file.")
    service.load_model(choice.reference).result()
    return choice


def generation_params(
    service: ChatService, conversation_id: int | None, overrides: dict[str, Any]
) -> GenerationParams:
    """The conversation's saved settings (the defaults for a new one), with the flags on top."""
    from desktop_llm.chat import GenerationParams

    if conversation_id is None:
        saved = service.settings.generation.to_dict()
    else:
        saved = service.conversation(conversation_id).settings
    return replace(GenerationParams.from_dict(saved), **overrides)


def wait_for_reply(
    reply: Reply, waiting: Callable[[], AbstractContextManager[object]] = nullcontext
) -> tuple[MessageRecord, bool]:
    """The finished reply, and whether Ctrl+C stopped it.

    Ctrl+C only asks the engine to stop; the reply still ends the normal way (its text so
    far saved, finish reason ``cancelled``), so this keeps waiting, however often it is pressed.
    ``waiting`` is entered around each wait only (see ``keyboard_interrupts``).
    """
    interrupted = False
    while True:
        try:
            with waiting():
                return reply.done.result(), interrupted
        except KeyboardInterrupt:
            interrupted = True
            reply.cancel()
