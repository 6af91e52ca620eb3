"""Replies of one RemoteEngine take turns on a server that cuts concurrent streams (the real
llama_cpp.server), and overlap on servers that answer side by side (scripted: one that cannot
count tokens, one that counts at llama-server's /tokenize)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from desktop_llm.engine.types import ChatTurn, GenerationParams
from desktop_llm.remote import RemoteEngine
from tests.remote.conftest import MODEL_ALIAS, LlamaServer
from tests.remote.fake_openai import chunk, scripted_server

TIMEOUT = 120.0
STORY = [ChatTurn("user", "Write a short story about a cat.")]
HELLO = [ChatTurn("user", "Say hello.")]


class Seen:
    """When a reply's text began, and its text."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.first_at: float | None = None
        self.first_text = threading.Event()

    def on_text(self, text: str) -> None:
        if self.first_at is None:
            self.first_at = time.monotonic()
        self.pieces.append(text)
        self.first_text.set()


def test_replies_to_llama_cpp_python_take_turns_first_come_first_served(
    llama_server: LlamaServer,
) -> None:
    engine = RemoteEngine(llama_server.url, None, MODEL_ALIAS)
    first, second, third, stopped = Seen(), Seen(), Seen(), Seen()
    long = engine.generate(
        STORY, GenerationParams(temperature=0.7, seed=3, max_tokens=60), first.on_text
    )
    assert first.first_text.wait(TIMEOUT)
    short = GenerationParams(temperature=0.0, max_tokens=8)
    queued = engine.generate(HELLO, short, second.on_text)
    waiting = engine.generate(HELLO, short, stopped.on_text)
    last = engine.generate(HELLO, short, third.on_text)
    time.sleep(0.3)
    assert not long.future.done() and not queued.future.done()

    # Stop of a reply waiting for its turn ends it at once, without asking the server.
    asked = time.monotonic()
    waiting.cancel()
    cancelled = waiting.future.result(timeout=5)
    assert time.monotonic() - asked < 1.0
    assert (cancelled.finish_reason, cancelled.text, stopped.pieces) == ("cancelled", "", [])
    assert not long.future.done()

    results = [done.future.result(timeout=TIMEOUT) for done in (long, queued, last)]
    # None was cut by the one after it (llama_cpp.server ends a stream another request
    # interrupts: finish "error" and a sentence here).
    assert [r.finish_reason for r in results] in (
        [a, b, c] for a in ("stop", "length") for b in ("stop", "length")
        for c in ("stop", "length")
    ), [r.error for r in results]
    assert results[1].text and results[2].text
    # Each began after the one before it had ended, in the order they were sent.
    assert first.first_at is not None and second.first_at is not None
    assert third.first_at is not None
    assert first.first_at < second.first_at < third.first_at
    assert not engine.busy


def test_stop_of_the_streaming_reply_lets_the_next_go(llama_server: LlamaServer) -> None:
    engine = RemoteEngine(llama_server.url, None, MODEL_ALIAS)
    first, second = Seen(), Seen()
    long = engine.generate(
        STORY, GenerationParams(temperature=0.7, seed=5, max_tokens=1500), first.on_text
    )
    assert first.first_text.wait(TIMEOUT)
    next_one = engine.generate(HELLO, GenerationParams(max_tokens=8), second.on_text)
    time.sleep(0.3)
    assert not second.first_text.is_set()
    long.cancel()
    assert long.future.result(timeout=5).finish_reason == "cancelled"
    result = next_one.future.result(timeout=TIMEOUT)
    assert result.finish_reason in ("stop", "length"), result.error


SLOW_EVENTS = [
    *(chunk({"content": f"{n} "}) for n in range(10)),
    chunk({}, "stop"),
    "[DONE]",
]


@pytest.mark.parametrize("posts", [
    None,  # a server that cannot count tokens (vLLM, Ollama, OpenAI)
    {"/tokenize": {"tokens": [1, 2, 3]}},  # llama.cpp's llama-server
], ids=["no-tokenizer", "llama-server"])
def test_replies_to_a_server_that_answers_side_by_side_overlap(
    posts: dict[str, Any] | None,
) -> None:
    with scripted_server(SLOW_EVENTS, delay=0.1, posts=posts) as url:
        engine = RemoteEngine(url, None, "m")
        seen = [Seen(), Seen()]
        # The first reply learns what the server is; the two after it run side by side.
        assert engine.generate(HELLO, GenerationParams(), Seen().on_text).future.result(
            timeout=TIMEOUT
        ).finish_reason == "stop"
        assert engine.counts_exactly is (posts is not None)
        replies = [engine.generate(HELLO, GenerationParams(), s.on_text) for s in seen]
        results = [reply.future.result(timeout=TIMEOUT) for reply in replies]
    assert [r.finish_reason for r in results] == ["stop", "stop"]
    assert [r.text for r in results] == ["".join(f"{n} " for n in range(10))] * 2
    # A whole reply takes about a second: side by side, each began before the other ended.
    assert seen[0].first_at is not None and seen[1].first_at is not None
    assert abs(seen[0].first_at - seen[1].first_at) < 0.5


def test_token_counts_go_beside_a_reply_on_a_server_that_answers_side_by_side() -> None:
    posts = {"/tokenize": {"tokens": [1, 2, 3]}}  # llama.cpp's llama-server
    with scripted_server(SLOW_EVENTS, delay=0.3, posts=posts) as url:
        engine = RemoteEngine(url, None, "m")
        engine.generate(HELLO, GenerationParams(), Seen().on_text).future.result(TIMEOUT)
        streaming = Seen()
        reply = engine.generate(HELLO, GenerationParams(), streaming.on_text)
        assert streaming.first_text.wait(TIMEOUT)
        # The reply takes about 3 s; the count is answered long before it ends.
        assert engine.count_tokens(["hello"]).result(timeout=2) == [3]
        assert not reply.future.done()
        assert reply.future.result(timeout=TIMEOUT).finish_reason == "stop"
