"""How long the GUI event loop goes unserved while a reply streams into the real main window.

The window is the app's own (``create_main_window``, offscreen), over a real ChatService and
its engine process with the app's default load settings (threads: one per core). Once the
model is Ready, a 1 ms precise QTimer ticks on the GUI thread and every tick's time is kept;
a gap is the time between two ticks, so an idle loop shows gaps of about 1 ms and anything the
GUI thread does (or waits for) between ticks shows as a longer one. A long story is then typed
into the message box and sent with the Send button, as a user would.

Per reply it reports the gaps in three phases: the prompt (send to first text), streaming
(first text to ``replyFinished``; this is the figure the goal is about) and the second after
it (the window reopens the conversation). Then the same window is left idle for as long as the
reply streamed, with the same timer: the baseline, measured in the same run, alternating with
the replies.

The engine process may lower its own priority by ``host.ENGINE_NICENESS`` (0 today: this
benchmark showed the window needs no help). ``--niceness`` runs the benchmark with each value
given (a fresh window and engine for each, in turn): the default compares the engine as it is
with one at a lower priority (+5), which shows what a lower priority would buy.

Goal: the longest gap while a reply streams stays under 50 ms. The exit status is 0 whatever
the figures, non-zero only when something broke.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/gui_latency.py [--replies 2]
        [--max-tokens 400] [--niceness 0 5] [--threads N] [--model PATH] [--rounds 1]
"""

from __future__ import annotations

import argparse
import bisect
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import psutil
from common import LONG_PROMPT, BenchError, threads_left_running  # bench/common.py
from PySide6.QtCore import QEventLoop, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QPlainTextEdit, QPushButton

from desktop_llm.app import create_main_window
from desktop_llm.bundled_model import default_model_path
from desktop_llm.engine import protocol
from desktop_llm.engine.host import ENGINE_NICENESS
from desktop_llm.engine.machine import default_threads
from desktop_llm.engine.types import GenerationParams, LoadSettings
from desktop_llm.errors import DesktopLLMError
from desktop_llm.paths import HOME_ENV, app_paths
from desktop_llm.settings import Settings, save_settings
from desktop_llm.storage import MessageRecord
from desktop_llm.ui.main_window import MainWindow

PROMPT = LONG_PROMPT
GOAL_MS = 50.0
MODEL_READY_S = 180.0
REPLY_TIMEOUT_S = 600.0
AFTER_S = 1.0  # how long the "after" phase watches the window once the reply has finished
SETTLE_S = 1.0  # quiet time before each measurement


class TickRecorder(QObject):
    """A precise timer (1 ms) on the GUI thread; keeps the perf_counter time of every tick."""

    def __init__(self, interval_ms: int = 1) -> None:
        super().__init__()
        self.stamps: list[float] = []
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        self.stamps.append(time.perf_counter())

    def start(self) -> None:
        self.stamps = []
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def gaps_ms(self, start: float, end: float) -> list[float]:
        """The intervals between consecutive ticks that overlap [start, end]: the loop's
        longest stall in a phase counts even when it began before the phase or ended after
        it (such an interval then counts in both phases)."""
        stamps = self.stamps
        first = max(0, bisect.bisect_left(stamps, start) - 1)
        last = min(len(stamps) - 1, bisect.bisect_right(stamps, end))
        gaps = [(stamps[i + 1] - stamps[i]) * 1000 for i in range(first, last)]
        if not gaps:
            raise BenchError("the tick recorder has no ticks around a phase")
        return gaps


@dataclass(frozen=True)
class GapStats:
    count: int
    p50: float
    p99: float
    max: float
    over_16: int
    over_50: int

    @classmethod
    def of(cls, gaps: list[float]) -> GapStats:
        ordered = sorted(gaps)
        return cls(
            count=len(ordered),
            p50=_nearest_rank(ordered, 0.50),
            p99=_nearest_rank(ordered, 0.99),
            max=ordered[-1],
            over_16=sum(gap > 16.7 for gap in ordered),
            over_50=sum(gap > GOAL_MS for gap in ordered),
        )

    def __str__(self) -> str:
        return (
            f"p50 {self.p50:5.2f}  p99 {self.p99:6.2f}  max {self.max:7.2f} ms"
            f"  (>16.7 ms: {self.over_16}, >50 ms: {self.over_50}, of {self.count})"
        )


def _nearest_rank(ordered: list[float], quantile: float) -> float:
    index = max(0, min(len(ordered) - 1, round(quantile * len(ordered) + 0.5) - 1))
    return ordered[index]


@dataclass
class ReplyTimes:
    sent: float = 0.0
    first_text: float | None = None
    done: float | None = None
    record: MessageRecord | None = None
    failure: str | None = None


@dataclass
class VariantResult:
    niceness: int
    prompt: list[float] = field(default_factory=list)
    streaming: list[float] = field(default_factory=list)
    after: list[float] = field(default_factory=list)
    idle: list[float] = field(default_factory=list)
    rates: list[float] = field(default_factory=list)


def run_until(predicate: Callable[[], bool], timeout_s: float) -> bool:
    """Run the GUI event loop until ``predicate()`` holds (checked every 5 ms) or time is up."""
    if predicate():
        return True
    deadline = time.monotonic() + timeout_s
    loop = QEventLoop()
    met = False

    def check() -> None:
        nonlocal met
        if predicate():
            met = True
            loop.quit()
        elif time.monotonic() >= deadline:
            loop.quit()

    poll = QTimer()
    poll.timeout.connect(check)
    poll.start(5)
    loop.exec()
    poll.stop()
    return met


def run_for(seconds: float) -> None:
    """Run the GUI event loop, with nothing else to do, for ``seconds``."""
    loop = QEventLoop()
    QTimer.singleShot(round(seconds * 1000), loop.quit)
    loop.exec()


@contextmanager
def engine_niceness(niceness: int) -> Iterator[None]:
    """Start engine processes that lower their priority by ``niceness`` instead of
    ``ENGINE_NICENESS`` (the host reads the constant when it starts)."""
    if niceness == ENGINE_NICENESS:
        yield  # the engine exactly as the app starts it
        return
    original = protocol.host_command
    code = (
        "import sys, desktop_llm.engine.host as host; "
        f"host.ENGINE_NICENESS = {niceness}; sys.exit(host.main())"
    )
    protocol.host_command = lambda: [sys.executable, "-c", code]  # type: ignore[assignment]
    try:
        yield
    finally:
        protocol.host_command = original  # type: ignore[assignment]


def measure_variant(args: argparse.Namespace, niceness: int, home: Path) -> VariantResult:
    """One window and engine; ``args.replies`` replies, each followed by an idle baseline."""
    os.environ[HOME_ENV] = str(home)
    paths = app_paths().ensure()
    params = replace(GenerationParams(), seed=args.seed, max_tokens=args.max_tokens)
    save_settings(
        Settings(
            load=LoadSettings(n_threads=args.threads),
            generation=params,
            default_model=str(args.model) if args.model else None,
        ),
        paths.settings_file,
    )
    result = VariantResult(niceness)
    with engine_niceness(niceness):
        window = create_main_window(paths)
    try:
        window.show()
        if not run_until(lambda: window.model_state.text() == "Ready", MODEL_READY_S):
            raise BenchError(f"the model was not Ready within {MODEL_READY_S:.0f} s "
                             f"(state: {window.model_state.text()!r})")
        pid = window.bridge.service.engine_pid
        loaded = window.bridge.service.loaded_model
        own = psutil.Process().nice()
        engine_nice = psutil.Process(pid).nice() if pid else None
        print(
            f"\nengine niceness +{niceness}: engine pid {pid} at nice {engine_nice} (window at"
            f" {own}); threads {loaded.settings.n_threads if loaded else '?'}"
            f" (None = the app's default, {default_threads()}); safe mode"
            f" {loaded.safe_mode if loaded else '?'}",
            flush=True,
        )
        recorder = TickRecorder(args.tick_ms)
        for index in range(1, args.replies + 1):
            times = one_reply(window, recorder)
            record = times.record
            assert record is not None and times.first_text is not None and times.done is not None
            prompt = recorder.gaps_ms(times.sent, times.first_text)
            streaming = recorder.gaps_ms(times.first_text, times.done)
            after = recorder.gaps_ms(times.done, times.done + AFTER_S)
            streamed_s = times.done - times.first_text
            # The baseline: the same window, idle, for as long as the reply streamed.
            run_for(SETTLE_S)
            recorder.start()
            idle_from = time.perf_counter()
            run_for(streamed_s)
            idle_to = time.perf_counter()
            recorder.stop()
            idle = recorder.gaps_ms(idle_from, idle_to)
            result.prompt += prompt
            result.streaming += streaming
            result.after += after
            result.idle += idle
            if record.tokens_per_second:
                result.rates.append(record.tokens_per_second)
            ttft = record.time_to_first_token
            print(
                f"reply {index}: {record.completion_tokens} tokens ({record.finish_reason}),"
                f" {record.tokens_per_second or 0:.1f} tok/s, first text after"
                f" {(times.first_text - times.sent) * 1000:.0f} ms (engine:"
                f" {ttft * 1000 if ttft else 0:.0f} ms), streamed for {streamed_s:.1f} s\n"
                f"  prompt     {GapStats.of(prompt)}\n"
                f"  streaming  {GapStats.of(streaming)}\n"
                f"  after 1 s  {GapStats.of(after)}\n"
                f"  idle       {GapStats.of(idle)}",
                flush=True,
            )
    finally:
        window.close()
        # closeEvent hides the window and stops the engine on a thread; the loop must run to
        # take the "done" signal that lets the window close for good.
        if not run_until(lambda: window.wait_for_shutdown(0.01), 60):
            print("the window did not shut down within 60 s", file=sys.stderr)
        run_for(0.1)
    return result


def one_reply(window: MainWindow, recorder: TickRecorder) -> ReplyTimes:
    """Type the prompt, click Send and run the loop until the reply has finished, the
    tick recorder running from just before the click to ``AFTER_S`` after the end."""
    window.start_new_chat()
    run_for(SETTLE_S)
    box = window.findChild(QPlainTextEdit, "messageInput")
    send = window.findChild(QPushButton, "sendButton")
    if box is None or send is None:
        raise BenchError("no messageInput or sendButton in the window")
    times = ReplyTimes()
    bridge = window.bridge

    def on_text(_request_id: int, _text: str) -> None:
        if times.first_text is None:
            times.first_text = time.perf_counter()

    def on_finished(_request_id: int, record: MessageRecord) -> None:
        times.done, times.record = time.perf_counter(), record

    def on_failed(_request_id: int, message: str) -> None:
        times.done, times.failure = time.perf_counter(), message

    bridge.replyText.connect(on_text)
    bridge.replyFinished.connect(on_finished)
    bridge.replyFailed.connect(on_failed)
    try:
        box.setPlainText(PROMPT)
        recorder.start()
        times.sent = time.perf_counter()
        send.click()
        finished = run_until(lambda: times.done is not None, REPLY_TIMEOUT_S)
        if finished:
            run_for(AFTER_S)
        recorder.stop()
    finally:
        bridge.replyText.disconnect(on_text)
        bridge.replyFinished.disconnect(on_finished)
        bridge.replyFailed.disconnect(on_failed)
    if not finished:
        raise BenchError(f"the reply did not finish within {REPLY_TIMEOUT_S:.0f} s")
    if times.failure is not None or times.record is None:
        raise BenchError(f"the reply failed: {times.failure}")
    if times.record.finish_reason not in ("stop", "length"):
        raise BenchError(f"the reply ended as {times.record.finish_reason}: {times.record.error}")
    if times.first_text is None:
        raise BenchError("the reply finished without any text")
    return times


def summarise(results: list[VariantResult]) -> None:
    print("\nsummary (all replies of each variant together)", flush=True)
    for niceness in dict.fromkeys(result.niceness for result in results):
        mine = [result for result in results if result.niceness == niceness]
        streaming = [gap for result in mine for gap in result.streaming]
        idle = [gap for result in mine for gap in result.idle]
        prompt = [gap for result in mine for gap in result.prompt]
        after = [gap for result in mine for gap in result.after]
        rates = [rate for result in mine for rate in result.rates]
        worst = max(streaming)
        label = "as the app runs it" if niceness == ENGINE_NICENESS else "changed for this run"
        print(
            f"engine niceness +{niceness} ({label}), {len(rates)} replies,"
            f" median {statistics.median(rates) if rates else 0:.1f} tok/s\n"
            f"  streaming  {GapStats.of(streaming)}\n"
            f"  idle       {GapStats.of(idle)}\n"
            f"  prompt     {GapStats.of(prompt)}\n"
            f"  after 1 s  {GapStats.of(after)}\n"
            f"  longest gap while streaming: {worst:.1f} ms; goal < {GOAL_MS:.0f} ms:"
            f" {'met' if worst < GOAL_MS else 'NOT met'}",
            flush=True,
        )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replies", type=int, default=2, help="replies per window (2)")
    parser.add_argument("--rounds", type=int, default=1, help="windows per niceness (1)")
    parser.add_argument("--max-tokens", type=int, default=400, help="reply length cap (400)")
    parser.add_argument(
        "--niceness",
        type=int,
        nargs="+",
        default=[ENGINE_NICENESS, 5],
        help=f"engine niceness values to run, in turn ({ENGINE_NICENESS} = as is, and 5)",
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="llama.cpp threads (the app's default)"
    )
    parser.add_argument(
        "--model",
        type=Path,
        default=None,
        help=f"GGUF file (the bundled model, {default_model_path().name})",
    )
    parser.add_argument("--seed", type=int, default=1234, help="sampling seed")
    parser.add_argument(
        "--tick-ms", type=int, default=1, help="the recorder's timer interval (1 ms)"
    )
    args = parser.parse_args(argv)
    if args.replies < 1 or args.rounds < 1 or args.max_tokens < 2 or args.tick_ms < 1:
        parser.error("--replies, --rounds and --tick-ms must be at least 1, --max-tokens 2")
    if any(value < 0 for value in args.niceness):
        parser.error("--niceness cannot raise the engine's priority above the app's")
    if args.model is not None:
        args.model = args.model.expanduser().resolve()
        if not args.model.is_file():
            parser.error(f"no model at {args.model}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication([sys.argv[0]])
    print(
        f"platform {app.platformName()}; {psutil.cpu_count()} CPUs; tick {args.tick_ms} ms"
        f" (precise timer); max_tokens {args.max_tokens}; engine niceness {args.niceness}\n"
        "load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()),
        flush=True,
    )
    status = 0
    results: list[VariantResult] = []
    with tempfile.TemporaryDirectory(prefix="desktop-llm-bench-gui-") as folder:
        try:
            for round_index in range(args.rounds):
                for niceness in args.niceness:
                    home = Path(folder) / f"round{round_index}-nice{niceness}"
                    results.append(measure_variant(args, niceness, home))
            summarise(results)
        except (BenchError, DesktopLLMError) as error:
            print(f"benchmark failed: {error}", file=sys.stderr)
            status = 1
    print("load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()), flush=True)
    if threads_left_running():
        status = 1
    del app
    return status


if __name__ == "__main__":
    sys.exit(main())
