"""``desktop-llm --self-test``: the whole app's core, end to end, with no display.

In a temporary data folder (never the user's): the bundled model is there and intact, the
engine process starts (in a bundle: the app's own executable with ``--engine-host``), loads
the model and answers one prompt, the history is written, closed, and read back from disk, and
the API server (the window's switch) starts on a free loopback port and answers, before and
after a model is loaded, one streamed chat completion included.
Each step prints one line; a failure prints one line naming the step and the reason, and the
exit code is non-zero. ``__main__`` may add steps (the window, built offscreen); this module
stays Qt-free.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TextIO

from desktop_llm import __version__
from desktop_llm.paths import HOME_ENV, AppPaths, app_paths

EXIT_FAILED = 1
PROMPT = "Say hello in one short sentence."
# A cold start on a slow machine, and a safe-mode retry after a crash, fit in these.
LOAD_TIMEOUT = 300.0
REPLY_TIMEOUT = 300.0
# Warnings logged during the run, shown under a failure's reason (the engine's last words).
_LOG_TAIL = 20


class SelfTestFailure(Exception):
    """A step found something wrong: ``str()`` is the sentence shown."""


@dataclass(frozen=True)
class Step:
    """One check: ``run`` returns a short note for the report, or raises."""

    name: str
    run: Callable[[AppPaths], str]


def run_self_test(
    extra_steps: Sequence[Step] = (), *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run every step in a fresh temporary data folder; 0 when all pass."""
    out = out or sys.stdout
    err = err or sys.stderr
    frozen = " (bundled)" if getattr(sys, "frozen", False) else ""
    print(f"desktop-llm {__version__}{frozen} self-test", file=out, flush=True)
    started = time.monotonic()
    with temporary_home() as paths, logged_warnings() as warnings:
        for step in (*core_steps(), *extra_steps):
            begun = time.monotonic()
            try:
                note = step.run(paths)
            except Exception as error:  # every failure becomes the one line the user reads
                reason = " ".join(str(error).split()) or type(error).__name__
                print(f"desktop-llm self-test failed: {step.name}: {reason}", file=err, flush=True)
                for line in warnings:
                    print(f"  log: {line}", file=err, flush=True)
                return EXIT_FAILED
            took = time.monotonic() - begun
            print(f"  ok  {step.name}: {note} ({took:.1f} s)", file=out, flush=True)
    print(f"self-test passed in {time.monotonic() - started:.1f} s", file=out, flush=True)
    return 0


@contextmanager
def temporary_home() -> Iterator[AppPaths]:
    """A throwaway DESKTOP_LLM_HOME for this process and the engine it starts."""
    previous = os.environ.get(HOME_ENV)
    with tempfile.TemporaryDirectory(prefix="desktop-llm-self-test-") as folder:
        os.environ[HOME_ENV] = folder
        try:
            yield app_paths().ensure()
        finally:
            if previous is None:
                os.environ.pop(HOME_ENV, None)
            else:
                os.environ[HOME_ENV] = previous


class _Tail(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: deque[str] = deque(maxlen=_LOG_TAIL)

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.name}: {record.getMessage()}")


@contextmanager
def logged_warnings() -> Iterator[deque[str]]:
    """Warnings and errors logged meanwhile, kept (not printed) for a failure's report."""
    tail = _Tail()
    root = logging.getLogger()
    root.addHandler(tail)
    try:
        yield tail.lines
    finally:
        root.removeHandler(tail)


def core_steps() -> list[Step]:
    return [
        Step("bundled model", check_bundled_model),
        Step("engine and reply", check_engine_and_reply),
        Step("history on disk", check_history_on_disk),
        Step("API server", check_api_server),
        Step("conversion", describe_conversion),
        Step("resources", check_resources),
    ]


def check_bundled_model(paths: AppPaths) -> str:
    from desktop_llm.bundled_model import DEFAULT_MODEL, default_model_path, is_intact

    path = default_model_path()
    if not path.is_file():
        raise SelfTestFailure(f"the bundled model is missing: {path} does not exist.")
    if not is_intact(path):
        raise SelfTestFailure(f"the bundled model {path} is damaged (its sha256 differs).")
    return f"{DEFAULT_MODEL.file_name} intact"


def check_engine_and_reply(paths: AppPaths) -> str:
    """Start the engine, load the default model as the window does, answer one prompt."""
    from desktop_llm.chat.service import ChatService
    from desktop_llm.engine.types import GenerationParams

    with ChatService.open(paths) as service:
        backend = service.backend_info().result(timeout=LOAD_TIMEOUT)
        choice = service.default_model()
        if choice is None:
            raise SelfTestFailure("no model was registered on first start.")
        loaded = service.load_model(choice.name).result(timeout=LOAD_TIMEOUT)
        reply = service.send(
            None, PROMPT, params=GenerationParams(temperature=0.0, seed=1, max_tokens=24)
        )
        message = reply.done.result(timeout=REPLY_TIMEOUT)
        if message.finish_reason == "error" or message.error:
            raise SelfTestFailure(f"the reply failed: {message.error}")
        if not message.content.strip():
            raise SelfTestFailure("the model answered with no text.")
    safe = ", safe mode" if loaded.safe_mode else ""
    words = " ".join(message.content.split())
    return (
        f"{backend.backend} backend{safe}, {message.completion_tokens} tokens: "
        f"{words[:60]!r}"
    )


def check_history_on_disk(paths: AppPaths) -> str:
    """The question and its answer, read back through a new connection after closing."""
    from desktop_llm.storage import HistoryStore

    with HistoryStore.open(paths.database) as store:
        conversations = store.list_conversations()
        if len(conversations) != 1:
            raise SelfTestFailure(
                f"the history holds {len(conversations)} conversations instead of 1."
            )
        messages = store.list_messages(conversations[0].id)
    roles = [message.role for message in messages if message.role != "system"]
    if roles != ["user", "assistant"] or messages[-1].content.strip() == "":
        raise SelfTestFailure(f"the history holds {roles} instead of a question and its answer.")
    if PROMPT not in messages[-2].content:
        raise SelfTestFailure("the question read back differs from the one sent.")
    return f"{len(messages)} messages read back from {paths.database.name}"


def check_api_server(paths: AppPaths) -> str:
    """The API server as the window runs it (on a thread, over the chat service): its model
    list empty with no model, then the loaded model listed and one streamed reply read whole.
    In a bundle this proves the parts uvicorn and anyio import by name are inside."""
    from desktop_llm.chat.service import ChatService
    from desktop_llm.serve.backend import ChatServiceBackend
    from desktop_llm.serve.options import ServeOptions
    from desktop_llm.serve.server import ApiServer

    with ChatService.open(paths) as service:
        server = ApiServer(ChatServiceBackend(service), ServeOptions(port=0))
        server.start()
        try:
            status, listed = api_request(server.port, "GET", "/v1/models")
            if status != 200 or listed.get("data") != []:
                raise SelfTestFailure(
                    f"GET /v1/models without a model answered {status}: {listed}"
                )
            choice = service.default_model()
            if choice is None:
                raise SelfTestFailure("no model was registered on first start.")
            service.load_model(choice.name).result(timeout=LOAD_TIMEOUT)
            status, listed = api_request(server.port, "GET", "/v1/models")
            ids = [entry.get("id") for entry in listed.get("data", [])]
            if status != 200 or ids != [choice.name]:
                raise SelfTestFailure(f"GET /v1/models answered {status}: {listed}")
            chunks, text = streamed_reply(server.port, choice.name)
        finally:
            server.stop()
    words = " ".join(text.split())
    return f"{server.base_url}: {choice.name} listed, {chunks} chunks streamed: {words[:40]!r}"


def api_request(
    port: int, method: str, path: str, body: dict[str, object] | None = None
) -> tuple[int, dict[str, Any]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REPLY_TIMEOUT)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        connection.request(method, path, body=payload,
                           headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        answer = json.loads(response.read() or b"{}")
        return response.status, answer if isinstance(answer, dict) else {}
    finally:
        connection.close()


def streamed_reply(port: int, model: str) -> tuple[int, str]:
    """A streamed chat completion read to its end: the chunks that brought text, the text."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REPLY_TIMEOUT)
    try:
        connection.request("POST", "/v1/chat/completions", body=json.dumps({
            "model": model, "messages": [{"role": "user", "content": PROMPT}],
            "max_tokens": 8, "temperature": 0, "stream": True,
        }).encode(), headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        if response.status != 200:
            raise SelfTestFailure(
                f"POST /v1/chat/completions answered {response.status}: {response.read()!r}"
            )
        events = [line[6:] for line in response.read().decode().splitlines()
                  if line.startswith("data: ")]
    finally:
        connection.close()
    if not events or events[-1] != "[DONE]":
        raise SelfTestFailure(f"the streamed reply did not end with [DONE]: {events[-3:]}")
    pieces = [
        choice.get("delta", {}).get("content") or ""
        for event in events[:-1] for choice in json.loads(event).get("choices", [])
    ]
    text = "".join(pieces)
    if not text.strip():
        raise SelfTestFailure(f"the streamed reply had no text: {events}")
    return sum(1 for piece in pieces if piece), text


def describe_conversion(paths: AppPaths) -> str:
    """Not a failure when absent (bundles leave it out): reports what converting would need."""
    from desktop_llm.converter.availability import conversion_unavailable

    return conversion_unavailable() or "converter installed"


def check_resources(paths: AppPaths) -> str:
    """The files the window and the About dialog read: the icon, the compiled translations,
    and the libraries' metadata with their licenses (a bundle must have copied them)."""
    from desktop_llm.licenses import components, runtime_distributions
    from desktop_llm.resources import app_icon_files, resource_path

    if not app_icon_files():
        raise SelfTestFailure(f"no application icon in {resource_path('icons')}.")
    translations = sorted(resource_path("translations").glob("*.qm"))
    if not translations:
        raise SelfTestFailure(
            f"no compiled translations in {resource_path('translations')} (make translations)."
        )
    libraries = runtime_distributions()
    if len(libraries) < 2:
        raise SelfTestFailure(
            "the libraries' metadata is missing: the About dialog could list none of them."
        )
    parts = components()
    without_text = [part.name for part in parts if not part.texts]
    return (
        f"icon, {len(translations)} translation(s), {len(parts)} parts listed "
        f"({len(parts) - len(without_text)} with their license text)"
    )
