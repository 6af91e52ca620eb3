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
