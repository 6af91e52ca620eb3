"""Serving a model that is on a remote server: the API answers through the RemoteEngine (a
proxy) from a real ``python -m llama_cpp.server``, in the app (the window's switch serves its
chat service's current model this way) and through ``desktop-llm serve --model NAME/MODEL_ID``
in a subprocess, read by the official openai client."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from desktop_llm.chat.service import ChatService
from desktop_llm.engine.types import GenerationParams
from desktop_llm.paths import AppPaths
from desktop_llm.serve.backend import ChatServiceBackend
from desktop_llm.serve.options import ServeOptions
from desktop_llm.serve.server import ApiServer
from tests.remote.conftest import (  # noqa: F401 (a fixture: API keys stay in the test's folder)
    API_KEY,
    MODEL_ALIAS,
    LlamaServer,
    isolated_keyring,
    start_server,
)

TIMEOUT = 120.0
HELLO = [{"role": "user", "content": "Say hello."}]
REMOTE = f"gpu/{MODEL_ALIAS}"
PROMPT = "The capital of France is"
# Far over the server's 2048 tokens of context.
TOO_LONG = "cat " * 3000


@pytest.fixture(scope="module")
def keyed(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    """One real server for this module, which wants ``API_KEY``."""
    server = start_server(model_path, tmp_path_factory.mktemp("llama-server"), api_key=API_KEY)
    yield server
    server.kill()


@pytest.fixture
def service(paths: AppPaths, keyed: LlamaServer) -> Iterator[ChatService]:
    """A chat service whose current model is on the keyed server."""
    with ChatService.open(paths) as opened:
        opened.remotes.add("gpu", keyed.url, API_KEY)
        opened.load_model(REMOTE).result(timeout=TIMEOUT)
        yield opened


@pytest.fixture
def served(service: ChatService) -> Iterator[ApiServer]:
    """Its API server, as the window's switch starts it."""
    server = ApiServer(ChatServiceBackend(service, created=7), ServeOptions(port=0))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def client(base_url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=base_url, api_key="unused", max_retries=0, timeout=TIMEOUT)


def test_a_remote_model_is_listed_and_answers_streamed_and_whole_with_usage(
    served: ApiServer,
) -> None:
    with client(served.base_url) as api:
        assert [(m.id, m.created) for m in api.models.list()] == [(REMOTE, 7)]

        chunks = list(api.chat.completions.create(
            model=REMOTE, messages=HELLO, max_tokens=12, temperature=0, stream=True,
            stream_options={"include_usage": True},
        ))
        streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        assert streamed.strip()
        finish = [c.choices[0].finish_reason for c in chunks if c.choices][-1]
        assert finish in ("stop", "length")
        usage = chunks[-1].usage
        assert usage is not None and chunks[-1].choices == []
        # llama_cpp.server's stream has no usage: the prompt is counted by its tokenizer,
        # the reply's tokens are its chunks.
        assert usage.prompt_tokens > 5 and 0 < usage.completion_tokens <= 12
        assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens

        whole = api.chat.completions.create(
            model=REMOTE, messages=HELLO, max_tokens=12, temperature=0
        )
        assert whole.model == REMOTE
        assert whole.choices[0].message.content == streamed  # greedy: the same reply
        assert whole.usage is not None and whole.usage.completion_tokens == usage.completion_tokens
    assert served.stats.snapshot().requests_served == 2


def test_a_remote_models_raw_completions_are_forwarded_streamed_and_whole_with_usage(
    served: ApiServer,
) -> None:
    with client(served.base_url) as api:
        chunks = list(api.completions.create(
            model=REMOTE, prompt=PROMPT, max_tokens=8, temperature=0, stream=True,
            stream_options={"include_usage": True},
        ))
        whole = api.completions.create(model=REMOTE, prompt=PROMPT, max_tokens=8, temperature=0)
    streamed = "".join(c.choices[0].text for c in chunks if c.choices)
    assert streamed.strip() and len([c for c in chunks if c.choices and c.choices[0].text]) > 1
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] in ("stop", "length")
    usage = chunks[-1].usage
    assert usage is not None and chunks[-1].choices == []
    # The prompt alone, counted by the server's tokenizer: no chat template around it.
    assert 3 <= usage.prompt_tokens <= 8 and 0 < usage.completion_tokens <= 8
    assert (whole.object, whole.model) == ("text_completion", REMOTE)
    assert whole.choices[0].text == streamed  # greedy: the same continuation
    assert whole.usage is not None
    assert (whole.usage.prompt_tokens, whole.usage.completion_tokens) == (
        usage.prompt_tokens, usage.completion_tokens
    )
    assert served.stats.snapshot().requests_served == 2


def test_a_prompt_too_long_for_a_remote_model_is_a_400_context_length_exceeded(
    served: ApiServer, keyed: LlamaServer
) -> None:
    with client(served.base_url) as api:
        with pytest.raises(openai.BadRequestError) as chat:
            api.chat.completions.create(
                model=REMOTE, messages=[{"role": "user", "content": TOO_LONG}], max_tokens=8
            )
        with pytest.raises(openai.BadRequestError) as raw:
            api.completions.create(model=REMOTE, prompt=TOO_LONG, max_tokens=8)
        # Streamed, the status is sent first: the error comes as an event.
        with pytest.raises(openai.APIError) as streamed:
            list(api.chat.completions.create(
                model=REMOTE, messages=[{"role": "user", "content": TOO_LONG}],
                max_tokens=8, stream=True,
            ))
    for refused in (chat.value, raw.value, streamed.value):
        error = refused.body
        assert isinstance(error, dict), error
        assert (error["type"], error["code"]) == ("invalid_request_error",
                                                  "context_length_exceeded")
        assert error["message"].startswith(
            f"The request is too long for the context of the model at {keyed.url} (HTTP 400): "
            "This model's maximum context length is 2048 tokens"
        )
    assert (chat.value.status_code, raw.value.status_code) == (400, 400)


def test_a_client_that_leaves_stops_its_remote_reply_upstream(
    service: ChatService, served: ApiServer
) -> None:
    with client(served.base_url) as api:
        stream = api.chat.completions.create(
            model=REMOTE, messages=[{"role": "user", "content": "Write a long story."}],
            max_tokens=1500, temperature=0.7, seed=4, stream=True,
        )
        texts = 0
        for piece in stream:
            texts += bool(piece.choices and piece.choices[0].delta.content)
            assert not (piece.choices and piece.choices[0].finish_reason)
            if texts == 5:
                break
        stream.close()
    left = time.monotonic()
    # The remote engine's reply ended (its socket to the server closed) soon after, long
    # before 1500 tokens.
    engine = service._engine_for(service.current_model)
    while engine.busy and time.monotonic() - left < 5.0:
        time.sleep(0.05)
    assert not engine.busy
    # The window's reply, which waits for the remote model's turn, comes at once.
    window = service.send(None, "Say hello.", params=GenerationParams(max_tokens=8))
    message = window.done.result(timeout=TIMEOUT)
    assert message.finish_reason in ("stop", "length"), message.error
    assert time.monotonic() - left < 10.0


def test_an_api_reply_waits_for_the_windows_reply_to_a_remote_model(
    service: ChatService, served: ApiServer
) -> None:
    started = threading.Event()
    window = service.send(
        None, "Write a short story about a cat.",
        params=GenerationParams(temperature=0.7, seed=3, max_tokens=120),
        on_text=lambda _text: started.set(),
    )
    assert started.wait(TIMEOUT)
    with client(served.base_url) as api:
        answer = api.chat.completions.create(
            model=REMOTE, messages=HELLO, max_tokens=8, temperature=0
        )
    assert answer.choices[0].finish_reason in ("stop", "length")
    message = window.done.result(timeout=TIMEOUT)
    assert message.finish_reason in ("stop", "length"), message.error


def test_a_remote_server_that_went_away_is_a_502_with_the_remote_engines_sentence(
    paths: AppPaths, model_path: Path, tmp_path: Path
) -> None:
    upstream = start_server(model_path, tmp_path)
    try:
        with ChatService.open(paths) as service:
            service.remotes.add("gone", upstream.url)
            service.load_model(f"gone/{MODEL_ALIAS}").result(timeout=TIMEOUT)
            upstream.kill()
            server = ApiServer(ChatServiceBackend(service), ServeOptions(port=0))
            server.start()
            try:
                with client(server.base_url) as api:
                    assert [m.id for m in api.models.list()] == [f"gone/{MODEL_ALIAS}"]
                    with pytest.raises(openai.InternalServerError) as failed:
                        api.chat.completions.create(
                            model=f"gone/{MODEL_ALIAS}", messages=HELLO, max_tokens=8
                        )
                    # Streamed, the status is sent first: the error comes as an event.
                    with pytest.raises(openai.APIError) as failed_streaming:
                        list(api.chat.completions.create(
                            model=f"gone/{MODEL_ALIAS}", messages=HELLO, max_tokens=8,
                            stream=True,
                        ))
            finally:
                server.stop()
    finally:
        upstream.kill()
    assert failed.value.status_code == 502
    error = failed.value.body
    assert isinstance(error, dict)
    assert (error["type"], error["code"]) == ("server_error", "upstream_error")
    assert error["message"].startswith(f"The server at {upstream.url} could not be reached")
    assert server.stats.snapshot().last_error == error["message"]
    assert failed_streaming.value.message == error["message"]
    assert failed_streaming.value.body == error


@pytest.fixture
def cli_env(isolated_home: Path, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DESKTOP_LLM_HOME": str(isolated_home),
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
        "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
    }


def test_the_serve_command_serves_a_remote_model(
    cli_env: dict[str, str], keyed: LlamaServer
) -> None:
    added = subprocess.run(
        [sys.executable, "-m", "desktop_llm", "remotes", "add", "gpu", keyed.url,
         "--api-key-stdin"],
        input=API_KEY + "\n", env=cli_env, capture_output=True, text=True, timeout=TIMEOUT,
    )
    assert added.returncode == 0, added.stderr
    process = subprocess.Popen(
        [sys.executable, "-m", "desktop_llm", "serve", "--port", "0", "--model", REMOTE],
        env=cli_env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, encoding="utf-8",
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: lines.put(process.stdout.readline()), daemon=True).start()
        line = lines.get(timeout=TIMEOUT)
        assert line.startswith(f"Serving {REMOTE} at http://127.0.0.1:"), (
            line or process.stderr.read()
        )
        base_url = line.split(" at ")[1].split()[0]
        with client(base_url) as api:
            assert [m.id for m in api.models.list()] == [REMOTE]
            chunks = list(api.chat.completions.create(
                model=REMOTE, messages=HELLO, max_tokens=8, temperature=0, stream=True,
                stream_options={"include_usage": True},
            ))
        assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices).strip()
        assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
        process.send_signal(signal.SIGINT)
        assert process.wait(30) in (0, 130)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
