"""The chat service as the API's backend, on the real model: its engine, nothing saved."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_llm.chat.service import ChatService
from desktop_llm.engine.types import ChatTurn, GenerationParams
from desktop_llm.errors import NoModelLoadedError
from desktop_llm.paths import AppPaths
from desktop_llm.serve.backend import ChatServiceBackend
from tests.serve.conftest import wait_for

TIMEOUT = 120.0
QUESTION = [ChatTurn("user", "Count from one to fifty in words.")]


@pytest.fixture
def service(paths: AppPaths) -> Iterator[ChatService]:
    with ChatService.open(paths) as opened:
        yield opened


def test_no_model_no_reply(service: ChatService) -> None:
    backend = ChatServiceBackend(service)
    assert backend.served_model() is None
    with pytest.raises(NoModelLoadedError):
        backend.generate(QUESTION, GenerationParams(), lambda _text: None)


def test_api_replies_are_not_saved_and_the_windows_stop_leaves_them_alone(
    service: ChatService, model_path: Path
) -> None:
    service.load_model(model_path).result(timeout=TIMEOUT)
    backend = ChatServiceBackend(service, created=5)
    served = backend.served_model()
    assert served is not None and served.n_ctx == service.loaded_model.n_ctx
    params = GenerationParams(temperature=0, max_tokens=24)
    pieces: list[str] = []
    api_reply = backend.generate(QUESTION, params, pieces.append)
    # The window's reply, queued behind the API's, and its Stop.
    window_reply = service.send(None, "Count from one to fifty.", params=params)
    service.stop()
    result = api_reply.future.result(timeout=TIMEOUT)
    assert result.finish_reason in ("stop", "length")  # not stopped by the window's Stop
    assert result.completion_tokens > 0 and "".join(pieces) == result.text
    assert window_reply.done.result(timeout=TIMEOUT).finish_reason == "cancelled"
    # Only the window's conversation is in the history.
    conversations = service.conversations()
    assert len(conversations) == 1
    assert [m.role for m in service.messages(conversations[0].id)] == ["user", "assistant"]


def test_api_chats_are_saved_when_the_settings_say_so(
    service: ChatService, model_path: Path
) -> None:
    from dataclasses import replace

    service.load_model(model_path).result(timeout=TIMEOUT)
    backend = ChatServiceBackend(service)
    params = GenerationParams(temperature=0, max_tokens=8)
    turns = [ChatTurn("system", "Be brief."), ChatTurn("user", "Name a colour."),
             ChatTurn("assistant", "Red."), ChatTurn("user", "Another one?")]
    backend.generate(turns, params, lambda _text: None).future.result(timeout=TIMEOUT)
    assert service.conversations() == []  # off by default

    service.update_settings(lambda settings: replace(settings, serve_save_history=True))
    result = backend.generate(turns, params, lambda _text: None).future.result(timeout=TIMEOUT)
    # Saved on the engine's thread, right after the reply.
    wait_for(lambda: any(
        m.role == "assistant" and not m.streaming
        for c in service.conversations() for m in service.messages(c.id)[3:]
    ))
    (conversation,) = service.conversations()
    assert (conversation.title, conversation.system_prompt) == ("Name a colour.", "Be brief.")
    messages = service.messages(conversation.id)
    assert [(m.role, m.content) for m in messages[:3]] == [
        ("user", "Name a colour."), ("assistant", "Red."), ("user", "Another one?")
    ]
    reply = messages[3]
    assert (reply.role, reply.content, reply.finish_reason) == (
        "assistant", result.text.strip() or reply.content, result.finish_reason
    )
    assert reply.completion_tokens == result.completion_tokens and reply.tokens_per_second
    # Never for raw completions, and never when the backend is told not to.
    silent = ChatServiceBackend(service, save_history=False)
    silent.generate(turns, params, lambda _text: None).future.result(timeout=TIMEOUT)
    backend.complete("1, 2, 3,", params, lambda _text: None).future.result(timeout=TIMEOUT)
    assert len(service.conversations()) == 1
