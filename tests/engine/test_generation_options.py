"""Sampling options, stop strings, continuation, progress, overflow and token counts, through
the engine process on the real model."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_llm.engine.client import EngineProcess
from desktop_llm.engine.types import (
    ChatTurn,
    GenerationParams,
    GenerationProgress,
    GenerationResult,
    LoadSettings,
)

QUESTION = [ChatTurn("user", "What is the capital of France?")]
STORY = [ChatTurn("user", "Write a story about a dragon who learns to bake bread.")]
GREEDY = GenerationParams(temperature=0.0, max_tokens=40)
TIMEOUT = 120


@pytest.fixture(scope="module")
def engine(model_path: Path) -> Iterator[EngineProcess]:
    engine = EngineProcess()
    engine.load(model_path, LoadSettings(n_ctx=2048)).result(timeout=TIMEOUT)
    yield engine
    engine.shutdown()


def reply(
    engine: EngineProcess, turns: list[ChatTurn], params: GenerationParams, **kwargs: object
) -> GenerationResult:
    outcome = engine.generate(turns, params, lambda _p: None, **kwargs).future.result(TIMEOUT)
    assert outcome.finish_reason != "error", outcome.error
    return outcome


def test_a_seed_reproduces_a_reply_with_every_sampler_option(engine: EngineProcess) -> None:
    params = GenerationParams(
        temperature=0.9, top_k=60, top_p=0.9, min_p=0.02, typical_p=0.95,
        presence_penalty=0.3, frequency_penalty=0.2, seed=1234, max_tokens=32,
    )
    first = reply(engine, STORY, params)
    second = reply(engine, STORY, params)
    assert first.completion_tokens > 5
    assert first.text == second.text
    others = {reply(engine, STORY, GenerationParams(**{**params.to_dict(), "seed": s})).text
              for s in (1, 2, 3)}
    assert len(others | {first.text}) > 1  # the seed is what made them equal


def test_temperature_zero_is_greedy_whatever_the_seed(engine: EngineProcess) -> None:
    texts = {reply(engine, QUESTION, GenerationParams(temperature=0.0, seed=s,
                                                      max_tokens=24)).text for s in (1, 99)}
    texts.add(reply(engine, QUESTION, GenerationParams(temperature=0.0, max_tokens=24)).text)
    assert len(texts) == 1


@pytest.mark.parametrize("mode", [1, 2])
def test_mirostat_writes_reproducibly(engine: EngineProcess, mode: int) -> None:
    params = GenerationParams(
        temperature=0.8, mirostat_mode=mode, mirostat_tau=4.0, mirostat_eta=0.2,
        seed=5, max_tokens=24,
    )
    first = reply(engine, STORY, params)
    assert first.completion_tokens > 5 and first.text.strip()
    assert reply(engine, STORY, params).text == first.text


def test_stop_strings_end_the_reply_before_them(engine: EngineProcess) -> None:
    free = reply(engine, STORY, GREEDY)
    words = free.text.split()
    assert len(words) > 6
    word = words[5]
    stopped = reply(engine, STORY, GenerationParams(temperature=0.0, max_tokens=40,
                                                    stop=("never-there", word)))
    assert stopped.finish_reason == "stop"
    assert stopped.text == free.text[: free.text.index(word)]
    assert stopped.completion_tokens < free.completion_tokens


def test_a_trailing_assistant_turn_is_continued(engine: EngineProcess) -> None:
    # No repeat penalty: llama.cpp counts only sampled tokens for it, not the prompt's.
    greedy = GenerationParams(temperature=0.0, repeat_penalty=1.0, max_tokens=48)
    full = reply(engine, STORY, greedy)
    # Cut before a word (its leading space starts a token), where the text's tokens are the
    # ones the model wrote.
    cut = full.text.index(" ", len(full.text) // 3)
    head = full.text[:cut]
    pieces: list[str] = []
    more = engine.generate(
        [*STORY, ChatTurn("assistant", head)],
        GenerationParams(temperature=0.0, repeat_penalty=1.0, max_tokens=16),
        pieces.append,
    ).future.result(TIMEOUT)
    assert more.finish_reason in ("stop", "length"), more.error
    assert more.text == "".join(pieces)
    assert more.text and not more.text.startswith(head)  # only the new part
    assert more.prompt_tokens > full.prompt_tokens  # the head is in the prompt
    assert (head + more.text) == full.text[: len(head) + len(more.text)]


def test_progress_moves_while_the_reply_streams(engine: EngineProcess) -> None:
    seen: list[GenerationProgress] = []
    texts: list[str] = []
    threads: set[str] = set()

    def progress(update: GenerationProgress) -> None:
        seen.append(update)
        threads.add(threading.current_thread().name)

    outcome = engine.generate(
        STORY, GenerationParams(seed=2, max_tokens=80), texts.append, on_progress=progress
    ).future.result(TIMEOUT)
    assert outcome.finish_reason in ("stop", "length"), outcome.error
    assert seen[0].completion_tokens == 0  # sent once the prompt is ready, before any text
    assert {p.prompt_tokens for p in seen} == {outcome.prompt_tokens}
    assert {p.n_ctx for p in seen} == {2048}
    assert {p.dropped_turns for p in seen} == {0}
    counts = [p.completion_tokens for p in seen]
    assert counts == sorted(counts) and len(set(counts)) > 2
    assert outcome.completion_tokens <= counts[-1] <= outcome.completion_tokens + 1
    assert threads == {"engine-reader"}


def long_history(turns: int) -> list[ChatTurn]:
    history = [ChatTurn("system", "You are a helpful assistant.")]
    for turn in range(turns):
        history.append(ChatTurn("user", f"Question {turn}: tell me about the number {turn}."))
        history.append(ChatTurn("assistant", f"The number {turn} is a fine number. " * 4))
    history.append(ChatTurn("user", "Thanks! What is 2 + 2?"))
    return history


def test_overflow_stop_refuses_and_drop_oldest_says_what_it_dropped(model_path: Path) -> None:
    engine = EngineProcess()
    try:
        engine.load(model_path, LoadSettings(n_ctx=512)).result(timeout=TIMEOUT)
        history = long_history(30)
        refused = engine.generate(
            history, GenerationParams(seed=1, max_tokens=32), lambda _p: None, overflow="stop"
        ).future.result(TIMEOUT)
        assert refused.finish_reason == "error"
        assert refused.text == ""
        assert refused.error is not None
        assert "no longer fits" in refused.error and "start a new chat" in refused.error.lower()
        assert "dropping old messages in Settings" in refused.error

        seen: list[GenerationProgress] = []
        dropped = engine.generate(
            history, GenerationParams(seed=1, max_tokens=32), lambda _p: None,
            on_progress=seen.append,
        ).future.result(TIMEOUT)
        assert dropped.finish_reason in ("stop", "length"), dropped.error
        assert 0 < dropped.dropped_turns < 61
        assert dropped.dropped_turns % 2 == 0  # whole exchanges: never a reply without its question
        assert {p.dropped_turns for p in seen} == {dropped.dropped_turns}
        # A conversation that fits is answered whatever the strategy.
        short = engine.generate(
            long_history(1), GenerationParams(seed=1, max_tokens=8), lambda _p: None,
            overflow="stop",
        ).future.result(TIMEOUT)
        assert short.finish_reason in ("stop", "length") and short.dropped_turns == 0
    finally:
        engine.shutdown()


def test_count_tokens_answers_beside_a_streaming_reply(engine: EngineProcess) -> None:
    sentence = "Hello world, how are you?"
    texts = ["", "Hello", sentence, (sentence + " ") * 50, "语言模型"]
    started = threading.Event()
    generation = engine.generate(
        STORY, GenerationParams(seed=3, max_tokens=2000), lambda _p: started.set()
    )
    try:
        assert started.wait(TIMEOUT)
        counts = engine.count_tokens(texts).result(TIMEOUT)
        assert not generation.future.done()  # it did not wait for the reply
    finally:
        generation.cancel()
    generation.future.result(TIMEOUT)
    assert counts[0] == 0
    assert 0 < counts[1] < counts[2] < counts[3]
    assert counts[4] > 0
    # Counts of plain text have no template around them, unlike a prompt's.
    prompt = engine.count_prompt_tokens([ChatTurn("user", texts[2])]).result(TIMEOUT)
    assert prompt > counts[2]
