"""Time to first token of a follow-up in a long conversation, with and without a saved state.

A conversation of about 1,500 tokens is answered once by an engine process that keeps its
states in a folder (``EngineProcess(state_dir=...)``), which then exits, as the app does when
it closes. Then, in pairs: a freshly started engine process with that folder answers a
follow-up question (it loads the saved state and reads only the new turn), and a freshly
started engine process with no saved state answers the same follow-up (it reads the whole
conversation). The time to first token is measured in this process, from the request to the
first text, the model already loaded in both. Both sides use greedy sampling and must write
the same reply: a state that changes the answer is a bug, not a speed-up.

The figure reported is the ratio of the medians (goal: at least 4). A benchmark reports: the
exit status is 0 whatever the ratio, and non-zero only when something broke.

    .venv/bin/python bench/resume.py [--pairs 3] [--tokens 1500] [--model PATH] [--n-ctx 4096]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path

from common import BenchError, run_in_temporary_home  # bench/common.py

from desktop_llm.bundled_model import default_model_path
from desktop_llm.engine.client import EngineProcess
from desktop_llm.engine.types import ChatTurn, GenerationParams, GenerationResult, LoadSettings
from desktop_llm.paths import app_paths

GOAL = 4.0
LOAD_TIMEOUT_S = 120.0
REPLY_TIMEOUT_S = 600.0
PARAMS = GenerationParams(temperature=0.0, max_tokens=32)
FOLLOW_UP = "Thank you. Which of these points matters most, and why?"


def build_conversation(engine: EngineProcess, tokens: int) -> list[ChatTurn]:
    """System prompt and exchanges about bread until the prompt is about ``tokens`` long."""
    turns = [ChatTurn("system", "You are a helpful assistant who knows the history of food.")]
    round_ = 0
    while True:
        candidate = [
            *turns,
            ChatTurn("user", f"Question {round_}: how did bakers in town number {round_} work, "
                             "which flour did they use and how hot were their ovens?"),
            ChatTurn("assistant", f"In town {round_} the bakers rose at three, mixed rye and "
                                  "wheat flour, kneaded by hand and fired brick ovens with wood "
                                  "until a handful of flour browned in ten seconds. " * 2),
        ]
        question = [*candidate, ChatTurn("user", "Summarize what we said.")]
        if engine.count_prompt_tokens(question).result(LOAD_TIMEOUT_S) > tokens:
            return [*turns, ChatTurn("user", "Summarize what we said.")]
        turns = candidate
        round_ += 1


def timed_reply(engine: EngineProcess, turns: list[ChatTurn]) -> tuple[float, GenerationResult]:
    first_text = threading.Event()
    started = time.perf_counter()
    first: list[float] = []

    def on_text(_piece: str) -> None:
        if not first:
            first.append(time.perf_counter() - started)
            first_text.set()

    outcome = engine.generate(turns, PARAMS, on_text).future.result(REPLY_TIMEOUT_S)
    if outcome.finish_reason not in ("stop", "length") or not first:
        raise BenchError(f"a reply failed: {outcome.finish_reason} {outcome.error or ''}")
    return first[0], outcome


def fresh_engine(model: Path, settings: LoadSettings, state_dir: Path | None) -> EngineProcess:
    engine = EngineProcess(state_dir=state_dir)
    engine.load(model, settings).result(LOAD_TIMEOUT_S)
    return engine


def bench(args: argparse.Namespace) -> int:
    model = Path(args.model) if args.model else default_model_path()
    settings = LoadSettings(n_ctx=args.n_ctx)
    state_dir = app_paths().ensure().model_states_dir

    first = fresh_engine(model, settings, state_dir)
    try:
        history = build_conversation(first, args.tokens)
        _ttft, opening = timed_reply(first, history)
    finally:
        first.shutdown()  # writes the state, as closing the app does
    follow_up = [*history, ChatTurn("assistant", opening.text), ChatTurn("user", FOLLOW_UP)]
    print(f"conversation: {opening.prompt_tokens} prompt tokens and a reply of "
          f"{opening.completion_tokens}; then a follow-up question")

    warm_times: list[float] = []
    cold_times: list[float] = []
    for pair in range(args.pairs):
        # Each run starts from the folder as the first engine left it: a warm run's own
        # state (which holds this very follow-up) must not serve the next one.
        run_dir = state_dir.with_name(f"states-run-{pair}")
        shutil.copytree(state_dir, run_dir)
        for label, folder, times in (("saved state", run_dir, warm_times),
                                     ("no state", None, cold_times)):
            engine = fresh_engine(model, settings, folder)
            try:
                ttft, outcome = timed_reply(engine, follow_up)
            finally:
                engine.shutdown()
            times.append(ttft)
            if label == "saved state":
                warm = outcome
            elif outcome.text != warm.text:
                raise BenchError("the reply with the saved state differs from the one without")
            print(f"pair {pair + 1} {label:>11}: first token after {ttft * 1000:7.0f} ms "
                  f"({outcome.reused_tokens} of {outcome.prompt_tokens} prompt tokens reused)")

    warm_ms = statistics.median(warm_times) * 1000
    cold_ms = statistics.median(cold_times) * 1000
    ratio = cold_ms / warm_ms
    verdict = "meets" if ratio >= GOAL else "misses"
    print(f"time to first token, median of {args.pairs}: with the saved state {warm_ms:.0f} ms, "
          f"without {cold_ms:.0f} ms; {ratio:.1f}x faster ({verdict} the goal of {GOAL:g}x)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=1500)
    parser.add_argument("--model")
    parser.add_argument("--n-ctx", type=int, default=4096)
    args = parser.parse_args()
    return run_in_temporary_home("desktop-llm-bench-resume-", lambda: bench(args))


if __name__ == "__main__":
    sys.exit(main())
