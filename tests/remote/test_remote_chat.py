"""Remote servers in the settings and the keyring, and chatting with their models through the
chat service: the history, the metrics, Stop and a dying server, as for local models."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyrings.alt.file import PlaintextKeyring

from desktop_llm.chat.remotes import RemoteChoice
from desktop_llm.chat.service import ChatService
from desktop_llm.engine.types import ChatTurn, GenerationParams
from desktop_llm.errors import DesktopLLMError, RemoteModelNotFoundError
from desktop_llm.paths import AppPaths
from desktop_llm.settings import RemoteEndpoint, Settings, load_settings
from tests.remote.conftest import API_KEY, MODEL_ALIAS, LlamaServer
from tests.remote.fake_openai import chunk, scripted_server
from tests.thread_check import assert_threads_end, python_threads

TIMEOUT = 120.0
SHORT = GenerationParams(temperature=0.0, seed=1, max_tokens=12)
LONG = GenerationParams(temperature=0.7, seed=7, max_tokens=1500)


@pytest.fixture
def service(paths: AppPaths) -> Iterator[ChatService]:
    before = python_threads()
    with ChatService.open(paths) as opened:
        yield opened
    assert_threads_end(before)


def test_remotes_are_saved_in_the_settings_and_keys_in_the_keyring(
    service: ChatService, paths: AppPaths, isolated_keyring: PlaintextKeyring
) -> None:
    added = service.remotes.add("gpu", "http://gpu-box:8000/v1/", "sk-secret")
    assert added == RemoteEndpoint("gpu", "http://gpu-box:8000/v1")
    assert service.remotes.list() == (added,)
    assert service.remotes.api_key("gpu") == "sk-secret"
    assert isolated_keyring.get_password("desktop-llm", "remote:gpu") == "sk-secret"
    saved = paths.settings_file.read_text(encoding="utf-8")
    assert "sk-secret" not in saved
    assert load_settings(paths.settings_file).remotes == (added,)
    # Added again: replaced, and without a key the old one goes.
    service.remotes.add("gpu", "http://other:9000/v1")
    assert service.remotes.list() == (RemoteEndpoint("gpu", "http://other:9000/v1"),)
    assert service.remotes.api_key("gpu") is None
    service.remotes.remove("GPU")
    assert service.remotes.list() == ()
    with pytest.raises(RemoteModelNotFoundError, match="No remote server is called 'gpu'"):
        service.remotes.remove("gpu")


def test_a_remote_needs_a_name_and_an_address(service: ChatService) -> None:
    with pytest.raises(DesktopLLMError, match="cannot name a remote server"):
        service.remotes.add("a/b", "http://x:1/v1")
    with pytest.raises(DesktopLLMError, match="is not a server address"):
        service.remotes.add("gpu", "gpu-box:8000")
    assert service.remotes.list() == ()


def test_damaged_remote_entries_are_left_out() -> None:
    settings = Settings.from_dict({"remotes": [
        {"name": "gpu", "base_url": "http://gpu:8000/v1"},
        {"name": "", "base_url": "http://x/v1"},
        {"name": "a/b", "base_url": "http://x/v1"},
        "junk",
        {"name": "nourl"},
    ]})
    assert settings.remotes == (RemoteEndpoint("gpu", "http://gpu:8000/v1"),)
    assert Settings.from_dict({"remotes": "junk"}).remotes == ()
    assert json.loads(json.dumps(settings.to_dict()))["remotes"] == [
        {"name": "gpu", "base_url": "http://gpu:8000/v1"}
    ]


def test_model_references_name_a_server_or_a_local_model(service: ChatService) -> None:
    service.remotes.add("gpu", "http://gpu:8000/v1")
    choice = service.remotes.resolve("gpu/meta-llama/Llama-3-70B")
    assert isinstance(choice, RemoteChoice)
    assert choice.model_id == "meta-llama/Llama-3-70B"
    assert choice.name == "gpu/meta-llama/Llama-3-70B"
    assert service.remotes.resolve("other/model") is None
    assert service.remotes.resolve("SmolLM2") is None
    assert service.remotes.resolve("gpu/") is None


def test_every_server_lists_its_models_or_says_why_not(
    service: ChatService, llama_server: LlamaServer, unused_url: str
) -> None:
    service.remotes.add("local", llama_server.url)
    service.remotes.add("down", unused_url)
    found = {entry.remote.name: entry for entry in service.remotes.models(timeout=5)}
    assert found["local"].names() == [f"local/{MODEL_ALIAS}"]
    assert found["local"].error is None
    assert found["down"].models == ()
    assert found["down"].error is not None and "could not be reached" in found["down"].error


def test_chat_with_a_remote_model_is_saved_with_its_metrics(
    service: ChatService, llama_server: LlamaServer
) -> None:
    service.remotes.add("local", llama_server.url)
    loaded = service.load_model(f"local/{MODEL_ALIAS}").result(timeout=TIMEOUT)
    assert loaded.remote_url == llama_server.url
    assert service.current_model is not None
    assert service.current_model.name == f"local/{MODEL_ALIAS}"
    assert service.loaded_model == loaded
    pieces: list[str] = []
    reply = service.send(None, "Say hello.", params=SHORT, on_text=pieces.append)
    record = reply.done.result(timeout=TIMEOUT)
    assert record.finish_reason in ("stop", "length"), record.error
    assert record.content.strip() and record.content.strip() in "".join(pieces)
    assert record.model == f"local/{MODEL_ALIAS}"
    assert record.completion_tokens and 0 < record.completion_tokens <= 12
    assert record.time_to_first_token is not None and record.time_to_first_token > 0
    assert record.tokens_per_second is not None and record.tokens_per_second > 0
    conversation = service.conversation(reply.conversation.id)
    assert conversation.model == f"local/{MODEL_ALIAS}"
    assert [m.role for m in service.messages(conversation.id)] == ["user", "assistant"]
    # The question's own tokens are counted by the server, in the background.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        question = service.messages(conversation.id)[0]
        if question.token_count is not None:
            break
        time.sleep(0.1)
    assert question.token_count and question.token_count > 0


def test_a_server_that_cannot_count_leaves_the_questions_count_empty(
    service: ChatService,
) -> None:
    events = [chunk({"content": "Hi there."}), chunk({}, "stop"), "[DONE]"]
    models = {"/v1/models": {"data": [{"id": "m"}]}}
    with scripted_server(events, gets=models) as url:
        service.remotes.add("plain", url)
        service.load_model("plain/m").result(timeout=TIMEOUT)
        reply = service.send(None, "Say hello, please.", params=SHORT, on_text=lambda _t: None)
        record = reply.done.result(timeout=TIMEOUT)
        engine = service._engine_for(service._require_model())  # the count runs after the reply
        deadline = time.monotonic() + 30
        while engine.busy and time.monotonic() < deadline:  # type: ignore[attr-defined]
            time.sleep(0.05)
        assert not engine.busy  # type: ignore[attr-defined]
    assert record.finish_reason == "stop" and record.content == "Hi there."
    question = service.messages(reply.conversation.id)[0]
    # An estimate (4 characters a token) is shown as one while replying, never saved as a count.
    assert question.token_count is None


def test_an_unknown_remote_model_is_refused_with_a_sentence(
    service: ChatService, llama_server: LlamaServer
) -> None:
    service.remotes.add("local", llama_server.url)
    offered = f"has no model 'nope'. It offers: {MODEL_ALIAS}"
    with pytest.raises(RemoteModelNotFoundError, match=offered):
        service.load_model("local/nope").result(timeout=TIMEOUT)
    assert service.current_model is None


def test_a_wrong_key_is_refused_when_the_model_is_chosen(
    service: ChatService, keyed_server: LlamaServer
) -> None:
    service.remotes.add("keyed", keyed_server.url, "sk-wrong")
    with pytest.raises(DesktopLLMError, match="refused the API key"):
        service.load_model(f"keyed/{MODEL_ALIAS}").result(timeout=TIMEOUT)
    service.remotes.add("keyed", keyed_server.url, API_KEY)
    service.load_model(f"keyed/{MODEL_ALIAS}").result(timeout=TIMEOUT)
    record = service.send(None, "Hi", params=SHORT).done.result(timeout=TIMEOUT)
    assert record.finish_reason in ("stop", "length"), record.error


def test_stop_keeps_the_partial_reply_as_cancelled(
    service: ChatService, llama_server: LlamaServer
) -> None:
    service.remotes.add("local", llama_server.url)
    service.load_model(f"local/{MODEL_ALIAS}").result(timeout=TIMEOUT)
    first = threading.Event()
    reply = service.send(
        None, "Write a long story about a cat.", params=LONG, on_text=lambda _t: first.set()
    )
    assert first.wait(60)
    time.sleep(0.3)
    stopped = time.monotonic()
    service.stop()
    record = reply.done.result(timeout=10)
    assert time.monotonic() - stopped < 2.0
    assert record.finish_reason == "cancelled"
    assert record.content.strip()
    assert record.error is None


def test_a_server_killed_mid_reply_keeps_the_text_and_says_so(
    service: ChatService, own_server: LlamaServer
) -> None:
    service.remotes.add("local", own_server.url)
    service.load_model(f"local/{MODEL_ALIAS}").result(timeout=TIMEOUT)
    first = threading.Event()
    reply = service.send(
        None, "Write a long story about a cat.", params=LONG, on_text=lambda _t: first.set()
    )
    assert first.wait(60)
    time.sleep(0.3)
    own_server.kill()
    record = reply.done.result(timeout=30)
    assert record.finish_reason == "error"
    assert record.content.strip()
    assert record.error is not None and "was cut while it wrote this reply" in record.error


def test_back_to_the_local_model_after_a_remote_one(
    service: ChatService, llama_server: LlamaServer, model_path: Path
) -> None:
    service.remotes.add("local", llama_server.url)
    service.load_model(f"local/{MODEL_ALIAS}").result(timeout=TIMEOUT)
    service.load_model(model_path).result(timeout=TIMEOUT)
    assert service.loaded_model is not None and service.loaded_model.remote_url is None
    record = service.send(None, "Hi", params=SHORT).done.result(timeout=TIMEOUT)
    assert record.finish_reason in ("stop", "length"), record.error
    assert record.model == service.current_model.name


def test_choosing_another_model_lets_a_streaming_remote_reply_finish(
    service: ChatService, llama_server: LlamaServer, keyed_server: LlamaServer
) -> None:
    # Another server: llama_cpp.server itself cuts the reply it streams at any other request
    # (its interrupt_requests setting), even the model check of a choice.
    service.remotes.add("local", llama_server.url)
    service.remotes.add("again", keyed_server.url, API_KEY)
    service.load_model(f"local/{MODEL_ALIAS}").result(timeout=TIMEOUT)
    first = threading.Event()
    reply = service.send(
        None, "Write a story about a cat.", on_text=lambda _t: first.set(),
        params=GenerationParams(temperature=0.0, seed=1, max_tokens=60),
    )
    assert first.wait(60)
    service.load_model(f"again/{MODEL_ALIAS}").result(timeout=TIMEOUT)
    record = reply.done.result(timeout=TIMEOUT)
    assert record.finish_reason in ("stop", "length"), record.error
    assert record.model == f"local/{MODEL_ALIAS}"


def test_an_api_key_with_spaces_or_other_characters_is_refused(service: ChatService) -> None:
    with pytest.raises(DesktopLLMError, match="An API key is one word"):
        service.remotes.add("gpu", "http://gpu:8000/v1", "sk-abc def")
    with pytest.raises(DesktopLLMError, match="An API key is one word"):
        service.remotes.add("gpu", "http://gpu:8000/v1", "sk-密钥")
    assert service.remotes.list() == ()
    service.remotes.add("gpu", "http://gpu:8000/v1", "  sk-pasted\n")
    assert service.remotes.api_key("gpu") == "sk-pasted"


def test_the_context_size_comes_from_the_model_list_or_llama_server_props(
    service: ChatService,
) -> None:
    models = {"/v1/models": {"data": [{"id": "big", "max_model_len": 32768}, {"id": "small"}]}}
    props = {"/props": {"default_generation_settings": {"n_ctx": 8192}}}
    with scripted_server(gets=models | props) as url:
        service.remotes.add("gpu", url)
        big = service.remotes.engine_for(service.remotes.resolve("gpu/big"))
        small = service.remotes.engine_for(service.remotes.resolve("gpu/small"))
    assert (big.n_ctx, small.n_ctx) == (32768, 8192)
    with scripted_server(gets=models) as url:
        service.remotes.add("gpu", url)
        assert service.remotes.engine_for(service.remotes.resolve("gpu/small")).n_ctx is None


def test_lm_studio_says_the_context_size_of_the_loaded_model(service: ChatService) -> None:
    models = {"/v1/models": {"data": [{"id": "qwen-7b"}, {"id": "llama-8b"}, {"id": "other"}]}}
    lm_studio = {
        # Loaded: the size it was loaded with; not loaded: the most the model takes.
        "/api/v0/models/qwen-7b": {"id": "qwen-7b", "state": "loaded",
                                   "loaded_context_length": 4096, "max_context_length": 32768},
        "/api/v0/models/llama-8b": {"id": "llama-8b", "state": "not-loaded",
                                    "max_context_length": 131072},
    }
    with scripted_server(gets=models | lm_studio) as url:
        service.remotes.add("lms", url)
        sizes = [
            service.remotes.engine_for(service.remotes.resolve(f"lms/{name}")).n_ctx
            for name in ("qwen-7b", "llama-8b", "other")
        ]
    assert sizes == [4096, 131072, None]


def test_a_remote_reply_is_regenerated_but_not_continued(
    service: ChatService, llama_server: LlamaServer
) -> None:
    service.remotes.add("local", llama_server.url)
    service.load_model(f"local/{MODEL_ALIAS}").result(timeout=TIMEOUT)
    first = service.send(None, "Name a colour.", params=SHORT).done.result(timeout=TIMEOUT)
    again = service.regenerate(first.conversation_id, params=SHORT).done.result(timeout=TIMEOUT)
    assert again.finish_reason in ("stop", "length"), again.error
    assert again.parent_id == first.parent_id and again.id != first.id
    cut = service.send(first.conversation_id, "Tell me a story.", params=SHORT)
    record = cut.done.result(timeout=TIMEOUT)
    assert record.finish_reason == "length"
    with pytest.raises(DesktopLLMError, match="cannot be continued where it stopped"):
        service.continue_reply(first.conversation_id, record.id)


def test_a_message_too_long_for_the_remote_context_says_so(
    service: ChatService, llama_server: LlamaServer
) -> None:
    service.remotes.add("local", llama_server.url)
    service.load_model(f"local/{MODEL_ALIAS}").result(timeout=TIMEOUT)
    record = service.send(None, "cat " * 3000, params=SHORT).done.result(timeout=TIMEOUT)
    assert (record.finish_reason, record.content) == ("error", "")
    assert record.error is not None and record.error.startswith(
        f"The request is too long for the context of the model at {llama_server.url} "
        "(HTTP 400): This model's maximum context length is 2048 tokens"
    )
    saved = service.messages(record.conversation_id)[-1]
    assert (saved.id, saved.error) == (record.id, record.error)


def test_stop_ends_a_window_reply_waiting_behind_an_api_reply_at_once(
    service: ChatService, llama_server: LlamaServer
) -> None:
    service.remotes.add("local", llama_server.url)
    service.load_model(f"local/{MODEL_ALIAS}").result(timeout=TIMEOUT)
    first = threading.Event()
    api_reply = service.generate_unsaved(
        [ChatTurn("user", "Write a long story about a cat.")], LONG, lambda _t: first.set()
    )
    assert first.wait(60)
    window = service.send(None, "Say hello.", params=SHORT)
    time.sleep(0.5)
    assert not window.done.done()  # waiting for its turn: llama_cpp.server would cut the other
    stopped = time.monotonic()
    service.stop()  # the window's replies only
    record = window.done.result(timeout=10)
    assert time.monotonic() - stopped < 2.0
    assert (record.finish_reason, record.content, record.error) == ("cancelled", "", None)
    assert not api_reply.future.done()  # the API's reply goes on
    api_reply.cancel()
    assert api_reply.future.result(timeout=10).finish_reason == "cancelled"
