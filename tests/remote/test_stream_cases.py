"""The remote engine on a stream's odd cases, from a scripted server (fake_openai.py)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from desktop_llm.engine.types import ChatTurn, GenerationParams
from desktop_llm.remote import RemoteEngine
from tests.remote.fake_openai import chunk, scripted_server

QUESTION = [ChatTurn("user", "Why?")]
PARAMS = GenerationParams(max_tokens=16)


def reply_to(url: str) -> tuple[object, list[str]]:
    pieces: list[str] = []
    engine = RemoteEngine(url, None, "m")
    result = engine.generate(QUESTION, PARAMS, pieces.append).future.result(timeout=30)
    engine.shutdown()
    return result, pieces


def test_reasoning_deltas_are_kept_inside_think_tags() -> None:
    events = [
        chunk({"role": "assistant"}),
        chunk({"reasoning_content": "Let me "}),
        chunk({"reasoning_content": "think."}),
        chunk({"content": "Because."}),
        chunk({}, "stop"),
        '{"choices": [], "usage": {"prompt_tokens": 7, "completion_tokens": 5}}',
        "[DONE]",
    ]
    with scripted_server(events) as url:
        result, pieces = reply_to(url)
    assert result.text == "<think>Let me think.</think>Because."
    assert "".join(pieces) == result.text
    assert result.finish_reason == "stop"
    assert (result.prompt_tokens, result.completion_tokens) == (7, 5)


def test_an_error_event_mid_stream_keeps_the_text() -> None:
    events = [
        chunk({"content": "Half"}),
        '{"error": {"message": "out of memory on the GPU"}}',
    ]
    with scripted_server(events) as url:
        result, _pieces = reply_to(url)
    assert result.text == "Half"
    assert result.finish_reason == "error"
    assert result.error == "The server stopped the reply with an error: out of memory on the GPU"


def test_a_stream_ending_without_a_finish_reason_is_a_cut() -> None:
    with scripted_server([chunk({"content": "Half"}), chunk({"content": " a reply"})]) as url:
        result, _pieces = reply_to(url)
    assert result.text == "Half a reply"
    assert result.finish_reason == "error"
    assert result.error is not None and "was cut while it wrote this reply" in result.error


@pytest.mark.parametrize("whole", [
    {"choices": {"a": 1}}, {"choices": 5}, {"choices": []}, {"choices": ["text"]}, {},
], ids=["object", "number", "empty", "strings", "none"])
def test_an_answer_without_choices_is_a_sentence(whole: dict[str, object]) -> None:
    with scripted_server(whole=whole) as url:
        result, pieces = reply_to(url)
    assert pieces == [] and result.finish_reason == "error"  # type: ignore[attr-defined]
    assert result.error == (  # type: ignore[attr-defined]
        f"The server at {url} sent a reply that could not be read (the answer has no "
        "choices)."
    )


def test_a_server_that_answers_whole_is_taken_whole() -> None:
    whole = {
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "All at once."},
                     "finish_reason": "length"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 4},
    }
    with scripted_server(whole=whole) as url:
        result, pieces = reply_to(url)
    assert pieces == ["All at once."]
    assert result.finish_reason == "length"
    assert result.completion_tokens == 4 and result.prompt_tokens == 3


def test_a_server_without_tokenize_is_estimated_and_asked_once() -> None:
    with scripted_server([chunk({"content": "Hi"}, "stop"), "[DONE]"]) as url:
        engine = RemoteEngine(url, None, "m")
        progress: list[object] = []
        engine.generate(QUESTION, PARAMS, lambda _t: None,
                        on_progress=progress.append).future.result(timeout=30)
        assert engine.counts_exactly is False
        assert all(p.estimated for p in progress)  # type: ignore[attr-defined]
        engine.shutdown()


def test_a_server_error_is_a_sentence_with_the_servers_words() -> None:
    failure = (503, {"error": {"message": "the model is loading, try again"}})
    with scripted_server(failure=failure) as url:
        result, pieces = reply_to(url)
    assert pieces == [] and result.finish_reason == "error"
    assert result.error == (
        f"The server at {url} failed (HTTP 503): the model is loading, try again"
    )


@pytest.mark.parametrize(("status", "headers", "said"), [
    (301, {"Location": "https://gpu-box/v1/chat/completions"},
     "sent the request elsewhere (HTTP 301 to https://gpu-box/v1/chat/completions): change "
     "the server's address in its settings to the new one."),
    (200, {"Content-Type": "text/html; charset=utf-8"},
     "answered with text/html instead of a reply (HTTP 200): check that the address is the "
     "server's API, which usually ends in /v1."),
], ids=["redirect", "web-page"])
def test_an_answer_that_is_no_reply_is_said_for_what_it_is(
    status: int, headers: dict[str, str], said: str
) -> None:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = b"<html><body>Sign in</body></html>"
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        result, pieces = reply_to(url)
    finally:
        server.shutdown()
        server.server_close()
    assert pieces == [] and result.finish_reason == "error"  # type: ignore[attr-defined]
    assert result.error == f"The server at {url} {said}"  # type: ignore[attr-defined]
