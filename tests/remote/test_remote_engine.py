"""RemoteEngine against a real OpenAI-compatible server (llama_cpp.server on the bundled model)."""

from __future__ import annotations

import threading
import time

import httpx2
import pytest

from desktop_llm.engine.seam import ChatEngine
from desktop_llm.engine.types import ChatTurn, GenerationParams, GenerationProgress
from desktop_llm.errors import RemoteAuthError, RemoteError
from desktop_llm.remote import RemoteEngine, list_models
from desktop_llm.remote.api import chat_body, check_status
from tests.remote.conftest import API_KEY, MODEL_ALIAS, LlamaServer

QUESTION = [ChatTurn("user", "Write a long story about a cat who learns to sail.")]
LONG = GenerationParams(temperature=0.7, seed=7, max_tokens=1500)
SHORT = GenerationParams(temperature=0.0, seed=1, max_tokens=12)


class Collected:
    """Text and progress as the engine hands them over, with a signal at the first text."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.progress: list[GenerationProgress] = []
        self.first_text = threading.Event()

    def on_text(self, text: str) -> None:
        self.pieces.append(text)
        self.first_text.set()

    def on_progress(self, progress: GenerationProgress) -> None:
        self.progress.append(progress)

    @property
    def text(self) -> str:
        return "".join(self.pieces)


def test_a_remote_engine_is_a_chat_engine() -> None:
    assert isinstance(RemoteEngine("http://127.0.0.1:1/v1", None, "m"), ChatEngine)


def test_lists_the_models_of_the_server(llama_server: LlamaServer) -> None:
    assert list_models(llama_server.url, None) == [MODEL_ALIAS]
    assert list_models(llama_server.url + "/", None) == [MODEL_ALIAS]


def test_a_reply_streams_with_usage_and_metrics(llama_server: LlamaServer) -> None:
    engine = RemoteEngine(llama_server.url, None, MODEL_ALIAS)
    seen = Collected()
    result = engine.generate(
        [ChatTurn("system", "You are terse."), ChatTurn("user", "Say hello.")],
        SHORT, seen.on_text, on_progress=seen.on_progress,
    ).future.result(timeout=120)
    assert result.finish_reason in ("stop", "length"), result.error
    assert result.error is None
    assert result.text and result.text == seen.text
    assert len(seen.pieces) > 1  # streamed, not delivered whole
    assert 0 < result.completion_tokens <= 12
    assert result.time_to_first_token is not None and result.time_to_first_token > 0
    assert result.tokens_per_second is not None and result.tokens_per_second > 0
    # The prompt was counted by the server (llama_cpp.server has /extras/tokenize).
    assert seen.progress and not any(p.estimated for p in seen.progress)
    assert seen.progress[0].completion_tokens == 0
    assert 0 < seen.progress[0].prompt_tokens <= result.prompt_tokens + 8
    assert seen.progress[-1].completion_tokens == len(seen.pieces)
    engine.shutdown()


def test_a_server_that_cannot_count_gives_an_estimate_shown_as_one(
    llama_server: LlamaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("desktop_llm.remote.api.count_with_server", lambda *a, **k: None)
    engine = RemoteEngine(llama_server.url, None, MODEL_ALIAS)
    seen = Collected()
    result = engine.generate(
        QUESTION, SHORT, seen.on_text, on_progress=seen.on_progress
    ).future.result(timeout=120)
    assert result.finish_reason in ("stop", "length"), result.error
    assert seen.progress and all(p.estimated for p in seen.progress)
    assert seen.progress[0].prompt_tokens > 0
    assert engine.counts_exactly is False
    # Counts are stored with the messages: an estimate is never given as one.
    with pytest.raises(RemoteError, match="does not count tokens"):
        engine.count_tokens(["abcdefgh"]).result(timeout=30)


def test_stop_ends_the_stream_at_once_and_keeps_the_text(llama_server: LlamaServer) -> None:
    engine = RemoteEngine(llama_server.url, None, MODEL_ALIAS)
    seen = Collected()
    generation = engine.generate(QUESTION, LONG, seen.on_text)
    assert seen.first_text.wait(60)
    time.sleep(0.2)
    stopped_at = time.monotonic()
    engine.stop()
    result = generation.future.result(timeout=10)
    assert time.monotonic() - stopped_at < 1.0
    assert result.finish_reason == "cancelled"
    assert result.text and result.text == seen.text
    assert result.error is None
    # The server is free again for the next reply.
    after = engine.generate(QUESTION, SHORT, lambda _text: None).future.result(timeout=120)
    assert after.finish_reason in ("stop", "length"), after.error
    engine.shutdown()


def test_a_server_killed_mid_reply_keeps_the_partial_text(own_server: LlamaServer) -> None:
    engine = RemoteEngine(own_server.url, None, MODEL_ALIAS)
    seen = Collected()
    generation = engine.generate(QUESTION, LONG, seen.on_text)
    assert seen.first_text.wait(60)
    time.sleep(0.2)
    own_server.kill()
    result = generation.future.result(timeout=30)
    assert result.finish_reason == "error"
    assert result.text and result.text == seen.text
    assert result.error is not None and "text above was kept" in result.error
    assert own_server.url in result.error
    engine.shutdown()


def test_a_wrong_key_is_a_sentence(keyed_server: LlamaServer) -> None:
    assert list_models(keyed_server.url, API_KEY) == [MODEL_ALIAS]
    with pytest.raises(RemoteAuthError, match="refused the API key"):
        list_models(keyed_server.url, "sk-wrong")
    with pytest.raises(RemoteAuthError, match="wants an API key"):
        list_models(keyed_server.url, None)
    wrong = RemoteEngine(keyed_server.url, "sk-wrong", MODEL_ALIAS)
    result = wrong.generate(QUESTION, SHORT, lambda _text: None).future.result(timeout=60)
    assert result.finish_reason == "error" and result.text == ""
    assert result.error is not None and "refused the API key" in result.error
    right = RemoteEngine(keyed_server.url, API_KEY, MODEL_ALIAS)
    result = right.generate(QUESTION, SHORT, lambda _text: None).future.result(timeout=120)
    assert result.finish_reason in ("stop", "length"), result.error
    assert API_KEY not in repr(right)


def test_an_unreachable_server_is_a_sentence(unused_url: str) -> None:
    with pytest.raises(RemoteError, match="could not be reached"):
        list_models(unused_url, None)
    engine = RemoteEngine(unused_url, None, "m")
    result = engine.generate(QUESTION, SHORT, lambda _text: None).future.result(timeout=30)
    assert result.finish_reason == "error"
    assert result.error is not None and "could not be reached" in result.error


def test_a_server_that_stops_sending_times_out(silent_server: str) -> None:
    with pytest.raises(RemoteError, match="sent nothing for 1 seconds"):
        list_models(silent_server, None, timeout=1.0)
    engine = RemoteEngine(silent_server, None, "m", read_timeout=1.0)
    started = time.monotonic()
    result = engine.generate(QUESTION, SHORT, lambda _text: None).future.result(timeout=30)
    assert time.monotonic() - started < 10
    assert result.finish_reason == "error"
    assert result.error is not None and "sent nothing for 1 seconds" in result.error


def test_stop_while_waiting_for_a_silent_server_ends_at_once(silent_server: str) -> None:
    engine = RemoteEngine(silent_server, None, "m", read_timeout=60.0)
    generation = engine.generate(QUESTION, SHORT, lambda _text: None)
    time.sleep(0.5)
    stopped_at = time.monotonic()
    generation.cancel()
    result = generation.future.result(timeout=10)
    assert time.monotonic() - stopped_at < 1.0
    assert result.finish_reason == "cancelled"


def test_tokens_are_counted_by_the_server(llama_server: LlamaServer) -> None:
    engine = RemoteEngine(llama_server.url, None, MODEL_ALIAS)
    counts = engine.count_tokens(["hello world", ""]).result(timeout=60)
    assert counts == [2, 0]
    assert engine.counts_exactly is True
    prompt = engine.count_prompt_tokens([ChatTurn("user", "hello world")]).result(timeout=60)
    assert prompt > 2


def test_a_server_that_cannot_be_asked_gives_no_token_counts(unused_url: str) -> None:
    engine = RemoteEngine(unused_url, None, "m")
    with pytest.raises(RemoteError, match="does not count tokens"):
        engine.count_tokens(["abcdefgh"]).result(timeout=30)


def test_sampling_settings_are_mapped() -> None:
    params = GenerationParams(
        temperature=0.3, top_p=0.9, top_k=20, min_p=0.1, repeat_penalty=1.2,
        presence_penalty=0.5, frequency_penalty=0.25, seed=42, max_tokens=64, stop=("END",),
    )
    body = chat_body("m", QUESTION, params)
    assert body["messages"] == [{"role": "user", "content": QUESTION[0].content}]
    for name, value in {
        "temperature": 0.3, "top_p": 0.9, "top_k": 20, "min_p": 0.1, "repeat_penalty": 1.2,
        "presence_penalty": 0.5, "frequency_penalty": 0.25, "seed": 42, "max_tokens": 64,
        "stop": ["END"], "stream": True,
    }.items():
        assert body[name] == value, name
    assert body["repetition_penalty"] == 1.2  # vLLM's name
    # The extensions a strict server (OpenAI's own) refuses are left out when left at the
    # app's defaults: the server's own defaults apply.
    defaults = chat_body("m", QUESTION, GenerationParams())
    assert not {"top_k", "min_p", "repeat_penalty", "repetition_penalty", "typical_p",
                "mirostat_mode", "max_tokens", "seed", "stop"} & set(defaults)
    # Changed to "off" is changed: sent.
    off = chat_body("m", QUESTION, GenerationParams(top_k=0, min_p=0.0, repeat_penalty=1.0))
    assert (off["top_k"], off["min_p"], off["repeat_penalty"]) == (0, 0.0, 1.0)
    assert "typical_p" not in off


def test_a_rejected_setting_is_named() -> None:
    sent = chat_body("m", QUESTION, GenerationParams(top_k=5, max_tokens=64))
    request = httpx2.Request("POST", "http://gpu:8000/v1/chat/completions")
    openai_style = httpx2.Response(400, request=request, json={"error": {
        "message": "Unrecognized request argument supplied: top_k", "param": None,
    }})
    with pytest.raises(RemoteError, match="rejected the setting top_k"):
        check_status(openai_style, "http://gpu:8000/v1", None, model_id="m", sent=sent)
    llama_cpp_style = httpx2.Response(500, request=request, json={"error": {
        "message": "1 validation error:\n  {'loc': ('body', 'max_tokens')}\n\n  File x",
    }})
    with pytest.raises(RemoteError, match="rejected the setting max_tokens"):
        check_status(llama_cpp_style, "http://gpu:8000/v1", None, model_id="m", sent=sent)
    server_error = httpx2.Response(503, request=request, text="overloaded")
    with pytest.raises(RemoteError, match=r"failed \(HTTP 503\): overloaded"):
        check_status(server_error, "http://gpu:8000/v1", None, model_id="m", sent=sent)
    unknown = httpx2.Response(404, request=request, json={"error": {"message": "no such model"}})
    with pytest.raises(RemoteError, match="has no model 'm'"):
        check_status(unknown, "http://gpu:8000/v1", None, model_id="m", sent=sent)


def test_a_bad_address_is_a_sentence() -> None:
    with pytest.raises(RemoteError, match="is not a server address"):
        RemoteEngine("gpu-box:8000", None, "m")


def test_a_setting_the_real_server_rejects_is_named(llama_server: LlamaServer) -> None:
    # llama_cpp.server takes top_p up to 1 and answers 500 with a validation error.
    engine = RemoteEngine(llama_server.url, None, MODEL_ALIAS)
    result = engine.generate(
        QUESTION, GenerationParams(top_p=1.5, max_tokens=8), lambda _text: None
    ).future.result(timeout=60)
    assert result.finish_reason == "error" and result.text == ""
    assert result.error is not None and "rejected the setting top_p" in result.error
