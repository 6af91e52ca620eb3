"""Sampling settings on a strict server (OpenAI's own API refuses fields it does not know):
the llama.cpp / vLLM extensions go only when the user changed them from the app's defaults,
and a refused one is named in the reply's error, the conversation kept."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from desktop_llm.chat.service import ChatService
from desktop_llm.engine.types import ChatTurn, GenerationParams
from desktop_llm.paths import AppPaths
from desktop_llm.remote import RemoteEngine
from tests.remote.fake_openai import chunk, scripted_server
from tests.thread_check import assert_threads_end, python_threads

QUESTION = [ChatTurn("user", "Why?")]
ANSWER = [chunk({"content": "Because."}), chunk({}, "stop"), "[DONE]"]
MODELS = {"/v1/models": {"data": [{"id": "gpt-test"}]}}
EXTENSIONS = {"top_k", "min_p", "typical_p", "repeat_penalty", "repetition_penalty",
              "mirostat_mode", "mirostat_tau", "mirostat_eta"}


@pytest.fixture
def service(paths: AppPaths) -> Iterator[ChatService]:
    before = python_threads()
    with ChatService.open(paths) as opened:
        yield opened
    assert_threads_end(before)


def reply(url: str, params: GenerationParams) -> Any:
    engine = RemoteEngine(url, None, "gpt-test")
    try:
        return engine.generate(QUESTION, params, lambda _t: None).future.result(timeout=30)
    finally:
        engine.shutdown()


def test_the_default_settings_are_answered_by_a_strict_server() -> None:
    bodies: list[dict[str, Any]] = []
    with scripted_server(ANSWER, strict=True, bodies=bodies) as url:
        result = reply(url, GenerationParams(max_tokens=16, seed=3, stop=("END",)))
    assert result.finish_reason == "stop", result.error
    assert result.text == "Because."
    (body,) = bodies
    assert not EXTENSIONS & set(body)
    # OpenAI's own fields are always sent.
    assert {"temperature", "top_p", "presence_penalty", "frequency_penalty", "seed",
            "max_tokens", "stop"} <= set(body)


def test_a_changed_setting_is_sent_and_a_refusal_names_it() -> None:
    bodies: list[dict[str, Any]] = []
    with scripted_server(ANSWER, strict=True, bodies=bodies) as url:
        result = reply(url, GenerationParams(top_k=5))
    assert result.finish_reason == "error" and result.text == ""
    assert result.error == (
        f"The server at {url} rejected the setting top_k (HTTP 400): Unrecognized request "
        "argument supplied: top_k"
    )
    assert bodies[0]["top_k"] == 5


def test_vllms_name_goes_beside_repeat_penalty_and_a_refusal_names_ours() -> None:
    bodies: list[dict[str, Any]] = []
    with scripted_server(ANSWER, strict=True, bodies=bodies) as url:
        result = reply(url, GenerationParams(repeat_penalty=1.3))
    assert bodies[0]["repeat_penalty"] == bodies[0]["repetition_penalty"] == 1.3
    assert result.finish_reason == "error"
    assert result.error is not None and "rejected the setting repeat_penalty" in result.error
    vllm_refusal = (400, {"error": {"message": "repetition_penalty must be positive",
                                    "param": "repetition_penalty"}})
    with scripted_server(failure=vllm_refusal) as url:
        result = reply(url, GenerationParams(repeat_penalty=-1.0))
    assert result.error is not None and "rejected the setting repeat_penalty" in result.error


def test_mirostat_goes_with_its_changed_settings_only_when_on() -> None:
    bodies: list[dict[str, Any]] = []
    with scripted_server(ANSWER, bodies=bodies) as url:
        reply(url, GenerationParams(mirostat_tau=3.0))
        reply(url, GenerationParams(mirostat_mode=2, mirostat_tau=3.0))
    assert not EXTENSIONS & set(bodies[0])
    assert {k: v for k, v in bodies[1].items() if k in EXTENSIONS} == {
        "mirostat_mode": 2, "mirostat_tau": 3.0
    }


def test_a_refused_setting_is_the_replys_error_and_the_conversation_goes_on(
    service: ChatService,
) -> None:
    with scripted_server(ANSWER, gets=MODELS, strict=True) as url:
        service.remotes.add("openai", url)
        service.load_model("openai/gpt-test").result(timeout=30)
        refused = service.send(None, "Hello?", params=GenerationParams(top_k=5, max_tokens=8))
        record = refused.done.result(timeout=30)
        assert record.finish_reason == "error"
        assert record.error is not None and "rejected the setting top_k" in record.error
        conversation_id = refused.conversation.id
        # Nothing lost: the question and the failed reply are in the history.
        saved = service.messages(conversation_id)
        assert [(m.role, m.content) for m in saved] == [("user", "Hello?"), ("assistant", "")]
        assert saved[1].error == record.error
        again = service.regenerate(conversation_id, params=GenerationParams(max_tokens=8))
        answered = again.done.result(timeout=30)
    assert answered.finish_reason == "stop", answered.error
    assert answered.content == "Because."
