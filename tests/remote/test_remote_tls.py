"""A server over HTTPS: its certificate checked against the trusted roots (SSL_CERT_FILE
honoured, as httpx2 does), and one that cannot be trusted refused with a sentence."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from desktop_llm.engine.types import ChatTurn, GenerationParams
from desktop_llm.errors import RemoteError
from desktop_llm.remote import api
from desktop_llm.remote.engine import RemoteEngine
from tests.remote.fake_openai import chunk, scripted_server

MODELS = {"/v1/models": {"data": [{"id": "m"}]}}
EVENTS = [chunk({"content": "Hi"}), chunk({"content": " there."}), chunk({}, "stop"), "[DONE]"]


@pytest.fixture
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def server_tls(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture
def fresh_tls_context() -> Iterator[None]:
    """The TLS settings are made once a process; each test makes its own from its roots."""
    api.tls_context.cache_clear()
    yield
    api.tls_context.cache_clear()


@pytest.fixture
def trusted_authority(
    authority: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    fresh_tls_context: None,
) -> None:
    """The tests' certificate authority among the trusted roots (SSL_CERT_FILE)."""
    roots = tmp_path / "roots.pem"
    authority.cert_pem.write_to_path(str(roots))
    monkeypatch.setenv("SSL_CERT_FILE", str(roots))


def reply(url: str) -> tuple[str, str | None, str]:
    engine = RemoteEngine(url, None, "m")
    try:
        result = engine.generate(
            [ChatTurn("user", "Hello")], GenerationParams(max_tokens=8), lambda _t: None
        ).future.result(timeout=30)
    finally:
        engine.shutdown()
    return result.text, result.error, result.finish_reason


def test_a_server_with_a_trusted_certificate_is_chatted_with(
    server_tls: ssl.SSLContext, trusted_authority: None,
) -> None:
    with scripted_server(EVENTS, gets=MODELS, tls=server_tls) as url:
        assert url.startswith("https://")
        assert api.list_models(url, None) == ["m"]
        assert reply(url) == ("Hi there.", None, "stop")


def test_a_certificate_that_cannot_be_trusted_is_a_sentence(
    server_tls: ssl.SSLContext, monkeypatch: pytest.MonkeyPatch, fresh_tls_context: None,
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    with scripted_server(EVENTS, gets=MODELS, tls=server_tls) as url:
        with pytest.raises(RemoteError) as refused:
            api.list_models(url, None)
        text, error, finish = reply(url)
    sentence = (
        f"The server at {url} has a certificate this computer does not trust (unable to get "
        "local issuer certificate). For a server with its own certificate authority, add that "
        "authority to the system's trusted certificates, or name its file in SSL_CERT_FILE."
    )
    assert str(refused.value) == sentence
    assert (text, finish, error) == ("", "error", sentence)


def test_stop_ends_a_reply_at_once_while_an_https_server_is_silent(
    server_tls: ssl.SSLContext, trusted_authority: None,
) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    done = threading.Event()

    def accept_and_say_nothing() -> None:
        # Completes each TLS handshake, reads the request, then keeps quiet (a big model
        # reading a long prompt).
        while not done.is_set():
            try:
                plain, _address = listener.accept()
            except OSError:
                return
            with server_tls.wrap_socket(plain, server_side=True) as connection:
                connection.recv(65536)
                done.wait(30)

    thread = threading.Thread(target=accept_and_say_nothing, daemon=True)
    thread.start()
    engine = RemoteEngine(f"https://127.0.0.1:{listener.getsockname()[1]}/v1", None, "m",
                          read_timeout=30.0)
    try:
        generation = engine.generate(
            [ChatTurn("user", "Hello")], GenerationParams(max_tokens=8), lambda _t: None
        )
        time.sleep(1.0)
        stopped_at = time.monotonic()
        generation.cancel()
        result = generation.future.result(timeout=20)
        assert time.monotonic() - stopped_at < 1.0
        assert result.finish_reason == "cancelled"
    finally:
        done.set()
        listener.close()
        engine.shutdown()
        thread.join(10)
