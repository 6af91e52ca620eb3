"""RemoteEngine.complete (a raw prompt continued by the server's /completions) and a prompt too
long for a remote model's context (a result with ``too_long`` and a sentence): against the real
llama_cpp.server, and scripted for llama.cpp's llama-server's and vLLM's refusals."""

from __future__ import annotations

import json
import threading
import time

import pytest

from desktop_llm.engine.types import ChatTurn, GenerationParams, GenerationProgress
from desktop_llm.remote import RemoteEngine
from tests.remote.conftest import MODEL_ALIAS, LlamaServer
from tests.remote.fake_openai import scripted_server

TIMEOUT = 120.0
PROMPT = "The capital of France is"
# Far over the fixture's 2048 tokens of context.
TOO_LONG = "cat " * 3000


def test_a_raw_prompt_is_continued_streamed_with_figures(llama_server: LlamaServer) -> None:
    engine = RemoteEngine(llama_server.url, None, MODEL_ALIAS)
    pieces: list[str] = []
    progress: list[GenerationProgress] = []
    result = engine.complete(
        PROMPT, GenerationParams(temperature=0.0, max_tokens=10), pieces.append,
        on_progress=progress.append,
    ).future.result(timeout=TIMEOUT)
    assert result.finish_reason in ("stop", "length"), result.error
    assert result.text and result.text == "".join(pieces) and len(pieces) > 1
    assert 0 < result.completion_tokens <= 10
    # The prompt is counted by the server's tokenizer: a handful of tokens, no template.
    assert 3 <= result.prompt_tokens <= 8
    assert progress and not progress[0].estimated
    assert result.time_to_first_token is not None and result.tokens_per_second is not None
    # The same prompt as a chat is another request: the raw one has no chat template.
    chat = engine.generate(
        [ChatTurn("user", PROMPT)], GenerationParams(temperature=0.0, max_tokens=10),
        lambda _text: None,
    ).future.result(timeout=TIMEOUT)
    assert chat.prompt_tokens > result.prompt_tokens
    engine.shutdown()


def test_stop_ends_a_raw_completion_at_once(llama_server: LlamaServer) -> None:
    engine = RemoteEngine(llama_server.url, None, MODEL_ALIAS)
    started = threading.Event()
    generation = engine.complete(
        "Once upon a time", GenerationParams(temperature=0.7, seed=2, max_tokens=1500),
        lambda _text: started.set(),
    )
    assert started.wait(TIMEOUT)
    asked = time.monotonic()
    generation.cancel()
    result = generation.future.result(timeout=10)
    assert time.monotonic() - asked < 1.0
    assert result.finish_reason == "cancelled" and result.text
    engine.shutdown()


def test_a_prompt_too_long_for_the_context_is_too_long_with_a_sentence(
    llama_server: LlamaServer,
) -> None:
    engine = RemoteEngine(llama_server.url, None, MODEL_ALIAS)
    chat = engine.generate(
        [ChatTurn("user", TOO_LONG)], GenerationParams(max_tokens=8), lambda _text: None
    ).future.result(timeout=TIMEOUT)
    raw = engine.complete(
        TOO_LONG, GenerationParams(max_tokens=8), lambda _text: None
    ).future.result(timeout=TIMEOUT)
    for result in (chat, raw):
        assert (result.finish_reason, result.too_long, result.text) == ("error", True, "")
        assert result.error is not None and result.error.startswith(
            f"The request is too long for the context of the model at {llama_server.url} "
            "(HTTP 400): This model's maximum context length is 2048 tokens"
        )
    # A refusal for another reason is not one.
    other = engine.generate(
        [ChatTurn("user", "Hi")], GenerationParams(top_p=1.5), lambda _text: None
    ).future.result(timeout=TIMEOUT)
    assert (other.finish_reason, other.too_long) == ("error", False), other.error
    engine.shutdown()


def test_llama_servers_refusal_of_a_long_prompt_is_too_long() -> None:
    refusal = {"error": {
        "code": 400, "message": "the request exceeds the available context size, try "
        "increasing it", "type": "exceed_context_size_error", "n_prompt_tokens": 5000,
        "n_ctx": 4096,
    }}
    bodies: list[dict[str, object]] = []
    with scripted_server(failure=(400, refusal), bodies=bodies) as url:
        engine = RemoteEngine(url, None, "m")
        chat = engine.generate(
            [ChatTurn("user", "long")], GenerationParams(), lambda _text: None
        ).future.result(timeout=TIMEOUT)
        raw = engine.complete("long", GenerationParams(), lambda _text: None).future.result(
            timeout=TIMEOUT
        )
        engine.shutdown()
    for result in (chat, raw):
        assert (result.finish_reason, result.too_long) == ("error", True)
        assert result.error == (
            f"The request is too long for the context of the model at {url} (HTTP 400): the "
            "request exceeds the available context size, try increasing it"
        )
    assert "messages" in bodies[0] and bodies[1]["prompt"] == "long"
    assert json.dumps(bodies[1]).count("messages") == 0


def test_a_400_of_another_kind_is_not_too_long() -> None:
    refusal = {"error": {"message": "the model is loading, try later", "type":
                         "invalid_request_error", "code": None}}
    with scripted_server(failure=(400, refusal)) as url:
        engine = RemoteEngine(url, None, "m")
        result = engine.generate(
            [ChatTurn("user", "x")], GenerationParams(), lambda _text: None
        ).future.result(timeout=TIMEOUT)
        engine.shutdown()
    assert (result.finish_reason, result.too_long) == ("error", False)
    assert result.error is not None and "refused the request (HTTP 400)" in result.error


VLLM_TOO_LONG = {
    "object": "error", "type": "BadRequestError", "param": None, "code": 400,
    "message": "This model's maximum context length is 4096 tokens. However, you requested "
    "5000 tokens (4990 in the messages, 10 in the completion). Please reduce the length of "
    "the messages or completion.",
}


@pytest.mark.parametrize("refusal", [
    VLLM_TOO_LONG,  # vLLM before 0.9: the error at the top
    {"error": {**VLLM_TOO_LONG, "object": None}},  # vLLM since, OpenAI's shape
], ids=["vllm-old", "vllm"])
def test_vllms_refusal_of_a_long_prompt_is_too_long(refusal: dict[str, object]) -> None:
    with scripted_server(failure=(400, refusal)) as url:
        engine = RemoteEngine(url, None, "m")
        result = engine.generate(
            [ChatTurn("user", "long")], GenerationParams(), lambda _text: None
        ).future.result(timeout=TIMEOUT)
        engine.shutdown()
    assert (result.finish_reason, result.too_long) == ("error", True)
    assert result.error == (
        f"The request is too long for the context of the model at {url} (HTTP 400): "
        + str(VLLM_TOO_LONG["message"])
    )
