"""Every Hub failure reaches the user as one of our errors, with a sentence and no traceback."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from desktop_llm.errors import (
    DesktopLLMError,
    HubAuthError,
    HubError,
    HubNotFoundError,
    HubOfflineError,
)
from desktop_llm.hub import HubClient, HubConfig
from tests.fake_hub import FakeHub, Fault
from tests.hub.conftest import TEST_TIMEOUT
from tests.hub.sample_repos import GATED, GATED_FILE, PRIVATE, SMOL, SMOL_FILE


def _assert_plain_sentence(error: DesktopLLMError) -> None:
    message = str(error)
    assert message.endswith(".")
    for leak in ("Traceback", "Error:", "Request ID", "huggingface_hub", "httpx", "\n"):
        assert leak not in message


@pytest.fixture
def closed_port() -> int:
    """A local port nothing listens on: connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent_server() -> Iterator[str]:
    """An endpoint that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


@pytest.fixture
def captive_portal() -> Iterator[str]:
    """A web server answering every request with a login page, as hotel networks do."""

    class LoginPage(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<html><body>Please log in to use the Wi-Fi</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), LoginPage)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_an_unknown_repository_is_not_found(client: HubClient) -> None:
    with pytest.raises(HubNotFoundError) as caught:
        client.repo_files("nobody/no-such-model")
    assert "nobody/no-such-model" in str(caught.value)
    assert "token" in str(caught.value)  # it might be private: say what would help
    _assert_plain_sentence(caught.value)


def test_an_unknown_repository_with_a_token_is_not_found(token_client: HubClient) -> None:
    with pytest.raises(HubNotFoundError) as caught:
        token_client.repo_files("nobody/no-such-model")
    assert "token" not in str(caught.value)


def test_a_private_repository_without_a_token_is_not_found(client: HubClient) -> None:
    with pytest.raises(HubNotFoundError):
        client.repo_files(PRIVATE)


def test_a_private_repository_is_listed_with_the_token(token_client: HubClient) -> None:
    assert [f.name for f in token_client.repo_files(PRIVATE).files] == ["Secret-Q4_0.gguf"]


def test_an_unknown_revision_is_not_found(client: HubClient) -> None:
    with pytest.raises(HubNotFoundError) as caught:
        client.repo_files(SMOL, revision="v9")
    assert "'v9'" in str(caught.value)
    _assert_plain_sentence(caught.value)


def test_an_unknown_file_is_not_found(client: HubClient) -> None:
    with pytest.raises(HubNotFoundError) as caught:
        client.remote_header(SMOL, "missing-Q4_0.gguf")
    assert "missing-Q4_0.gguf" in str(caught.value)


def test_a_malformed_repository_id_is_refused_before_asking(
    client: HubClient, fake_hub: FakeHub
) -> None:
    with pytest.raises(HubNotFoundError):
        client.repo_files("not a/valid//id")
    assert fake_hub.requests == []


def test_a_gated_file_without_a_token_asks_for_one(client: HubClient) -> None:
    with pytest.raises(HubAuthError) as caught:
        client.remote_header(GATED, GATED_FILE)
    assert str(caught.value) == (
        f"{GATED} is gated: accept its terms on the Hub and add a Hugging Face token in Settings."
    )


def test_a_gated_file_with_the_token_is_read(token_client: HubClient) -> None:
    info = token_client.remote_gguf_info(GATED, GATED_FILE)
    assert (info.architecture, info.context_length) == ("gemma3", 32768)


def test_a_gate_not_yet_accepted_sends_the_user_to_the_repository_page(
    token_client: HubClient, fake_hub: FakeHub
) -> None:
    fake_hub.inject(GATED, GATED_FILE, Fault(status=403))
    with pytest.raises(HubAuthError) as caught:
        token_client.remote_header(GATED, GATED_FILE)
    assert f"{fake_hub.url}/{GATED}" in str(caught.value)


def test_a_refused_token_is_reported_as_such(fake_hub: FakeHub) -> None:
    client = HubClient(HubConfig(fake_hub.url, token="hf_wrong", timeout=TEST_TIMEOUT))
    with pytest.raises(HubAuthError) as caught:
        client.search("")
    assert "refused the Hugging Face token" in str(caught.value)
    assert "hf_wrong" not in str(caught.value)


def test_a_server_error_is_a_hub_error(client: HubClient, fake_hub: FakeHub) -> None:
    fake_hub.inject(SMOL, SMOL_FILE, Fault(status=500))
    with pytest.raises(HubError) as caught:
        client.remote_header(SMOL, SMOL_FILE)
    assert type(caught.value) is HubError
    assert "error 500" in str(caught.value)
    _assert_plain_sentence(caught.value)


def test_an_unreachable_endpoint_fails_fast_and_says_where(closed_port: int) -> None:
    endpoint = f"http://127.0.0.1:{closed_port}"
    client = HubClient(HubConfig(endpoint, timeout=TEST_TIMEOUT))
    for call in (
        lambda: client.search("llama"),
        lambda: client.repo_files(SMOL),
        lambda: client.remote_header(SMOL, SMOL_FILE),
    ):
        started = time.monotonic()
        with pytest.raises(HubOfflineError) as caught:
            call()
        assert time.monotonic() - started < 1.0  # no retry loop with back-off
        assert str(caught.value) == (
            f"Can't reach the Hub at {endpoint}: check the connection or the endpoint in Settings."
        )


def test_a_hub_that_stops_answering_times_out(silent_server: str) -> None:
    client = HubClient(HubConfig(silent_server, timeout=0.5))
    started = time.monotonic()
    with pytest.raises(HubOfflineError) as caught:
        client.search("llama")
    assert time.monotonic() - started < 3
    assert "did not answer in time" in str(caught.value)
    _assert_plain_sentence(caught.value)


def test_a_stalled_header_download_times_out(fake_hub: FakeHub) -> None:
    client = HubClient(HubConfig(fake_hub.url, timeout=0.5))
    fake_hub.inject(SMOL, SMOL_FILE, Fault(stall_after=1000))
    started = time.monotonic()
    with pytest.raises(HubOfflineError):
        client.remote_header(SMOL, SMOL_FILE)
    assert time.monotonic() - started < 3


def test_a_server_that_is_not_a_hub_is_named_so(captive_portal: str) -> None:
    client = HubClient(HubConfig(captive_portal, timeout=TEST_TIMEOUT))
    for call in (lambda: client.search("x"), lambda: client.repo_files(SMOL)):
        with pytest.raises(HubError) as caught:
            call()
        assert str(caught.value) == (
            f"The server at {captive_portal} does not answer like a Hugging Face Hub: check the "
            "endpoint in Settings."
        )


def test_the_cause_is_kept_for_the_log(client: HubClient) -> None:
    with pytest.raises(HubNotFoundError) as caught:
        client.repo_files("nobody/nothing")
    assert caught.value.__cause__ is not None
