"""Reading a remote model's header costs a few MB of Range requests, not the whole file."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from desktop_llm.errors import HubError
from desktop_llm.hub import HubClient, HubConfig
from desktop_llm.hub.remote_header import INITIAL_HEADER_BYTES, read_header
from desktop_llm.model_files import GGUFError, NeedMoreData, read_gguf_info
from tests.fake_hub import FakeFile, FakeHub, FakeRepo
from tests.hub.conftest import TEST_TIMEOUT
from tests.hub.sample_repos import SMOL, SMOL_FILE, SPLIT, tiny_gguf

_MB = 1024 * 1024


def _bounds(range_header: str | None) -> tuple[int, int]:
    match = re.fullmatch(r"bytes=(\d+)-(\d+)", range_header or "")
    assert match is not None, range_header
    return int(match.group(1)), int(match.group(2))


class RangeBlind:
    """A server that ignores Range and always sends the whole file, counting what it sent."""

    def __init__(self, content: bytes) -> None:
        self.content = content
        self.sent = 0
        blind = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Length", str(len(blind.content)))
                self.end_headers()
                view = memoryview(blind.content)
                try:
                    for start in range(0, len(view), 65536):
                        self.wfile.write(view[start : start + 65536])
                        blind.sent += len(view[start : start + 65536])
                except OSError:
                    pass  # the client hung up once it had enough

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}
        )
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> RangeBlind:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@pytest.fixture
def range_blind_server() -> Iterator[RangeBlind]:
    with RangeBlind(tiny_gguf(size=64 * _MB, vocabulary=150_000)) as server:
        yield server


def test_the_real_models_header_comes_from_one_small_range_request(
    client: HubClient, fake_hub: FakeHub, model_path
) -> None:
    info = client.remote_gguf_info(SMOL, SMOL_FILE)
    assert info.architecture == "llama"
    assert info.file_size == 98_362_432
    # The same facts as reading the whole file on disk.
    local = read_gguf_info(model_path)
    assert (info.context_length, info.block_count, info.tensor_count) == (
        local.context_length,
        local.block_count,
        local.tensor_count,
    )
    (request,) = fake_hub.file_requests(SMOL, SMOL_FILE)
    assert (request.method, request.status, request.range) == ("GET", 206, "bytes=0-2097151")
    assert fake_hub.bytes_served(SMOL, SMOL_FILE) == INITIAL_HEADER_BYTES
    assert fake_hub.bytes_served(SMOL, SMOL_FILE) < 98_362_432 / 40


def test_remote_header_returns_the_prefix_bytes(client: HubClient, smol_model: FakeFile) -> None:
    data = client.remote_header(SMOL, SMOL_FILE)
    assert data == smol_model.content[:INITIAL_HEADER_BYTES]


def test_a_header_longer_than_the_first_request_is_fetched_in_more_ranges(
    client: HubClient, fake_hub: FakeHub
) -> None:
    # 150k tokens, as a real vocabulary: the header runs past 2 MB; the file is 40 MB.
    content = tiny_gguf(size=40 * _MB, vocabulary=150_000)
    fake_hub.add_repo(FakeRepo("big/vocab", [FakeFile("vocab-Q4_0.gguf", content)]))
    info = client.remote_gguf_info("big/vocab", "vocab-Q4_0.gguf")
    assert info.architecture == "llama"
    assert info.metadata["tokenizer.ggml.tokens"] is not None
    ranges = [r.range for r in fake_hub.file_requests("big/vocab", "vocab-Q4_0.gguf")]
    assert ranges[0] == "bytes=0-2097151"
    assert len(ranges) >= 2
    # Each further request starts where the previous one ended: no byte is fetched twice.
    bounds = [_bounds(r) for r in ranges]
    assert [start for start, _ in bounds[1:]] == [end + 1 for _, end in bounds[:-1]]
    served = fake_hub.bytes_served("big/vocab", "vocab-Q4_0.gguf")
    assert served == bounds[-1][1] + 1
    assert info.data_offset <= served < 8 * _MB


def test_a_file_smaller_than_the_first_request_is_read_whole(
    token_client: HubClient, fake_hub: FakeHub
) -> None:
    path = "Big-70B-Q2_K.gguf"
    data = token_client.remote_header(SPLIT, path)
    assert data == fake_hub.repo(SPLIT).file(path).content  # type: ignore[union-attr]


def test_a_file_that_is_not_gguf_is_refused_by_the_parser(
    client: HubClient, fake_hub: FakeHub
) -> None:
    fake_hub.add_repo(FakeRepo("x/y", [FakeFile("fake-Q4_0.gguf", b"<html>not a model</html>")]))
    with pytest.raises(GGUFError):
        client.remote_gguf_info("x/y", "fake-Q4_0.gguf")


def test_an_empty_file_is_reported_by_the_parser(client: HubClient, fake_hub: FakeHub) -> None:
    fake_hub.add_repo(FakeRepo("x/empty", [FakeFile("empty-Q4_0.gguf", b"")]))
    with pytest.raises(GGUFError) as caught:
        client.remote_gguf_info("x/empty", "empty-Q4_0.gguf")
    assert caught.value.reason == "empty"
    assert fake_hub.requests[-1].status == 416


def test_a_server_ignoring_range_costs_only_the_bytes_read(range_blind_server: RangeBlind) -> None:
    """A mirror answering 200 with the whole file: we read what we need and hang up."""
    client = HubClient(HubConfig(range_blind_server.url, timeout=TEST_TIMEOUT))
    data = client.remote_header("some/repo", "big-Q4_0.gguf")
    info = client.remote_gguf_info("some/repo", "big-Q4_0.gguf")
    assert info.metadata["general.architecture"] == "llama"
    assert data == range_blind_server.content[: len(data)]
    assert INITIAL_HEADER_BYTES < len(data) < 8 * _MB  # a second, skipped-into read was needed
    # Socket buffers let the server push a few MB more than read, never the 64 MB file.
    assert range_blind_server.sent < 32 * _MB


def test_read_header_grows_the_prefix_as_the_parser_asks() -> None:
    content = bytes(8000)
    calls: list[tuple[int, int]] = []

    def fetch(start: int, end: int) -> tuple[bytes, int]:
        calls.append((start, end))
        return content[start : end + 1], len(content)

    def needs_1000_bytes(data: bytes, size: int, name: str) -> str:
        if len(data) < 1000:
            raise NeedMoreData(500 if len(data) < 500 else 1000)
        return "parsed"

    data, result = read_header(fetch, "m.gguf", needs_1000_bytes, initial=64)
    assert result == "parsed"
    assert calls == [(0, 63), (64, 499), (500, 999)]
    assert len(data) == 1000


def test_a_parser_asking_for_ever_more_is_stopped() -> None:
    content = bytes(10_000)

    def fetch(start: int, end: int) -> tuple[bytes, int]:
        return content[start : end + 1], len(content)

    def greedy(data: bytes, size: int, name: str) -> None:
        raise NeedMoreData(len(data) * 2)

    with pytest.raises(HubError, match="too large"):
        read_header(fetch, "m.gguf", greedy, initial=100, limit=1000)
