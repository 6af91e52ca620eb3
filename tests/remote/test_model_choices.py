"""Choosing models while a remote one is still being checked, asking a server for its models
while it streams a reply, and API keys saved under another spelling of a server's name."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import wait
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from desktop_llm.chat.remotes import Remotes
from desktop_llm.chat.service import ChatService, ModelSupersededError
from desktop_llm.engine.types import GenerationParams
from desktop_llm.paths import AppPaths
from desktop_llm.remote import RemoteModel
from desktop_llm.settings import Settings
from tests.remote.conftest import MODEL_ALIAS, LlamaServer
from tests.remote.fake_openai import chunk, scripted_server
from tests.thread_check import assert_threads_end, python_threads

TIMEOUT = 120.0
SHORT = GenerationParams(temperature=0.0, seed=1, max_tokens=12)
SLOW_CHECK = 1.5  # seconds the slow server takes to answer each GET


@pytest.fixture
def service(paths: AppPaths) -> Iterator[ChatService]:
    before = python_threads()
    with ChatService.open(paths) as opened:
        yield opened
    assert_threads_end(before)


def models(*ids: str) -> dict[str, object]:
    # /props answered: the check of a model asks two things, not three.
    return {"/v1/models": {"data": [{"id": i} for i in ids]}, "/props": {"n_ctx": 512}}


def wait_idle(service: ChatService) -> None:
    """Until the remote engines' token counts after a reply are over."""
    deadline = time.monotonic() + 30
    while any(e.busy for e in service._remote_engines()) and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_remote_model_chosen_while_another_is_checked_stays_in_use(
    service: ChatService,
) -> None:
    events = [chunk({"content": "From B."}), chunk({}, "stop"), "[DONE]"]
    with (
        scripted_server(gets=models("a"), get_delay=SLOW_CHECK) as slow,
        scripted_server(events, gets=models("b")) as fast,
    ):
        service.remotes.add("slow", slow)
        service.remotes.add("fast", fast)
        first = service.load_model("slow/a")
        second = service.load_model("fast/b")
        assert second.result(timeout=TIMEOUT).remote_url == fast
        wait([first], timeout=TIMEOUT)
        assert service.current_model is not None and service.current_model.name == "fast/b"
        assert service.loaded_model is not None and service.loaded_model.remote_url == fast
        assert [e.base_url for e in service._remote_engines()] == [fast]
        record = service.send(None, "Hi", params=SHORT).done.result(timeout=TIMEOUT)
        assert (record.model, record.content) == ("fast/b", "From B.")
        wait_idle(service)
    with pytest.raises(ModelSupersededError, match="slow/a was not put to use"):
        first.result()


def test_a_local_model_chosen_while_a_remote_one_is_checked_stays_loaded(
    service: ChatService, model_path: Path
) -> None:
    with scripted_server(gets=models("a"), get_delay=SLOW_CHECK) as slow:
        service.remotes.add("slow", slow)
        first = service.load_model("slow/a")
        local = service.load_model(model_path).result(timeout=TIMEOUT)
        wait([first], timeout=TIMEOUT)
    # The remote check ending did not unload the model chosen after it.
    assert service.loaded_model == local
    assert service._remote_engines() == []
    record = service.send(None, "Hi", params=SHORT).done.result(timeout=TIMEOUT)
    assert record.finish_reason in ("stop", "length"), record.error
    assert record.model == service.current_model.name
    with pytest.raises(ModelSupersededError):
        first.result()


def test_asking_a_server_for_its_models_does_not_cut_the_reply_it_streams(
    service: ChatService, llama_server: LlamaServer
) -> None:
    # llama_cpp.server cuts the reply it streams when any other request arrives.
    remote = service.remotes.add("local", llama_server.url)
    reference = f"local/{MODEL_ALIAS}"
    service.load_model(reference).result(timeout=TIMEOUT)
    before = service.remotes.models()
    assert before[0].names() == [reference]
    pieces: list[str] = []
    reply = service.send(
        None, "Write a very long story about a dragon and a knight.", on_text=pieces.append,
        params=GenerationParams(temperature=0.0, seed=1, max_tokens=300),
    )
    deadline = time.monotonic() + 60
    while len(pieces) < 5 and time.monotonic() < deadline:
        time.sleep(0.02)
    # What the model selector, the servers dialog and a choice ask, all mid-reply.
    assert service.remotes.models() == before
    assert service.remotes.models_of(remote) == before[0]
    chosen = service.remotes.resolve(reference)
    assert chosen is not None
    engine = service.remotes.engine_for(chosen)
    assert (engine.base_url, engine.model_id) == (llama_server.url, MODEL_ALIAS)
    engine.shutdown()
    streaming = not reply.done.done()
    record = reply.done.result(timeout=TIMEOUT)
    assert record.finish_reason in ("stop", "length"), record.error
    assert record.error is None
    assert streaming  # the reply was still streaming when its server was asked
    wait_idle(service)


@pytest.mark.parametrize(("tokenizer", "cuts"), [
    ("/extras/tokenize", True),  # llama-cpp-python's server: another request cuts the reply
    ("/tokenize", False),  # llama.cpp's llama-server: answers side by side
], ids=["llama-cpp-python", "llama-server"])
def test_while_a_reply_streams_its_servers_last_answer_is_used_again(
    service: ChatService, tokenizer: str, cuts: bool,
) -> None:
    gets = models("m")
    events = [chunk({"content": f"w{i} "}) for i in range(40)] + [chunk({}, "stop"), "[DONE]"]
    posts = {tokenizer: {"tokens": [1, 2]}}
    with scripted_server(events, gets=gets, delay=0.05, posts=posts) as url:
        remote = service.remotes.add("s", url)
        service.load_model("s/m").result(timeout=TIMEOUT)
        started = threading.Event()
        reply = service.send(None, "Hi", params=SHORT, on_text=lambda _t: started.set())
        assert started.wait(30)
        gets["/v1/models"] = {"data": [{"id": "m"}, {"id": "new"}]}
        asked = service.remotes.models_of(remote).models
        # Only a server that would cut the reply is left alone (its last answer used again).
        assert asked == ((RemoteModel("m"),) if cuts else (RemoteModel("m"), RemoteModel("new")))
        assert not reply.done.done()
        assert reply.done.result(timeout=TIMEOUT).finish_reason == "stop"
        wait_idle(service)
        # The reply over, the server is asked again.
        assert service.remotes.models_of(remote).names() == ["s/m", "s/new"]


class CaseSensitiveKeyring(KeyringBackend):
    """A keyring that tells ``remote:gpu`` from ``remote:GPU``, as the Secret Service and
    macOS's keychain do (the tests' file keyring does not: its names are lower-cased)."""

    priority = 1.0  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.secrets.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture
def case_sensitive_keyring(isolated_keyring: KeyringBackend) -> Iterator[CaseSensitiveKeyring]:
    backend = CaseSensitiveKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(isolated_keyring)


def test_a_key_saved_under_another_spelling_leaves_with_its_server(
    case_sensitive_keyring: CaseSensitiveKeyring,
) -> None:
    settings = [Settings()]

    def update(change: object) -> Settings:
        settings[0] = change(settings[0])  # type: ignore[operator]
        return settings[0]

    def run() -> Remotes:  # each command a new run of the app, as on the command line
        return Remotes(lambda: settings[0], update)

    def saved(username: str) -> str | None:
        return case_sensitive_keyring.get_password("desktop-llm", username)

    run().add("gpu", "http://h:8000/v1", "sk-secret-one")
    run().add("GPU", "http://h:8000/v1", "sk-secret-two")
    assert (saved("remote:gpu"), saved("remote:GPU")) == (None, "sk-secret-two")
    assert run().api_key("gpu") == "sk-secret-two"
    run().remove("gpu")
    assert (saved("remote:gpu"), saved("remote:GPU")) == (None, None)

    # The same within one run.
    remotes = run()
    remotes.add("gpu", "http://h:8000/v1", "sk-secret-one")
    remotes.add("GPU", "http://h:8000/v1", "sk-secret-two")
    assert remotes.api_key("Gpu") == "sk-secret-two"
    assert (saved("remote:gpu"), saved("remote:GPU")) == (None, "sk-secret-two")
    remotes.remove("gpu")
    assert (saved("remote:gpu"), saved("remote:GPU")) == (None, None)
    assert case_sensitive_keyring.secrets == {}
