"""Saved model states: a conversation is not read again after a restart or a switch, and a
follow-up is exactly the reply a fresh start gives. Through the engine process on the real
model, except the folder's budget, checked on the store itself."""

from __future__ import annotations

import dataclasses
import os
import time
from array import array
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_llm.engine.client import EngineProcess
from desktop_llm.engine.kv_states import SUFFIX, StateKey, StateStore
from desktop_llm.engine.types import ChatTurn, GenerationParams, GenerationResult, LoadSettings

SETTINGS = LoadSettings(n_ctx=2048)
TIMEOUT = 180
GREEDY = GenerationParams(temperature=0.0, max_tokens=24)
SEEDED = GenerationParams(temperature=0.8, seed=11, max_tokens=24)


def conversation(topic: str, rounds: int = 8) -> list[ChatTurn]:
    turns = [ChatTurn("system", "You are a helpful assistant.")]
    for i in range(rounds):
        turns.append(ChatTurn("user", f"Tell me about {topic}, part {i}. " * 3))
        turns.append(ChatTurn("assistant", f"Part {i} of {topic} is about old towns. " * 5))
    turns.append(ChatTurn("user", f"Summarize {topic} in one sentence."))
    return turns


def answer(
    engine: EngineProcess, turns: list[ChatTurn], params: GenerationParams
) -> GenerationResult:
    outcome = engine.generate(turns, params, lambda _p: None).future.result(TIMEOUT)
    assert outcome.finish_reason in ("stop", "length"), outcome.error
    return outcome


@pytest.fixture
def start(model_path: Path, tmp_path: Path) -> Iterator:
    engines: list[EngineProcess] = []

    def start(state_dir: Path | None = tmp_path / "states", **kwargs: object) -> EngineProcess:
        engine = EngineProcess(state_dir=state_dir, **kwargs)
        engine.load(model_path, SETTINGS).result(timeout=TIMEOUT)
        engines.append(engine)
        return engine

    yield start
    for engine in engines:
        engine.shutdown()


def cold(start, turns: list[ChatTurn], params: GenerationParams) -> GenerationResult:
    engine = start(None)
    try:
        outcome = answer(engine, turns, params)
        assert outcome.reused_tokens == 0
        return outcome
    finally:
        engine.shutdown()


def test_a_follow_up_after_a_restart_reuses_the_saved_state(start, tmp_path: Path) -> None:
    history = conversation("bread")
    first = start()
    opening = answer(first, history, GREEDY)
    first.shutdown()  # the state is written before the engine exits
    assert len(list((tmp_path / "states").glob(f"*{SUFFIX}"))) == 1
    follow_up = [*history, ChatTurn("assistant", opening.text), ChatTurn("user", "Why?")]

    for params in (GREEDY, SEEDED):
        warm_engine = start()
        warm = answer(warm_engine, follow_up, params)
        warm_engine.shutdown()
        fresh = cold(start, follow_up, params)
        assert warm.prompt_tokens == fresh.prompt_tokens > 500
        assert warm.reused_tokens > 0.9 * warm.prompt_tokens
        assert warm.text == fresh.text  # exactly what reading it all again gives
        assert warm.time_to_first_token is not None and fresh.time_to_first_token is not None
        assert warm.time_to_first_token < fresh.time_to_first_token


def test_switching_conversations_reuses_states_kept_in_memory(start) -> None:
    engine = start(None)  # no folder: memory only
    bread, boats = conversation("bread"), conversation("boats")
    answer(engine, bread, GREEDY)
    answer(engine, boats, GREEDY)
    again = answer(engine, bread, GREEDY)  # a regeneration in the first conversation
    assert again.reused_tokens >= again.prompt_tokens - 2
    back = answer(engine, boats, SEEDED)
    assert back.reused_tokens >= back.prompt_tokens - 2
    assert back.text == cold(start, boats, SEEDED).text


def test_a_tampered_state_file_is_refused_and_removed(start, tmp_path: Path) -> None:
    history = conversation("ships")
    first = start()
    answer(first, history, GREEDY)
    first.shutdown()
    (saved,) = (tmp_path / "states").glob(f"*{SUFFIX}")
    data = bytearray(saved.read_bytes())
    middle = len(data) * 2 // 3
    data[middle:middle + 64] = bytes(64)  # inside llama.cpp's state bytes
    saved.write_bytes(data)

    engine = start()
    outcome = answer(engine, history, GREEDY)
    engine.shutdown()
    assert outcome.reused_tokens == 0  # read from the start, as if there were no state
    assert outcome.text == cold(start, history, GREEDY).text
    # Removed, and this reply's state written whole in its place.
    assert saved.read_bytes() != bytes(data)


def test_another_load_setting_never_uses_a_state(start, model_path: Path, tmp_path: Path) -> None:
    history = conversation("boats")
    first = start()
    answer(first, history, GREEDY)
    first.shutdown()
    other = EngineProcess(state_dir=tmp_path / "states")
    try:
        other.load(model_path, LoadSettings(n_ctx=1536)).result(timeout=TIMEOUT)
        assert answer(other, history, GREEDY).reused_tokens == 0
    finally:
        other.shutdown()


# The folder's budget, on the store itself (bytes in, bytes out: no model needed) ------------

KEY = StateKey("/m.gguf", 1, 2, 2048, -1, 0, False, False, 1, 1, "0.3.36")


def remember(store: StateStore, first_token: int, size: int) -> None:
    store.remember(array("i", [first_token, *range(100)]), bytearray(os.urandom(size)))
    store.flush()


def test_the_folder_budget_removes_the_least_recently_used(tmp_path: Path) -> None:
    size = 100_000
    store = StateStore(KEY, tmp_path, budget=int(size * 3.5), memory_budget=0)
    for token in (1, 2, 3):
        remember(store, token, size)
        time.sleep(0.02)  # distinct modification times
    found = store.best([1, *range(100)])
    assert found is not None and found[0] == 101
    assert store.read(found[1]) is not None  # the oldest, used: now the most recent
    time.sleep(0.02)
    remember(store, 4, size)
    store.close()

    reopened = StateStore(KEY, tmp_path, budget=int(size * 3.5))
    kept = {first for first in (1, 2, 3, 4)
            if (hit := reopened.best([first, *range(100)])) and hit[0] == 101}
    assert kept == {1, 3, 4}  # 2 was the least recently used
    assert len(list(tmp_path.glob(f"*{SUFFIX}"))) == 3
    # Another model or other settings see none of them.
    other = StateStore(
        StateKey("/m.gguf", 1, 2, 4096, -1, 0, False, False, 1, 1, "0.3.36"), tmp_path
    )
    assert other.best([1, *range(100)]) is None
    reopened.close()
    other.close()


def test_a_state_written_after_an_empty_first_look_is_found_on_disk(tmp_path: Path) -> None:
    """The usual first run: nothing on disk at the first lookup, then a reply's state is
    written; with no room in memory it must still be found in its file."""
    store = StateStore(KEY, tmp_path, memory_budget=0)
    assert store.best([7, *range(100)]) is None  # the folder is read, and found empty
    remember(store, 7, 100_000)
    store.flush()
    found = store.best([7, *range(100)])
    assert found is not None and found[0] == 101
    assert store.read(found[1]) is not None
    store.close()


def test_states_of_a_changed_model_file_or_settings_are_dropped(tmp_path: Path) -> None:
    store = StateStore(KEY, tmp_path)
    remember(store, 5, 10_000)
    store.close()
    other_model = StateStore(dataclasses.replace(KEY, model_path="/other.gguf"), tmp_path)
    assert other_model.best([5, *range(100)]) is None
    other_model.close()
    assert len(list(tmp_path.glob(f"*{SUFFIX}"))) == 1  # another model's states stay

    # The same file loaded with another context length: the old states go.
    reloaded = StateStore(dataclasses.replace(KEY, n_ctx=KEY.n_ctx * 2), tmp_path)
    assert reloaded.best([5, *range(100)]) is None
    reloaded.close()
    assert list(tmp_path.glob(f"*{SUFFIX}")) == []


def test_a_reply_already_waiting_does_not_wait_for_the_re_read(start) -> None:
    """The next question queued while a reply streams: the first conversation's state is
    kept without its reply (no extra decoding before the waiting reply), and is still right."""
    engine = start(None)
    bread, boats = conversation("bread"), conversation("boats")
    first = engine.generate(bread, GREEDY, lambda _p: None)
    second = engine.generate(boats, GREEDY, lambda _p: None)  # waits behind the first
    first.future.result(TIMEOUT)
    second.future.result(TIMEOUT)
    again = answer(engine, bread, SEEDED)
    assert again.reused_tokens >= again.prompt_tokens - 2
    assert again.text == cold(start, bread, SEEDED).text
