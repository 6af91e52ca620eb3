"""A real OpenAI-compatible server for the remote engine's tests: llama-cpp-python's own
``llama_cpp.server`` (its ``server`` extra) on the bundled model, on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest

MODEL_ALIAS = "smol"
API_KEY = "sk-test-remote-key"
_START_TIMEOUT = 120.0
Factory = pytest.TempPathFactory


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LlamaServer:
    """One ``python -m llama_cpp.server`` process and its API base (``.../v1``)."""

    popen: subprocess.Popen[bytes]
    port: int
    api_key: str | None
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
        self.popen.wait(timeout=30)


def start_server(model_path: Path, log_dir: Path, *, api_key: str | None = None) -> LlamaServer:
    port = free_port()
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model_path), "--model_alias", MODEL_ALIAS,
        "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", "2048", "--n_threads", "1", "--verbose", "False",
    ]
    if api_key:
        command += ["--api_key", api_key]
    log = log_dir / f"llama-server-{port}.log"
    with log.open("wb") as output:
        popen = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    server = LlamaServer(popen, port, api_key, log)
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        if popen.poll() is not None:
            raise RuntimeError(f"llama_cpp.server ended at start:\n{log.read_text()[-2000:]}")
        try:
            if httpx2.get(f"{server.url}/models", headers=headers, timeout=1.0).status_code == 200:
                return server
        except httpx2.HTTPError:
            pass
        time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"llama_cpp.server did not answer within {_START_TIMEOUT:g} s")


@pytest.fixture(scope="session")
def llama_server(model_path: Path, tmp_path_factory: Factory) -> Iterator[LlamaServer]:
    """A server without an API key, shared by the tests that do not end it."""
    server = start_server(model_path, tmp_path_factory.mktemp("llama-server"))
    yield server
    server.kill()


@pytest.fixture(scope="session")
def keyed_server(model_path: Path, tmp_path_factory: Factory) -> Iterator[LlamaServer]:
    """A server that wants ``API_KEY``."""
    server = start_server(model_path, tmp_path_factory.mktemp("llama-server"), api_key=API_KEY)
    yield server
    server.kill()


@pytest.fixture
def own_server(model_path: Path, tmp_path: Path) -> Iterator[LlamaServer]:
    """A server for one test that may kill it."""
    server = start_server(model_path, tmp_path)
    yield server
    server.kill()


@pytest.fixture
def silent_server() -> Iterator[str]:
    """An API base whose server accepts connections and then never says a word."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    yield f"http://127.0.0.1:{port}/v1"
    listener.close()


@pytest.fixture
def unused_url() -> str:
    """An API base nobody listens on."""
    return f"http://127.0.0.1:{free_port()}/v1"




# A file keyring in each test's folder, autouse: API keys never reach the user's real keyring
# (the Hub tests' own fixture; importing its conftest also sets the HF_* variables it needs).
from tests.hub.conftest import isolated_keyring  # noqa: E402, F401
