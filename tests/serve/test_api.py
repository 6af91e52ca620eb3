"""The API server with a fake backend: the OpenAI client's view, and hostile requests."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from desktop_llm.errors import DesktopLLMError
from desktop_llm.serve.options import ServeOptions
from desktop_llm.serve.server import ApiServer
from tests.serve.conftest import FakeBackend, wait_for

HELLO = [{"role": "user", "content": "hi"}]
_clients: list[openai.OpenAI] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _clients:
        _clients.pop().close()


def client(server: ApiServer, key: str = "unused") -> openai.OpenAI:
    made = openai.OpenAI(base_url=server.base_url, api_key=key, max_retries=0, timeout=10)
    _clients.append(made)
    return made


def post(
    server: ApiServer,
    path: str,
    body: bytes | str | None,
    headers: dict[str, str] | None = None,
    method: str = "POST",
) -> tuple[int, dict[str, Any], http.client.HTTPResponse]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        is_json = response.getheader("content-type", "").startswith("application/json")
        return response.status, json.loads(data) if is_json else {}, response
    finally:
        connection.close()


def read_all(raw: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = []
    while chunk := raw.recv(65536):
        received.append(chunk)
    return b"".join(received)


def error_of(status_and_body: tuple[int, dict[str, Any], Any]) -> tuple[int, dict[str, Any]]:
    status, body, _ = status_and_body
    assert set(body["error"]) == {"message", "type", "param", "code"}, body
    assert body["error"]["message"].endswith("."), body
    return status, body["error"]


def test_models_and_replies_through_the_openai_client(serve, backend: FakeBackend) -> None:
    server = serve()
    api = client(server)
    assert [model.id for model in api.models.list()] == ["smol"]

    whole = api.chat.completions.create(model="smol", messages=HELLO)
    assert whole.choices[0].message.content == "Hello, world"
    assert whole.choices[0].finish_reason == "stop"
    assert (whole.usage.prompt_tokens, whole.usage.completion_tokens) == (7, 3)

    chunks = list(api.chat.completions.create(
        model="SMOL", messages=HELLO, stream=True, stream_options={"include_usage": True}
    ))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Hello, world"
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].usage.total_tokens == 10
    assert server.stats.snapshot().requests_served == 2


def test_sampling_fields_reach_the_engine_and_huge_max_tokens_is_clamped(
    serve, backend: FakeBackend
) -> None:
    api = client(serve())
    api.chat.completions.create(
        model="smol",
        messages=[{"role": "developer", "content": "be brief"},
                  {"role": "user", "content": [{"type": "text", "text": "hi"}]}],
        temperature=0.2, top_p=0.5, seed=3, stop=["\n"], max_tokens=10**12,
        response_format={"type": "text"}, logprobs=False,  # asked for nothing: taken
        extra_body={"top_k": 5, "min_p": 0.1, "typical_p": 0.9, "mirostat_mode": 2,
                    "mirostat_tau": 4.0, "mirostat_eta": 0.2, "repeat_penalty": 1.2},
    )
    turns, params = backend.requests[-1]
    assert [(t.role, t.content) for t in turns] == [("system", "be brief"), ("user", "hi")]
    assert (params.temperature, params.top_p, params.top_k, params.min_p) == (0.2, 0.5, 5, 0.1)
    assert (params.typical_p, params.repeat_penalty) == (0.9, 1.2)
    assert (params.mirostat_mode, params.mirostat_tau, params.mirostat_eta) == (2, 4.0, 0.2)
    assert (params.seed, params.stop) == (3, ("\n",))
    assert params.max_tokens == 2048  # the model's context: no reply can be longer


@pytest.mark.parametrize(("body", "param"), [
    ({"model": "smol", "messages": "hi"}, "messages"),
    ({"model": "smol", "messages": []}, "messages"),
    ({"model": 7, "messages": HELLO}, "model"),
    ({"messages": HELLO}, "model"),
    ({"model": "smol", "messages": [{"role": "wizard", "content": "x"}]}, "messages[0].role"),
    ({"model": "smol", "messages": [{"role": "user", "content": 5}]}, "messages[0].content"),
    ({"model": "smol", "messages": ["hi"]}, "messages[0]"),
    ({"model": "smol", "messages": HELLO, "temperature": "hot"}, "temperature"),
    ({"model": "smol", "messages": HELLO, "temperature": 9}, "temperature"),
    ({"model": "smol", "messages": HELLO, "max_tokens": True}, "max_tokens"),
    ({"model": "smol", "messages": HELLO, "max_tokens": 0}, "max_tokens"),
    ({"model": "smol", "messages": HELLO, "max_tokens": 1.5}, "max_tokens"),
    ({"model": "smol", "messages": HELLO, "stream": "yes"}, "stream"),
    ({"model": "smol", "messages": HELLO, "stop": [1, 2]}, "stop"),
    ({"model": "smol", "messages": HELLO, "n": 3}, "n"),
    ({"model": "smol", "messages": HELLO, "tools": [{"type": "function"}]}, "tools"),
    ({"model": "smol", "messages": HELLO, "response_format": {"type": "json_object"}},
     "response_format"),
    ({"model": "smol", "messages": HELLO, "response_format": "json"}, "response_format"),
    ({"model": "smol", "messages": HELLO, "logprobs": True}, "logprobs"),
    ({"model": "smol", "messages": HELLO, "mirostat_mode": 3}, "mirostat_mode"),
    ({"model": "smol", "messages": HELLO, "typical_p": 2}, "typical_p"),
    ({"model": "smol", "messages": HELLO, "temperature": 10**400}, "temperature"),
    ({"model": "smol", "messages": HELLO, "top_p": -(10**400)}, "top_p"),
    ({"model": None, "messages": HELLO}, "model"),
])
def test_fields_of_the_wrong_type_are_400_naming_the_field(
    serve, backend: FakeBackend, body: dict[str, Any], param: str
) -> None:
    status, error = error_of(post(serve(), "/v1/chat/completions", json.dumps(body)))
    assert (status, error["type"], error["param"]) == (400, "invalid_request_error", param)
    assert not backend.requests


@pytest.mark.parametrize("body", [
    b"{not json", b"\xff\xfe", b"[1, 2]", b"", b"nan", b"[" * 500_000,
    b'{"model": "smol", "messages": ' + b"[" * 200_000 + b"]" * 200_000 + b"}",
])
def test_malformed_json_is_400(serve, body: bytes) -> None:
    status, error = error_of(post(serve(), "/v1/chat/completions", body))
    assert (status, error["code"]) == (400, "invalid_json")


@pytest.mark.parametrize("body", [
    b'{"model": "smol", "messages": [{"role": "user", "content": "hi \\ud800"}]}',
    b'{"model": "smol", "messages": [{"role": "user", "content": [{"type": "text", '
    b'"text": "\\udfff"}]}]}',
    b'{"model": "smol", "messages": [{"role": "user", "content": "hi"}], "stop": "\\ud800"}',
    b'{"model": "smol", "messages": [{"role": "user", "content": "hi"}], '
    b'"stop": ["x", "\\ud800"]}',
    b'{"model": "smol\\ud800", "messages": [{"role": "user", "content": "hi"}]}',
    b'{"model": "smol", "prompt": "once \\ud800"}',
])
def test_a_lone_surrogate_is_400_and_the_next_request_is_answered(
    serve, backend: FakeBackend, body: bytes
) -> None:
    server = serve()
    path = "/v1/completions" if b'"prompt"' in body else "/v1/chat/completions"
    started = time.monotonic()
    status, error = error_of(post(server, path, body))
    assert (status, error["code"]) == (400, "invalid_json")
    assert "surrogate" in error["message"]
    assert time.monotonic() - started < 2
    assert not backend.requests
    answer = client(server).chat.completions.create(model="smol", messages=HELLO)
    assert answer.choices[0].message.content == "Hello, world"


def test_unknown_model_is_404_and_no_model_is_503(serve, backend: FakeBackend) -> None:
    server = serve()
    status, error = error_of(post(server, "/v1/chat/completions",
                                  json.dumps({"model": "gpt-9", "messages": HELLO})))
    assert (status, error["param"], error["code"]) == (404, "model", "model_not_found")
    with pytest.raises(openai.NotFoundError):
        client(server).chat.completions.create(model="gpt-9", messages=HELLO)
    backend.model = None
    assert client(server).models.list().data == []
    status, error = error_of(post(server, "/v1/chat/completions",
                                  json.dumps({"model": "smol", "messages": HELLO})))
    assert (status, error["code"]) == (503, "model_not_loaded")
    assert server.stats.snapshot().last_error == "No model is loaded in desktop-llm."


def test_unknown_paths_and_methods_answer_openai_errors(serve) -> None:
    server = serve()
    assert error_of(post(server, "/v2/everything", "{}"))[0] == 404
    assert error_of(post(server, "/v1/chat/completions", None, method="GET"))[0] == 405


def test_raw_completions_streamed_and_not(serve, backend: FakeBackend) -> None:
    api = client(serve())
    whole = api.completions.create(model="smol", prompt="Once upon", max_tokens=5)
    assert (whole.object, whole.choices[0].text) == ("text_completion", "Hello, world")
    assert whole.usage.completion_tokens == 3
    chunks = list(api.completions.create(
        model="smol", prompt=["Once upon"], stream=True, stream_options={"include_usage": True}
    ))
    assert "".join(c.choices[0].text for c in chunks if c.choices) == "Hello, world"
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].usage.total_tokens == 10
    assert backend.raw_prompts == ["Once upon", "Once upon"]
    assert backend.requests[0][1].max_tokens == 5


@pytest.mark.parametrize(("body", "param"), [
    ({"model": "smol"}, "prompt"),
    ({"model": "smol", "prompt": ""}, "prompt"),
    ({"model": "smol", "prompt": [1, 2, 3]}, "prompt"),
    ({"model": "smol", "prompt": ["a", "b"]}, "prompt"),
    ({"model": "smol", "prompt": "x", "echo": True}, "echo"),
    ({"model": "smol", "prompt": "x", "suffix": "y"}, "suffix"),
    ({"model": "smol", "prompt": "x", "best_of": 2}, "best_of"),
    ({"model": "smol", "prompt": "x", "top_p": "all"}, "top_p"),
    ({"model": "smol", "prompt": "x", "logprobs": 5}, "logprobs"),
])
def test_bad_raw_completions_are_400(serve, backend: FakeBackend, body, param) -> None:
    status, error = error_of(post(serve(), "/v1/completions", json.dumps(body)))
    assert (status, error["param"]) == (400, param)
    assert not backend.requests


def test_a_remote_model_answers_no_raw_completions(serve, backend: FakeBackend) -> None:
    backend.raw_prompts = None
    status, error = error_of(post(serve(), "/v1/completions",
                                  json.dumps({"model": "smol", "prompt": "x"})))
    assert (status, error["code"]) == (501, "not_implemented")


def test_a_10_mb_body_is_refused_413_before_it_is_read(serve, backend: FakeBackend) -> None:
    server = serve()
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
        raw.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
                    b"Content-Type: application/json\r\nContent-Length: 10485760\r\n\r\n")
        # Not one byte of the body is sent: the answer comes from the declared length.
        answer = read_all(raw).decode()
    assert answer.startswith("HTTP/1.1 413"), answer
    assert "request_too_large" in answer
    assert not backend.requests


def test_a_chunked_body_is_cut_at_the_limit(serve, backend: FakeBackend) -> None:
    server = serve()
    sent = threading.Event()
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
        raw.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n")

        def flood() -> None:
            piece = b"x" * 65536
            try:
                for _ in range(160):  # 10 MiB, unless the server hangs up first
                    raw.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
            except OSError:
                pass
            sent.set()

        writer = threading.Thread(target=flood, daemon=True)
        writer.start()
        answer = raw.recv(65536).decode(errors="replace")
        writer.join(10)
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert not backend.requests


def test_a_client_that_sends_nothing_or_dribbles_is_dropped(serve) -> None:
    server = serve(request_timeout=0.5)
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as silent:
        started = time.monotonic()
        assert silent.recv(1024) == b""  # closed by the server
        assert time.monotonic() - started < 3
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as dribbling:
        dribbling.sendall(b"POST /v1/chat/completions HTTP/1.1\r\n")
        with pytest.raises(OSError):
            for _ in range(30):  # a header line every 0.2 s never finishes the head
                time.sleep(0.2)
                dribbling.sendall(b"X-Slow: 1\r\n")
        # (a reset or a broken pipe: either way the server let go)
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as slow_body:
        slow_body.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
                          b"Content-Length: 100\r\n\r\n{")
        assert slow_body.recv(65536).startswith(b"HTTP/1.1 408")


def test_a_client_that_disconnects_stops_its_reply(serve, backend: FakeBackend) -> None:
    backend.pieces = ("word ",) * 400
    backend.delay = 0.02
    server = serve()
    for number, stream in enumerate((True, False), start=1):
        body = json.dumps({"model": "smol", "messages": HELLO, "stream": stream}).encode()
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
            raw.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
                        b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            wait_for(lambda: len(backend.requests) == number)  # noqa: B023
            if stream:
                assert raw.recv(65536).startswith(b"HTTP/1.1 200")
            time.sleep(0.1)
        wait_for(lambda: len(backend.cancelled) == number)  # noqa: B023


def test_an_engine_error_is_a_500_or_an_error_event(serve, backend: FakeBackend) -> None:
    backend.finish = "error"
    server = serve()
    with pytest.raises(openai.InternalServerError, match="The engine broke"):
        client(server).chat.completions.create(model="smol", messages=HELLO)
    with pytest.raises(openai.APIError, match="The engine broke"):
        list(client(server).chat.completions.create(model="smol", messages=HELLO, stream=True))
    assert server.stats.snapshot().last_error == "The engine broke."


def test_a_conversation_too_long_for_the_context_is_400(serve, backend: FakeBackend) -> None:
    backend.pieces, backend.finish, backend.too_long = (), "error", True
    status, error = error_of(post(serve(), "/v1/chat/completions",
                                  json.dumps({"model": "smol", "messages": HELLO})))
    assert (status, error["code"]) == (400, "context_length_exceeded")


def test_several_clients_at_once(serve, backend: FakeBackend) -> None:
    server = serve()
    answers: list[str] = []

    def ask(stream: bool) -> None:
        api = client(server)
        if stream:
            chunks = api.chat.completions.create(model="smol", messages=HELLO, stream=True)
            answers.append("".join(c.choices[0].delta.content or "" for c in chunks))
        else:
            answers.append(api.chat.completions.create(
                model="smol", messages=HELLO).choices[0].message.content)

    threads = [threading.Thread(target=ask, args=(i % 2 == 0,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert answers == ["Hello, world"] * 6
    assert server.stats.snapshot().requests_served == 6
    # They took turns: one API reply at a time reached the engine.
    assert backend.most_active == 1


def test_an_api_key_is_required_when_set(serve) -> None:
    server = serve(api_key="s3cret")
    with pytest.raises(openai.AuthenticationError):
        client(server, "wrong").models.list()
    status, error = error_of(post(server, "/v1/models", None, method="GET"))
    assert (status, error["code"]) == (401, "invalid_api_key")
    assert [m.id for m in client(server, "s3cret").models.list()] == ["smol"]


def test_another_address_than_loopback_needs_a_key(backend: FakeBackend) -> None:
    with pytest.raises(DesktopLLMError, match="set an API key"):
        ApiServer(backend, ServeOptions(host="0.0.0.0", port=0))


def test_a_port_in_use_is_a_sentence(serve, backend: FakeBackend) -> None:
    server = serve()
    with pytest.raises(DesktopLLMError, match=f"Could not listen on 127.0.0.1:{server.port}"):
        ApiServer(backend, ServeOptions(port=server.port))


def test_cors_is_off_unless_origins_are_given(serve) -> None:
    preflight = {"Origin": "https://editor.example", "Access-Control-Request-Method": "POST"}
    _, _, plain = post(serve(), "/v1/chat/completions", None, preflight, method="OPTIONS")
    assert plain.getheader("access-control-allow-origin") is None
    allowed = serve(cors_origins=("https://editor.example",))
    status, _, answer = post(allowed, "/v1/chat/completions", None, preflight, method="OPTIONS")
    assert status == 200
    assert answer.getheader("access-control-allow-origin") == "https://editor.example"


def test_a_client_that_leaves_while_waiting_for_its_turn_is_never_started(
    serve, backend: FakeBackend
) -> None:
    backend.pieces = ("word ",) * 100
    backend.delay = 0.02
    server = serve()
    first = threading.Thread(
        target=lambda: client(server).chat.completions.create(model="smol", messages=HELLO)
    )
    first.start()
    wait_for(lambda: len(backend.requests) == 1)
    for stream in (False, True):
        body = json.dumps({"model": "smol", "messages": HELLO, "stream": stream}).encode()
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
            raw.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
                        b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            time.sleep(0.2)  # waiting behind the first reply
    first.join(30)
    time.sleep(0.3)
    assert len(backend.requests) == 1 and not backend.cancelled


def test_the_openai_js_clients_preflight_is_allowed_from_an_allowed_origin(serve) -> None:
    server = serve(cors_origins=("https://editor.example",))
    preflight = {
        "Origin": "https://editor.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-stainless-os,"
                                          "x-stainless-lang",
    }
    status, _, answer = post(server, "/v1/chat/completions", None, preflight, method="OPTIONS")
    assert status == 200
    assert answer.getheader("access-control-allow-origin") == "https://editor.example"
    assert "x-stainless-os" in answer.getheader("access-control-allow-headers", "").lower()


BODY = json.dumps({"model": "smol", "messages": HELLO})


def test_a_web_page_from_an_origin_not_allowed_is_refused_before_anything_runs(
    serve, backend: FakeBackend
) -> None:
    # A "simple" request: a page may send it without a preflight.
    evil = {"Origin": "https://evil.example", "Content-Type": "text/plain"}
    for server in (serve(), serve(cors_origins=("https://editor.example",))):
        for path, body, method in (("/v1/chat/completions", BODY, "POST"),
                                   ("/v1/completions", '{"model": "smol", "prompt": "x"}',
                                    "POST"),
                                   ("/v1/models", None, "GET")):
            status, error = error_of(post(server, path, body, evil, method=method))
            assert (status, error["code"]) == (403, "origin_not_allowed")
            assert "API server settings" in error["message"]
            assert "evil.example" in error["message"]
    assert not backend.requests and backend.raw_prompts == []
    # The allowed origin is served, with CORS headers; a program (no Origin) is served.
    status, body, answer = post(server, "/v1/chat/completions", BODY,
                                {"Origin": "https://editor.example",
                                 "Content-Type": "application/json"})
    assert status == 200 and body["choices"][0]["message"]["content"] == "Hello, world"
    assert answer.getheader("access-control-allow-origin") == "https://editor.example"
    answer_text = client(server).chat.completions.create(model="smol", messages=HELLO)
    assert answer_text.choices[0].message.content == "Hello, world"
    # "*" allows every page.
    status, _, _ = post(serve(cors_origins=("*",)), "/v1/chat/completions", BODY, evil)
    assert status == 200


def test_on_loopback_a_request_must_be_addressed_to_this_computer(
    serve, backend: FakeBackend
) -> None:
    server = serve()
    # DNS rebinding: the page's own name, pointed at 127.0.0.1.
    for host in (f"evil.example:{server.port}", "evil.example", "192.168.1.5:8080"):
        status, error = error_of(post(server, "/v1/chat/completions", BODY, {"Host": host}))
        assert (status, error["code"]) == (403, "host_not_allowed"), host
    assert not backend.requests
    for host in (f"localhost:{server.port}", "127.0.0.1", "[::1]:8080", "LOCALHOST"):
        status, _, _ = post(server, "/v1/models", None, {"Host": host}, method="GET")
        assert status == 200, host
    assert [m.id for m in client(server).models.list()] == ["smol"]


def test_beyond_loopback_the_host_is_free_and_the_key_guards(backend: FakeBackend) -> None:
    server = ApiServer(backend, ServeOptions(host="0.0.0.0", port=0, api_key="s3cret"))
    server.start()
    try:
        status, _, _ = post(server, "/v1/models", None,
                            {"Host": "gpu-box.lan:8080", "Authorization": "Bearer s3cret"},
                            method="GET")
        assert status == 200
        status, _, _ = post(server, "/v1/models", None, {"Host": "gpu-box.lan"}, method="GET")
        assert status == 401
    finally:
        server.stop()
