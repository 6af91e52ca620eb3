"""``desktop-llm serve`` run for real in a subprocess on the bundled model, driven by the
official openai client, several clients at once, raw sockets, and Ctrl+C."""

from __future__ import annotations

import http.client
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import openai
import pytest
from keyrings.alt.file import PlaintextKeyring

from desktop_llm.chat.serving import SERVE_KEY_USERNAME
from desktop_llm.paths import AppPaths
from desktop_llm.settings import Settings, save_settings

TIMEOUT = 120.0
HELLO = [{"role": "user", "content": "Say hello."}]


class Served:
    def __init__(self, process: subprocess.Popen[str], base_url: str, model: str) -> None:
        self.process = process
        self.base_url = base_url
        self.model = model
        self.port = int(base_url.rsplit(":", 1)[1].split("/")[0])
        self.clients: list[openai.OpenAI] = []

    def client(self, key: str = "unused") -> openai.OpenAI:
        made = openai.OpenAI(base_url=self.base_url, api_key=key, max_retries=0, timeout=TIMEOUT)
        self.clients.append(made)
        return made

    def post(self, body: bytes) -> tuple[int, dict[str, object]]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            connection.request("POST", "/v1/chat/completions", body=body)
            response = connection.getresponse()
            return response.status, json.loads(response.read())
        finally:
            connection.close()


def _env(home: Path) -> dict[str, str]:
    # serve reads the key the window saved: a keyring of the test's own, never the user's.
    return {
        **os.environ, "DESKTOP_LLM_HOME": str(home),
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
        "XDG_DATA_HOME": str(home / "xdg-data"),
    }


@pytest.fixture
def start(isolated_home: Path, model_path: Path) -> Iterator[Callable[..., Served]]:
    processes: list[subprocess.Popen[str]] = []
    served: list[Served] = []

    def started(*options: str, stdin: str | None = None) -> Served:
        process = subprocess.Popen(
            [sys.executable, "-m", "desktop_llm", "serve", "--port", "0",
             "--model", str(model_path), *options],
            env=_env(isolated_home), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, encoding="utf-8",
        )
        processes.append(process)
        assert process.stdin is not None and process.stdout is not None
        if stdin is not None:
            process.stdin.write(stdin)
        process.stdin.close()
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: lines.put(process.stdout.readline()), daemon=True).start()
        line = lines.get(timeout=TIMEOUT)
        assert line.startswith("Serving "), (line, process.stderr.read() if not line else "")
        model, _, rest = line.removeprefix("Serving ").rpartition(" at ")
        served.append(Served(process, rest.split()[0], model))
        return served[-1]

    yield started
    for each in served:
        for client in each.clients:
            client.close()
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_the_openai_client_streamed_and_not_several_at_once_then_ctrl_c(
    start: Callable[..., Served], isolated_home: Path
) -> None:
    served = start()
    api = served.client()
    assert [m.id for m in api.models.list()] == [served.model]

    whole = api.chat.completions.create(model=served.model, messages=HELLO, max_tokens=16,
                                        temperature=0)
    assert whole.choices[0].message.content
    assert whole.usage.prompt_tokens > 5 and 0 < whole.usage.completion_tokens <= 16

    chunks = list(api.chat.completions.create(
        model=served.model, messages=HELLO, max_tokens=16, temperature=0, stream=True,
        stream_options={"include_usage": True},
    ))
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == whole.choices[0].message.content  # greedy: the same reply
    assert chunks[-1].usage.completion_tokens == whole.usage.completion_tokens

    answers: list[str] = []

    def ask(number: int) -> None:
        reply = served.client().chat.completions.create(
            model=served.model, messages=[{"role": "user", "content": f"Say {number}."}],
            max_tokens=8, stream=number % 2 == 0,
        )
        if number % 2 == 0:
            answers.append("".join(c.choices[0].delta.content or "" for c in reply))
        else:
            answers.append(reply.choices[0].message.content)

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert len(answers) == 4 and all(answers)

    # Nothing the API was asked is in the history.
    listed = subprocess.run(
        [sys.executable, "-m", "desktop_llm", "conversations", "list", "--json"],
        env=_env(isolated_home), capture_output=True, text=True, timeout=TIMEOUT,
        stdin=subprocess.DEVNULL, check=False,
    )
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == []

    served.process.send_signal(signal.SIGINT)
    assert served.process.wait(30) == 130
    assert "interrupted" in served.process.stderr.read()


def test_hostile_requests_get_openai_errors_and_the_server_goes_on(
    start: Callable[..., Served],
) -> None:
    served = start()
    status, body = served.post(b"{\"model\": ")
    assert (status, body["error"]["code"]) == (400, "invalid_json")
    status, body = served.post(json.dumps({"model": served.model, "messages": 5}).encode())
    assert (status, body["error"]["param"]) == (400, "messages")
    status, body = served.post(json.dumps({"model": "gpt-4o", "messages": HELLO}).encode())
    assert (status, body["error"]["code"]) == (404, "model_not_found")
    with socket.create_connection(("127.0.0.1", served.port), timeout=TIMEOUT) as raw:
        raw.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
                    b"Content-Length: 10485760\r\n\r\n" + b"x" * 65536)
        assert raw.recv(65536).startswith(b"HTTP/1.1 413")
    # Huge max_tokens is clamped to the context: the reply simply ends.
    status, body = served.post(json.dumps({
        "model": served.model, "messages": HELLO, "max_tokens": 10**30, "temperature": 0,
    }).encode())
    assert status == 200 and body["choices"][0]["finish_reason"] in ("stop", "length")
    with pytest.raises(openai.BadRequestError, match="context") as refused:
        served.client().chat.completions.create(
            model=served.model, messages=[{"role": "user", "content": "word " * 6000}]
        )
    assert refused.value.code == "context_length_exceeded"
    with pytest.raises(openai.BadRequestError, match="temperature"):
        served.client().chat.completions.create(model=served.model, messages=HELLO,
                                                temperature=-1)
    assert served.client().chat.completions.create(
        model=served.model, messages=HELLO, max_tokens=4).choices[0].message.content


def test_raw_completions_continue_the_prompt_and_save_history_keeps_chats(
    start: Callable[..., Served], isolated_home: Path
) -> None:
    served = start("--save-history")
    api = served.client()
    whole = api.completions.create(model=served.model, prompt="1, 2, 3, 4, 5,", max_tokens=8,
                                   temperature=0)
    assert " 6" in whole.choices[0].text
    assert whole.usage.prompt_tokens < 20 and whole.usage.completion_tokens > 0
    chunks = list(api.completions.create(
        model=served.model, prompt="1, 2, 3, 4, 5,", max_tokens=8, temperature=0, stream=True,
    ))
    assert "".join(c.choices[0].text for c in chunks) == whole.choices[0].text
    api.chat.completions.create(model=served.model, messages=HELLO, max_tokens=4)
    listed = subprocess.run(
        [sys.executable, "-m", "desktop_llm", "conversations", "list", "--json"],
        env=_env(isolated_home), capture_output=True, text=True, timeout=TIMEOUT,
        stdin=subprocess.DEVNULL, check=False,
    )
    # The chat is saved (right after its reply); the raw completions are not.
    assert [c["title"] for c in json.loads(listed.stdout)] == ["Say hello."]


def test_an_api_key_read_from_stdin_is_required(start: Callable[..., Served]) -> None:
    served = start("--api-key-stdin", stdin="k-123\n")
    with pytest.raises(openai.AuthenticationError):
        served.client("wrong").models.list()
    assert [m.id for m in served.client("k-123").models.list()] == [served.model]


def test_another_address_without_a_key_is_refused_before_loading(isolated_home: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "desktop_llm", "serve", "--host", "0.0.0.0"],
        env=_env(isolated_home), capture_output=True, text=True, timeout=TIMEOUT,
        stdin=subprocess.DEVNULL, check=False,
    )
    assert done.returncode == 2  # a usage mistake
    assert "give an API key with --api-key-stdin" in done.stderr
    assert done.stderr.count("\n") == 1  # one line


def test_a_client_that_disconnects_frees_the_engine(start: Callable[..., Served]) -> None:
    served = start()
    # Counting goes on to the end of the context (minutes) unless the reply is stopped.
    body = json.dumps({"model": served.model, "prompt": "1, 2, 3, 4, 5,", "temperature": 0,
                       "max_tokens": 4000, "stream": True}).encode()
    with socket.create_connection(("127.0.0.1", served.port), timeout=TIMEOUT) as raw:
        raw.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: localhost\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        received = b""
        while received.count(b'"text"') < 3:  # the reply is streaming
            received += raw.recv(65536)
    started = time.monotonic()
    quick = served.client().chat.completions.create(
        model=served.model, messages=HELLO, max_tokens=4
    )
    assert quick.choices[0].message.content
    assert time.monotonic() - started < 20  # not after thousands of numbers


def test_serve_starts_from_the_windows_saved_settings(
    paths: AppPaths, isolated_home: Path, model_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    save_settings(
        Settings(serve_port=port, serve_cors_origins=("https://notes.example",)),
        paths.settings_file,
    )
    env = _env(isolated_home)
    monkeypatch.setenv("XDG_DATA_HOME", env["XDG_DATA_HOME"])
    PlaintextKeyring().set_password("desktop-llm", SERVE_KEY_USERNAME, "k-saved")
    process = subprocess.Popen(
        [sys.executable, "-m", "desktop_llm", "serve", "--model", str(model_path)],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, encoding="utf-8",
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert f" at http://127.0.0.1:{port}/v1 " in line, line
        assert "clients send the API key" in line
        served = Served(process, f"http://127.0.0.1:{port}/v1", "unused")
        with pytest.raises(openai.AuthenticationError):
            served.client("wrong").models.list()
        assert len(served.client("k-saved").models.list().data) == 1
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        connection.request("OPTIONS", "/v1/models", headers={
            "Origin": "https://notes.example", "Access-Control-Request-Method": "GET",
        })
        allowed = connection.getresponse().getheader("access-control-allow-origin")
        connection.close()
        assert allowed == "https://notes.example"
        for client in served.clients:
            client.close()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(30)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


@pytest.mark.parametrize("key", ["two words", "clé-secrète", "tab\there"])
def test_a_key_no_header_can_carry_is_refused_before_loading(
    isolated_home: Path, model_path: Path, key: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "desktop_llm", "serve", "--port", "0", "--api-key-stdin",
         "--model", str(model_path)],
        env=_env(isolated_home), capture_output=True, text=True, timeout=TIMEOUT,
        input=key + "\n", encoding="utf-8", check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "one word of plain letters" in done.stderr  # the window's sentence
    assert done.stderr.count("\n") == 1 and not done.stdout


def test_a_port_in_use_is_said_before_the_model_is_loaded(
    isolated_home: Path, model_path: Path
) -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        # The second model does not exist: it is never looked for, the port is said first.
        for model in (str(model_path), str(isolated_home / "missing.gguf")):
            started = time.monotonic()
            done = subprocess.run(
                [sys.executable, "-m", "desktop_llm", "serve", "--port", str(port),
                 "--model", model],
                env=_env(isolated_home), capture_output=True, text=True, timeout=TIMEOUT,
                stdin=subprocess.DEVNULL, check=False,
            )
            assert done.returncode == 1, done.stderr
            assert f"Could not listen on 127.0.0.1:{port}" in done.stderr
            assert done.stderr.count("\n") == 1 and not done.stdout
            assert time.monotonic() - started < 15
