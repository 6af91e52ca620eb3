"""Time from an engine crash to the next answered message, through the app's ChatService.

The engine process (llama.cpp's process, ``desktop_llm.engine.host``) is killed with SIGKILL
while it streams a long reply, the harshest crash there is: no exit handler runs and the pipe
simply closes. The app must notice, keep the text that had streamed (the reply ends as
``error``), and answer the next message by starting a new engine and loading the model again
by itself. As soon as the cut-off reply has settled (the earliest moment a user could send
again), the next question is sent; the script reports the time from the kill

  - to the cut-off reply being settled (the app knows the engine is gone),
  - to the next reply's first text (new process, model load, prompt), and
  - to the next reply being complete,

against the same question answered by a warm engine in the same run (alternating: warm
question, crash, question after the crash, ...). The question is the same, with the same
seed, in a new conversation each time, so both answers should be the same text.

The exit status is 0 whatever the figures, non-zero only when something broke (a reply that
failed, an engine that did not come back).

    .venv/bin/python bench/crash_recovery.py [--crashes 3] [--max-tokens 64] [--threads N]
        [--model PATH] [--seed 1234]
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import psutil
from common import LONG_PROMPT, BenchError, run_in_temporary_home  # bench/common.py

from desktop_llm.bundled_model import default_model_path
from desktop_llm.chat.service import ChatService
from desktop_llm.engine.client import EngineEvent
from desktop_llm.engine.machine import default_threads
from desktop_llm.engine.types import GenerationParams, LoadSettings
from desktop_llm.paths import app_paths
from desktop_llm.settings import Settings, save_settings
from desktop_llm.storage import MessageRecord

QUESTION = "What is the capital of France? Answer in two sentences."
# Long enough that the kill lands well inside the reply.
LONG_TOKENS = 400
# How long the long reply streams before the kill.
STREAM_BEFORE_KILL_S = 0.5
LOAD_TIMEOUT_S = 180.0
REPLY_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class Answer:
    sent: float
    first_text: float | None
    done: float
    record: MessageRecord

    @property
    def to_first_text(self) -> float | None:
        return None if self.first_text is None else self.first_text - self.sent

    @property
    def to_done(self) -> float:
        return self.done - self.sent


@dataclass(frozen=True)
class Recovery:
    killed: float
    settled: float  # the cut-off reply's ``done`` resolved
    event: float | None  # the "stopped" engine event reached the service's listeners
    cut_off: MessageRecord
    answer: Answer
    old_pid: int
    new_pid: int | None

    def since_kill(self, at: float | None) -> float | None:
        return None if at is None else at - self.killed


def ask(
    service: ChatService,
    text: str,
    params: GenerationParams,
    on_first_text: Callable[[], None] | None = None,
) -> tuple[float, Callable[[], Answer]]:
    """Send ``text`` in a new conversation; returns the send time and a function that waits
    for the reply and times it (first text and completion, where the service reports them)."""
    first: list[float] = []
    done_at: list[float] = []

    def on_text(_piece: str) -> None:
        if not first:
            first.append(time.perf_counter())
            if on_first_text is not None:
                on_first_text()

    sent = time.perf_counter()
    reply = service.send(None, text, params=params, on_text=on_text)
    reply.done.add_done_callback(lambda _done: done_at.append(time.perf_counter()))

    def wait() -> Answer:
        record = reply.done.result(timeout=REPLY_TIMEOUT_S)
        return Answer(sent, first[0] if first else None, done_at[0], record)

    return sent, wait


def answered(answer: Answer, what: str) -> Answer:
    record = answer.record
    if record.finish_reason not in ("stop", "length") or answer.first_text is None:
        raise BenchError(f"{what} ended as {record.finish_reason!r}: {record.error}")
    return answer


def crash_and_ask(
    service: ChatService, params: GenerationParams, events: list[tuple[float, EngineEvent]]
) -> Recovery:
    """Kill the engine mid-reply, then ask the question as soon as the app has settled."""
    streaming = threading.Event()
    long_params = replace(params, max_tokens=LONG_TOKENS)
    _sent, wait_long = ask(service, LONG_PROMPT, long_params, streaming.set)
    if not streaming.wait(REPLY_TIMEOUT_S):
        raise BenchError("the long reply never started streaming")
    time.sleep(STREAM_BEFORE_KILL_S)
    pid = service.engine_pid
    if pid is None:
        raise BenchError("no engine process to kill")
    events.clear()
    killed = time.perf_counter()
    os.kill(pid, signal.SIGKILL)
    cut = wait_long()
    if cut.record.finish_reason != "error":
        raise BenchError(
            f"the long reply ended as {cut.record.finish_reason!r} (it had finished before "
            "the kill: raise LONG_TOKENS)"
        )
    if not cut.record.content:
        raise BenchError("the cut-off reply kept none of the text that had streamed")
    _sent, wait_next = ask(service, QUESTION, params)
    answer = answered(wait_next(), "the question after the crash")
    event = next((at for at, e in events if e.kind == "stopped"), None)
    return Recovery(killed, cut.done, event, cut.record, answer, pid, service.engine_pid)


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:7.0f}"


def bench(args: argparse.Namespace) -> int:
    paths = app_paths().ensure()
    params = replace(GenerationParams(), seed=args.seed, max_tokens=args.max_tokens)
    load = LoadSettings(n_threads=args.threads)
    save_settings(Settings(load=load, generation=params), paths.settings_file)
    service = ChatService.open(paths)
    events: list[tuple[float, EngineEvent]] = []
    service.add_engine_listener(lambda event: events.append((time.perf_counter(), event)))
    try:
        started = time.perf_counter()
        loaded = service.load_model(args.model).result(timeout=LOAD_TIMEOUT_S)
        first_load = time.perf_counter() - started
        print(
            f"model {args.model.name}: n_ctx={loaded.n_ctx} threads"
            f" {load.n_threads or default_threads()} safe mode {loaded.safe_mode};"
            f" engine start + first load {first_load:.2f} s\n"
            f"question: {QUESTION!r}, max_tokens={params.max_tokens}, seed={params.seed}\n"
            f"the kill: SIGKILL {STREAM_BEFORE_KILL_S:.1f} s into a reply of up to"
            f" {LONG_TOKENS} tokens\n"
            "load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()),
            flush=True,
        )
        # Warm-up: page cache, template compilation, the first decode.
        answered(ask(service, QUESTION, params)[1](), "the warm-up question")
        print(
            "\nall times in ms. warm: the question to a warm engine (send -> first text, send"
            " -> done);\nafter crash: from the kill -> the cut-off reply settled, -> the"
            " 'stopped' event,\n-> the next reply's first text, -> it is done (and its own"
            " send -> first text)\n\n"
            "run       warm first  warm done | settled   event  1st text    done  send->1st"
            "  tokens  same",
            flush=True,
        )
        warm: list[Answer] = []
        recoveries: list[Recovery] = []
        for index in range(1, args.crashes + 1):
            baseline = answered(ask(service, QUESTION, params)[1](), "the warm question")
            recovery = crash_and_ask(service, params, events)
            if recovery.new_pid in (None, recovery.old_pid):
                raise BenchError("the question after the crash did not run in a new engine")
            if psutil.pid_exists(recovery.old_pid):
                status = psutil.Process(recovery.old_pid).status()
                if status != psutil.STATUS_ZOMBIE:
                    raise BenchError(f"the killed engine {recovery.old_pid} is {status}")
            warm.append(baseline)
            recoveries.append(recovery)
            answer = recovery.answer
            same = answer.record.content == baseline.record.content
            print(
                f"crash {index:<3} {_ms(baseline.to_first_text)}    {_ms(baseline.to_done)} |"
                f" {_ms(recovery.since_kill(recovery.settled))} "
                f"{_ms(recovery.since_kill(recovery.event))}   "
                f"{_ms(recovery.since_kill(answer.first_text))} "
                f"{_ms(recovery.since_kill(answer.done))}    {_ms(answer.to_first_text)}"
                f"  {answer.record.completion_tokens:>6}  {'yes' if same else 'NO'}",
                flush=True,
            )
        summarise(warm, recoveries)
    finally:
        service.close()
    return 0


def summarise(warm: list[Answer], recoveries: list[Recovery]) -> None:
    def median(values: list[float | None]) -> float:
        present = [value for value in values if value is not None]
        return statistics.median(present) if present else float("nan")

    warm_first = median([a.to_first_text for a in warm])
    warm_done = median([a.to_done for a in warm])
    settled = median([r.since_kill(r.settled) for r in recoveries])
    first = median([r.since_kill(r.answer.first_text) for r in recoveries])
    done = median([r.since_kill(r.answer.done) for r in recoveries])
    kept = median([len(r.cut_off.content) for r in recoveries])
    print(
        f"\nmedians of {len(recoveries)} crashes (s):\n"
        f"  warm engine: send -> first text {warm_first:.3f}, send -> done {warm_done:.3f}\n"
        f"  kill -> cut-off reply settled {settled:.3f} (it kept a median of {kept:.0f}"
        " characters)\n"
        f"  kill -> next reply's first text {first:.3f} (warm: {warm_first:.3f}; the"
        f" difference, {first - warm_first:.3f}, is the crash's cost: notice, new engine,"
        " model load)\n"
        f"  kill -> next answered message {done:.3f} (warm: {warm_done:.3f})\n"
        "load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()),
        flush=True,
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--crashes", type=int, default=3, help="crashes to time (3)")
    parser.add_argument(
        "--max-tokens", type=int, default=64, help="cap on the question's answer (64)"
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="llama.cpp threads (the app's default)"
    )
    parser.add_argument(
        "--model", type=Path, default=default_model_path(), help="GGUF file (the bundled model)"
    )
    parser.add_argument("--seed", type=int, default=1234, help="sampling seed")
    parser.add_argument("--log", action="store_true", help="print the app's warnings too")
    args = parser.parse_args(argv)
    if args.crashes < 1 or args.max_tokens < 1:
        parser.error("--crashes and --max-tokens must be at least 1")
    args.model = args.model.expanduser().resolve()
    if not args.model.is_file():
        parser.error(f"no model at {args.model}")
    return args


def main(argv: list[str] | None = None) -> int:
    if not hasattr(signal, "SIGKILL"):
        print("this benchmark needs SIGKILL (Linux or macOS)", file=sys.stderr)
        return 1
    args = parse_args(argv)
    # The app logs every crash at ERROR with the engine's last lines; this script checks the
    # outcomes itself, so the expected crashes are not printed (--log prints them).
    if not args.log:
        logging.getLogger("desktop_llm").addHandler(logging.NullHandler())
    return run_in_temporary_home("desktop-llm-bench-crash-", lambda: bench(args))


if __name__ == "__main__":
    sys.exit(main())
