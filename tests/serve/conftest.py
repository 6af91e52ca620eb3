"""A fake backend (no model: text written by a thread) and the API server on a thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

import pytest

from desktop_llm.engine.seam import Generation
from desktop_llm.engine.types import ChatTurn, GenerationParams, GenerationResult
from desktop_llm.serve.backend import ServedModel
from desktop_llm.serve.options import ServeOptions
from desktop_llm.serve.server import ApiServer


@dataclass
class FakeBackend:
    """Answers every request with ``pieces``, one every ``delay`` seconds, on a thread."""

    pieces: tuple[str, ...] = ("Hello", ",", " world")
    delay: float = 0.01
    model: ServedModel | None = field(default_factory=lambda: ServedModel("smol", 2048, 0))
    requests: list[tuple[list[ChatTurn], GenerationParams]] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    finish: str = "stop"
    too_long: bool = False
    # None: a remote model, which answers no raw completions.
    raw_prompts: list[str] | None = field(default_factory=list)
    active: int = 0  # replies being written now
    most_active: int = 0
    _count_lock: threading.Lock = field(default_factory=threading.Lock)

    def served_model(self) -> ServedModel | None:
        return self.model

    def default_params(self) -> GenerationParams:
        return GenerationParams()

    def complete(
        self, prompt: str, params: GenerationParams, on_text: Callable[[str], None]
    ) -> Generation:
        if self.raw_prompts is None:
            raise NotImplementedError("remote")
        self.raw_prompts.append(prompt)
        return self.generate([], params, on_text)

    def generate(
        self, turns: Sequence[ChatTurn], params: GenerationParams, on_text: Callable[[str], None]
    ) -> Generation:
        number = len(self.requests)
        self.requests.append((list(turns), params))
        future: Future[GenerationResult] = Future()
        stop = threading.Event()

        with self._count_lock:
            self.active += 1
            self.most_active = max(self.most_active, self.active)

        def write() -> None:
            written = []
            for piece in self.pieces:
                if stop.wait(self.delay):
                    break
                written.append(piece)
                on_text(piece)
            finish = "cancelled" if stop.is_set() else self.finish
            if stop.is_set():
                self.cancelled.append(number)
            with self._count_lock:
                self.active -= 1
            future.set_result(GenerationResult(
                "".join(written), finish, prompt_tokens=7, completion_tokens=len(written),  # type: ignore[arg-type]
                time_to_first_token=None, tokens_per_second=None, n_ctx=2048,
                error="The engine broke." if finish == "error" else None,
                too_long=self.too_long,
            ))

        threading.Thread(target=write, daemon=True).start()
        return Generation(future, stop.set)


@pytest.fixture
def backend() -> FakeBackend:
    return FakeBackend()


@pytest.fixture
def serve(backend: FakeBackend) -> Iterator[Callable[..., ApiServer]]:
    """Starts an API server on a free port; stopped at the end of the test."""
    servers: list[ApiServer] = []

    def start(**options: object) -> ApiServer:
        server = ApiServer(backend, ServeOptions(port=0, **options))  # type: ignore[arg-type]
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)
