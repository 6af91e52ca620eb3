"""A scripted OpenAI-compatible server for the stream's odd cases a real one rarely shows:
reasoning deltas, an error event mid-stream, a whole (unstreamed) answer, a stream that ends
without a finish reason, a strict server that refuses fields it does not know (as OpenAI's
own API does). Standard library only; one script per server."""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# The fields of a chat completion request OpenAI's own API takes; it refuses any other with a
# 400 "Unrecognized request argument supplied: top_k" (param null).
OPENAI_FIELDS = frozenset({
    "model", "messages", "temperature", "top_p", "n", "stream", "stream_options", "stop",
    "max_tokens", "max_completion_tokens", "presence_penalty", "frequency_penalty",
    "logit_bias", "logprobs", "top_logprobs", "user", "seed", "tools", "tool_choice",
    "parallel_tool_calls", "response_format", "service_tier", "store", "metadata",
    "reasoning_effort", "modalities", "audio", "prediction", "functions", "function_call",
})


def strict_refusal(body: dict[str, Any]) -> dict[str, Any] | None:
    """OpenAI's answer to a body with fields it does not know, or None."""
    unknown = sorted(set(body) - OPENAI_FIELDS)
    if not unknown:
        return None
    words = "argument" if len(unknown) == 1 else "arguments"
    return {"error": {
        "message": f"Unrecognized request {words} supplied: {', '.join(unknown)}",
        "type": "invalid_request_error", "param": None, "code": None,
    }}


def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
    return json.dumps({"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})


@contextmanager
def scripted_server(
    events: list[str] | None = None,
    whole: dict[str, Any] | None = None,
    gets: dict[str, Any] | None = None,
    failure: tuple[int, dict[str, Any]] | None = None,
    *,
    strict: bool = False,
    bodies: list[dict[str, Any]] | None = None,
    port: int = 0,
    delay: float = 0.0,
    posts: dict[str, Any] | None = None,
    tls: ssl.SSLContext | None = None,
    get_delay: float = 0.0,
) -> Iterator[str]:
    """Serves ``events`` as SSE data lines (or ``whole`` as one JSON answer) to every chat
    completion (or ``failure``: a status and its JSON body), and ``gets[path]`` as JSON to a
    GET of that path; yields the API base. ``strict``: a body with a field OpenAI's API does
    not know is refused as OpenAI refuses it (400). ``bodies`` collects the chat completion
    requests received; ``port``: listen there (0: any free one). ``delay``: seconds between
    two events. ``posts[path]``: the JSON answer to a POST of another path (a tokenizer's).
    Raw completions (``/completions``) are answered as chat completions are. ``tls``: serve
    HTTPS with this server-side context. ``get_delay``: seconds before answering a GET (a slow
    list of models). ``gets`` may be changed while serving: each GET reads it anew."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(get_delay)
            if self.path not in (gets or {}):
                self.send_error(404)
                return
            body = json.dumps((gets or {})[self.path]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            received = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path in (posts or {}):
                data = json.dumps((posts or {})[self.path]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            if not self.path.endswith("/completions"):
                self.send_error(404)
                return
            body = json.loads(received)
            if bodies is not None:
                bodies.append(body)
            refused = strict_refusal(body) if strict else None
            if whole is not None or failure is not None or refused is not None:
                status, answer = (
                    (400, refused) if refused is not None else failure or (200, whole)
                )
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            for data in events or []:
                self.wfile.write(f"data: {data}\n\n".encode())
                self.wfile.flush()
                time.sleep(delay)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, name="fake-openai", daemon=True)
    thread.start()
    try:
        scheme = "https" if tls is not None else "http"
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class Endless:
    """An answer that never ends: its status and ``start``, then ``piece`` again and again,
    every ``every`` seconds (0: as fast as the socket takes it), with no length, until the
    client goes away or the server shuts down. ``sent``: the bytes written so far."""

    def __init__(
        self, start: bytes, piece: bytes, every: float, *, status: int = 200,
        content_type: str = "application/json",
    ) -> None:
        self.start, self.piece, self.every = start, piece, every
        self.status, self.content_type = status, content_type
        self.sent = 0


def dribble(start: bytes = b'{"data": [') -> Endless:
    """An answer a byte every half second: no read ever waits long enough to time out."""
    return Endless(start, b" ", 0.5)


def flood(start: bytes = b'{"data": [', *, status: int = 200) -> Endless:
    """An answer of 64 KiB pieces, as fast as they go."""
    return Endless(start, b" " * 65536, 0, status=status)


@contextmanager
def endless_server(
    answers: dict[str, Endless], *, empty_streams: bool = False
) -> Iterator[str]:
    """A server answering a GET or POST of each path of ``answers`` without end (any other:
    404); yields the API base (``/v1``). ``empty_streams``: a POST asking for a stream gets
    an empty one instead (llama-cpp-python's server refuses a streamed request so), and only
    the request asked again unstreamed the endless answer."""
    stopping = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def answer(self) -> None:
            endless = answers.get(self.path)
            if endless is None:
                self.send_error(404)
                return
            self.send_response(endless.status)
            self.send_header("Content-Type", endless.content_type)
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                self.wfile.write(endless.start)
                while not stopping.is_set():
                    self.wfile.write(endless.piece)
                    self.wfile.flush()
                    endless.sent += len(endless.piece)
                    if endless.every:
                        stopping.wait(endless.every)
            except OSError:
                pass  # the client went away
            self.close_connection = True

        def do_GET(self) -> None:
            self.answer()

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            if empty_streams and body.get("stream"):
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.answer()

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="fake-endless", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
