"""A scripted OpenAI-compatible server for the stream's odd cases a real one rarely shows:
reasoning deltas, an error event mid-stream, a whole (unstreamed) answer, a stream that ends
without a finish reason. Standard library only; one script per server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
    return json.dumps({"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})


@contextmanager
def scripted_server(
    events: list[str] | None = None,
    whole: dict[str, Any] | None = None,
    gets: dict[str, Any] | None = None,
    failure: tuple[int, dict[str, Any]] | None = None,
) -> Iterator[str]:
    """Serves ``events`` as SSE data lines (or ``whole`` as one JSON answer) to every chat
    completion (or ``failure``: a status and its JSON body), and ``gets[path]`` as JSON to a
    GET of that path; yields the API base."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
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
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if not self.path.endswith("/chat/completions"):
                self.send_error(404)
                return
            if whole is not None or failure is not None:
                status, answer = failure if failure is not None else (200, whole)
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            for data in events or []:
                self.wfile.write(f"data: {data}\n\n".encode())
                self.wfile.flush()

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="fake-openai", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
