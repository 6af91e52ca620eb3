"""A server's answers are read within bounds: a quick question's whole answer within its time,
any answer within a size (an error's cut, not refused); past a bound a sentence, never a hang
or all the memory. Scripted servers (fake_openai.endless_server) send a byte every half
second (no single read ever times out) or 64 KiB pieces without end."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from desktop_llm.engine.types import ChatTurn, GenerationParams
from desktop_llm.errors import RemoteError
from desktop_llm.remote import api
from desktop_llm.remote.engine import RemoteEngine
from tests.remote.fake_openai import dribble, endless_server, flood

pytestmark = pytest.mark.timeout(60)  # a broken bound fails here instead of hanging

MB = 1024 * 1024


@pytest.fixture
def peak_memory() -> Iterator[Callable[[], int]]:
    """The most memory Python held during the test, in bytes."""
    tracemalloc.start()
    try:
        yield lambda: tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def timed(call: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    try:
        outcome = call()
    except RemoteError as error:
        outcome = error
    return outcome, time.monotonic() - started


def test_a_list_of_models_sent_a_byte_at_a_time_ends_at_its_time() -> None:
    answer = dribble()
    with endless_server({"/v1/models": answer}) as url:
        outcome, seconds = timed(lambda: api.list_remote_models(url, None, timeout=2))
    assert isinstance(outcome, RemoteError)
    assert str(outcome) == f"The server at {url} did not finish its answer within 2 seconds."
    assert 1.9 < seconds < 3.5
    assert answer.sent >= 2  # it was sending all along: no read timed out


def test_an_endless_list_of_models_is_refused_at_its_size(
    peak_memory: Callable[[], int],
) -> None:
    with endless_server({"/v1/models": flood()}) as url:
        outcome, seconds = timed(lambda: api.list_remote_models(url, None, timeout=5))
    assert isinstance(outcome, RemoteError)
    assert str(outcome) == f"The server at {url} sent an answer larger than 16 MB; it was not read."
    assert seconds < 4
    assert peak_memory() < api.ANSWER_LIMIT + 8 * MB


def test_an_endless_error_is_told_from_its_start(peak_memory: Callable[[], int]) -> None:
    with endless_server({"/v1/models": flood(b"out of memory\n\nTraceback", status=500)}) as url:
        outcome, seconds = timed(lambda: api.list_remote_models(url, None, timeout=5))
    assert isinstance(outcome, RemoteError)
    assert str(outcome) == f"The server at {url} failed (HTTP 500): out of memory"
    assert seconds < 2
    assert peak_memory() < 4 * MB  # its first 64 KiB read, not the rest


def test_a_context_size_probe_sent_a_byte_at_a_time_is_given_up() -> None:
    with endless_server({"/props": dribble(b"{")}) as url:
        size, seconds = timed(lambda: api.server_context_size(url, None, "m", timeout=1))
    assert size is None
    assert 0.9 < seconds < 2.5


def test_a_token_count_sent_a_byte_at_a_time_ends_at_its_time() -> None:
    with endless_server({"/extras/tokenize": dribble(b'{"tokens": [')}) as url:
        outcome, seconds = timed(
            lambda: api.count_with_server(url, None, "m", ["Hello"], timeout=1)
        )
    assert isinstance(outcome, RemoteError)
    assert str(outcome) == f"The server at {url} did not finish its answer within 1 seconds."
    assert 0.9 < seconds < 2.5


def reply_to(url: str, stop_after: float | None = None) -> tuple[Any, float]:
    engine = RemoteEngine(url, None, "m", read_timeout=30)
    try:
        started = time.monotonic()
        generation = engine.generate(
            [ChatTurn("user", "Hello")], GenerationParams(max_tokens=8), lambda _t: None
        )
        if stop_after is not None:
            time.sleep(stop_after)
            generation.cancel()
        result = generation.future.result(timeout=50)
        return result, time.monotonic() - started
    finally:
        engine.shutdown()


def test_an_endless_whole_reply_ends_in_a_sentence(peak_memory: Callable[[], int]) -> None:
    with endless_server({"/v1/chat/completions": flood(b'{"choices": [')}) as url:
        result, seconds = reply_to(url)
    assert result.finish_reason == "error"
    assert result.error == f"The server at {url} sent an answer larger than 32 MB; it was not read."
    assert seconds < 10
    assert peak_memory() < api.WHOLE_REPLY_LIMIT + 16 * MB


def test_stop_ends_a_whole_reply_sent_a_byte_at_a_time() -> None:
    with endless_server({"/v1/chat/completions": dribble(b'{"choices": [')}) as url:
        result, seconds = reply_to(url, stop_after=1.5)
    assert result.finish_reason == "cancelled"
    assert result.error is None
    assert seconds < 3


def test_a_refusal_sent_a_byte_at_a_time_is_told_with_its_start() -> None:
    refusal = dribble(b"The server is busy.\n\nTraceback")
    refusal.status = 503
    with endless_server({"/v1/chat/completions": refusal}) as url:
        result, seconds = reply_to(url)
    assert result.finish_reason == "error"
    assert result.error == f"The server at {url} failed (HTTP 503): The server is busy."
    assert api.ERROR_BODY_SECONDS - 0.5 < seconds < api.ERROR_BODY_SECONDS + 3


def test_an_endless_refusal_asked_again_unstreamed_is_told(
    peak_memory: Callable[[], int],
) -> None:
    """An empty stream is asked again unstreamed (see RemoteEngine._refusal_of): that
    answer's error is read from its start too."""
    refusal = flood(b"Prompt too long for this server.\n\nTraceback", status=400)
    with endless_server({"/v1/chat/completions": refusal}, empty_streams=True) as url:
        result, seconds = reply_to(url)
    assert result.finish_reason == "error"
    assert result.error == (
        f"The server at {url} refused the request (HTTP 400): Prompt too long for this server."
    )
    assert seconds < 4
    assert peak_memory() < 8 * MB


def test_a_silent_server_is_told_as_silent_at_its_time(silent_server: str) -> None:
    outcome, seconds = timed(lambda: api.list_remote_models(silent_server, None, timeout=2))
    assert isinstance(outcome, RemoteError)
    assert str(outcome) == f"The server at {silent_server} sent nothing for 2 seconds."
    assert 1.9 < seconds < 3.5
