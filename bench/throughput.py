"""Decode throughput of a reply streamed through the app, against bare llama-cpp-python.

The app side is the real path: ChatService queues the reply on the engine worker thread,
ReplyWriter saves it as it streams, and ChatBridge emits ``replyText`` from that thread; the
pieces are counted where a window would see them, in a slot on the GUI thread, until
``replyFinished`` arrives. The bare side is ``Llama.create_chat_completion(stream=True)``
consumed in a plain loop. Both sides load the same model with the same context and threads,
and get the same messages, seed and sampling, so they should produce the same text.

Runs alternate in one process (app, bare, app, bare, ...) so that the load other processes
put on the machine falls on both sides alike; the figure reported is the median of the
per-pair ratios. Every run loads the model afresh, on a thread that ends with the run (the
app's engine thread is its own ChatService's): llama.cpp's OpenMP team belongs to the thread
that calls it, and while a second team is alive libgomp stops spinning between tokens, which
changes the rate by a factor of two or more either way depending on the machine's load. The
app only ever has one team, so each side gets exactly one.

``--threads`` is 1 unless given, not the app's default of all cores: with every core in
llama.cpp's team, any other runnable thread on the machine stalls its spin barriers, and on
a shared machine the rate then swings by a factor of 2 to 10 between runs of the same side,
which buries an overhead of a few percent.

A benchmark reports: the exit status is 0 whatever the ratio, and non-zero only when
something broke (a failed reply, a thread left running).

    .venv/bin/python bench/throughput.py [--pairs 5] [--max-tokens 256] [--model PATH]
        [--threads 1] [--n-ctx 4096] [--seed 1234]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import llama_cpp
from PySide6.QtCore import QEventLoop, QObject, QTimer, Slot
from PySide6.QtWidgets import QApplication

from desktop_llm.bundled_model import default_model_path
from desktop_llm.chat.service import ChatService
from desktop_llm.engine.llama_session import default_threads
from desktop_llm.engine.types import GenerationParams, LoadSettings
from desktop_llm.errors import DesktopLLMError
from desktop_llm.paths import HOME_ENV, AppPaths, app_paths
from desktop_llm.settings import Settings, save_settings
from desktop_llm.storage import MessageRecord
from desktop_llm.ui.chat_bridge import ChatBridge

# Asks for more than --max-tokens so that most replies run to the limit: a long decode phase
# makes the rate less sensitive to a single scheduling hiccup on a shared machine.
PROMPT = (
    "Write a long, detailed story about a lighthouse keeper on a stormy island who finds a "
    "message in a bottle. Describe the sea, the weather, the lighthouse and every day of his "
    "week, in many paragraphs."
)
GOAL = 0.97
# A reply of a few hundred tokens takes seconds; minutes means the app path is stuck.
REPLY_TIMEOUT_S = 300.0
# EngineWorker's default thread name.
ENGINE_THREAD = "llama-worker"


class BenchError(RuntimeError):
    """Something broke; the figures would mean nothing."""


@dataclass(frozen=True)
class Run:
    """One streamed reply, timed where its consumer received the pieces."""

    side: str
    text: str
    pieces: int
    first_at: float | None
    last_at: float | None
    finish: str
    # The app's count of sampled tokens; for the bare side, the text tokenized again.
    tokens: int
    # The app's own figure, measured per sampled token on the engine thread: comparing it
    # with ``rate`` tells engine-thread costs apart from the cost of delivery to the GUI.
    engine_rate: float | None = None

    @property
    def rate(self) -> float | None:
        """Decode tokens per second between the first and the last text the consumer got.

        Tokens, not pieces: the app hands text to the GUI in batches (~30 a second), so its
        pieces are fewer; the first piece is a single token on both sides and the last piece
        arrives when the reply ends, so the same formula measures both.
        """
        if self.first_at is None or self.last_at is None or self.tokens < 2:
            return None
        elapsed = self.last_at - self.first_at
        return (self.tokens - 1) / elapsed if elapsed > 0 else None


class _PieceClock:
    """Keeps each piece with the perf_counter time it reached its consumer."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.stamps: list[float] = []

    def receive(self, piece: str) -> None:
        self.stamps.append(time.perf_counter())
        self.parts.append(piece)

    def run(self, side: str, finish: str, tokens: int, engine_rate: float | None = None) -> Run:
        return Run(
            side=side,
            text="".join(self.parts),
            pieces=len(self.parts),
            first_at=self.stamps[0] if self.stamps else None,
            last_at=self.stamps[-1] if self.stamps else None,
            finish=finish,
            tokens=tokens,
            engine_rate=engine_rate,
        )


class _ReplyCollector(QObject):
    """Stands in for the main window: the bridge's queued signals reach it on the GUI thread."""

    def __init__(self, bridge: ChatBridge) -> None:
        super().__init__()
        self._bridge = bridge
        self._loop: QEventLoop | None = None
        self._request_id: int | None = None
        self._clock = _PieceClock()
        self._record: MessageRecord | None = None
        self._failure: str | None = None
        self._off_gui_thread = False
        # Auto connections, as MainWindow makes them: queued, because the bridge emits these
        # from the engine and storage threads while this object lives on the GUI thread.
        bridge.replyText.connect(self._on_reply_text)
        bridge.replyFinished.connect(self._on_reply_finished)
        bridge.replyFailed.connect(self._on_reply_failed)

    def collect(self, send: Callable[[], int]) -> tuple[_PieceClock, MessageRecord]:
        """Send with ``send`` and run the GUI event loop until the reply has finished."""
        self._clock, self._record, self._failure = _PieceClock(), None, None
        loop = QEventLoop()
        self._loop = loop
        timed_out = False

        def on_timeout() -> None:
            nonlocal timed_out
            timed_out = True
            loop.quit()

        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(on_timeout)
        timer.start(int(REPLY_TIMEOUT_S * 1000))
        # The signals are queued events: none is handled before exec() runs, so none is missed.
        self._request_id = send()
        loop.exec()
        timer.stop()
        self._loop = None
        if timed_out:
            self._bridge.stop(self._request_id)
            raise BenchError(f"no replyFinished within {REPLY_TIMEOUT_S:.0f} s")
        if self._off_gui_thread:
            raise BenchError("replyText reached the slot off the GUI thread")
        if self._failure is not None:
            raise BenchError(f"the app's reply failed: {self._failure}")
        assert self._record is not None  # the loop only quits on finished, failed or timeout
        return self._clock, self._record

    @Slot(int, str)
    def _on_reply_text(self, request_id: int, text: str) -> None:
        if request_id != self._request_id:
            return
        self._clock.receive(text)
        if threading.current_thread() is not threading.main_thread():
            self._off_gui_thread = True

    @Slot(int, object)
    def _on_reply_finished(self, request_id: int, record: MessageRecord) -> None:
        if request_id != self._request_id:
            return
        self._record = record
        if self._loop is not None:
            self._loop.quit()

    @Slot(int, str)
    def _on_reply_failed(self, request_id: int, message: str) -> None:
        if request_id != self._request_id:
            return
        self._failure = message
        if self._loop is not None:
            self._loop.quit()


@dataclass(frozen=True)
class Setup:
    """What both sides share: the model file, how it is loaded, how the reply is sampled."""

    model: Path
    load: LoadSettings
    params: GenerationParams


def run_app(setup: Setup, paths: AppPaths) -> Run:
    """One reply through a freshly opened app: ChatService, its engine thread, ChatBridge.

    The app is opened and closed around every run so that its engine thread, and with it the
    OpenMP team llama.cpp starts on that thread, is gone while the bare side runs.
    """
    service = ChatService.open(paths)
    bridge = ChatBridge(service)
    try:
        service.load_model(setup.model, setup.load).result()
        # A new conversation each run keeps the history (and so the prompt) the same; an
        # empty system prompt makes the turns exactly the bare side's single user message.
        conversation = service.new_conversation(system_prompt="")
        if GenerationParams.from_dict(conversation.settings) != setup.params:
            raise BenchError(f"the app would sample with {conversation.settings}")
        clock, record = _ReplyCollector(bridge).collect(
            lambda: bridge.send(conversation.id, PROMPT)
        )
    finally:
        bridge.shutdown()
    if any(t.name == ENGINE_THREAD for t in threading.enumerate()):
        raise BenchError("the engine thread outlived ChatBridge.shutdown()")
    if record.finish_reason not in ("stop", "length"):
        raise BenchError(f"the app's reply ended as {record.finish_reason!r}: {record.error}")
    tokens = record.completion_tokens or 0
    run = clock.run("app", record.finish_reason, tokens, engine_rate=record.tokens_per_second)
    if run.text != record.content:
        raise BenchError("the text the GUI thread received differs from the text stored")
    return run


def run_bare(setup: Setup) -> Run:
    """One reply from a fresh ``Llama`` on a thread that ends with the run.

    Like the app side, every run loads the model anew and evaluates the whole prompt, and
    llama.cpp's OpenMP team lives on a thread that is gone before the next app run.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="bare-llama") as executor:
        return executor.submit(_bare_reply, setup).result()


def _bare_reply(setup: Setup) -> Run:
    load, params = setup.load, setup.params
    llm = llama_cpp.Llama(
        model_path=str(setup.model),
        n_ctx=load.n_ctx,
        n_gpu_layers=load.n_gpu_layers,
        n_threads=load.n_threads,
        flash_attn=load.flash_attn,
        use_mmap=load.use_mmap,
        verbose=False,
    )
    try:
        clock = _PieceClock()
        finish = "?"
        stream = llm.create_chat_completion(
            messages=[{"role": "user", "content": PROMPT}],
            stream=True,
            temperature=params.temperature,
            top_p=params.top_p,
            top_k=params.top_k,
            min_p=params.min_p,
            repeat_penalty=params.repeat_penalty,
            seed=params.seed,
            max_tokens=params.max_tokens,
        )
        for chunk in stream:
            choice = chunk["choices"][0]
            piece = choice["delta"].get("content")
            if piece:
                clock.receive(piece)
            if choice["finish_reason"]:
                finish = choice["finish_reason"]
        # The stream reports no usage; the reply's text tokenized again counts its tokens.
        text = "".join(clock.parts).encode("utf-8")
        tokens = len(llm.tokenize(text, add_bos=False, special=True))
    finally:
        llm.close()
    return clock.run("bare", finish, tokens)


def _fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def _ratio(app: float | None, bare: float | None) -> float | None:
    return app / bare if app and bare else None


def _print_run(label: str, run: Run, ratio: float | None = None) -> None:
    tail = f"  ratio {_fmt(ratio, '.3f')}" if ratio else ""
    print(
        f"{label:<8} {run.side:<4} {run.pieces:>6} {run.tokens:>6} {run.finish:>6}"
        f" {_fmt(run.rate):>8} {_fmt(run.engine_rate):>8}{tail}",
        flush=True,
    )


def _same_text(app: Run, bare: Run, label: str) -> bool:
    if app.text == bare.text:
        return True
    # zip stops at the shorter text, so "no difference found" means one is a prefix.
    chars = zip(app.text, bare.text, strict=False)
    shorter = min(len(app.text), len(bare.text))
    common = next((i for i, (a, b) in enumerate(chars) if a != b), shorter)
    print(
        f"WARNING {label}: app and bare texts differ (after {common} of "
        f"{len(app.text)}/{len(bare.text)} chars); the ratio compares different work",
        file=sys.stderr,
        flush=True,
    )
    return False


def bench(args: argparse.Namespace) -> int:
    setup = Setup(
        model=args.model.expanduser().resolve(),
        load=LoadSettings(n_ctx=args.n_ctx, n_gpu_layers=0, n_threads=args.threads),
        params=replace(GenerationParams(), seed=args.seed, max_tokens=args.max_tokens),
    )
    if not setup.model.is_file():
        raise BenchError(f"no model at {setup.model}")
    paths = app_paths().ensure()
    # New conversations copy their sampling from the settings, and ChatService.send uses the
    # conversation's copy: this is how the app side gets exactly ``setup.params``.
    save_settings(Settings(generation=setup.params, system_prompt=""), paths.settings_file)

    print(
        f"model {setup.model.name}: n_ctx={setup.load.n_ctx} n_threads={setup.load.n_threads}"
        f" (the app's default: {default_threads()}) n_gpu_layers=0\nsampling: {setup.params}\n"
        f"llama.cpp: {llama_cpp.llama_print_system_info().decode().strip()}\n"
        "load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()),
        flush=True,
    )
    print(
        "\ntok/s: (tokens - 1) / (last - first text), timed where the consumer received it;"
        "\nengine: the app's own tok/s, measured on its engine thread; ratio: app/bare tok/s\n\n"
        "run      side pieces tokens finish    tok/s   engine",
        flush=True,
    )

    def app_then_bare(label: str) -> tuple[Run, Run]:
        app_run, bare_run = run_app(setup, paths), run_bare(setup)
        _print_run(label, app_run)
        _print_run(label, bare_run, _ratio(app_run.rate, bare_run.rate))
        _same_text(app_run, bare_run, label)
        return app_run, bare_run

    # The warm-up pays for first-time costs (page cache, imports, template compilation).
    app_then_bare("warm-up")
    pairs = [app_then_bare(f"pair {index}") for index in range(1, args.pairs + 1)]
    return _summarise(pairs)


def _median(values: Iterable[float | None]) -> float | None:
    present = [value for value in values if value]
    return statistics.median(present) if present else None


def _summarise(pairs: list[tuple[Run, Run]]) -> int:
    ratios = [r for app, bare in pairs if (r := _ratio(app.rate, bare.rate))]
    if not ratios:
        raise BenchError("no pair produced a decode rate on both sides (replies too short?)")
    apps, bares = [app for app, _ in pairs], [bare for _, bare in pairs]
    identical = sum(app.text == bare.text for app, bare in pairs)
    print(
        f"\nmedian tok/s: app {_fmt(_median(r.rate for r in apps))}"
        f" (engine {_fmt(_median(r.engine_rate for r in apps))}),"
        f" bare {_fmt(_median(r.rate for r in bares))}\n"
        f"median tokens: app {statistics.median(r.tokens for r in apps):.0f},"
        f" bare {statistics.median(r.tokens for r in bares):.0f};"
        f" identical text in {identical}/{len(pairs)} pairs\n"
        f"per-pair ratios from {min(ratios):.3f} to {max(ratios):.3f}\n"
        "load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()),
    )
    print(
        f"throughput ratio (app/bare, median of {len(ratios)} pairs): "
        f"{statistics.median(ratios):.2f}  (goal >= {GOAL})",
        flush=True,
    )
    return 0


def _leftover_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t is not threading.main_thread()]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=5, help="measured app/bare pairs (5)")
    parser.add_argument("--max-tokens", type=int, default=256, help="reply length cap (256)")
    parser.add_argument(
        "--model", type=Path, default=default_model_path(), help="GGUF file (the bundled model)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="llama.cpp n_threads for both sides (1; the app's default is half the CPUs)",
    )
    parser.add_argument("--n-ctx", type=int, default=LoadSettings().n_ctx, help="context size")
    parser.add_argument("--seed", type=int, default=1234, help="sampling seed for both sides")
    args = parser.parse_args(argv)
    if args.pairs < 1 or args.max_tokens < 2:
        parser.error("--pairs must be at least 1 and --max-tokens at least 2")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # No screen is needed; the platform is read when the QApplication is created.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication([sys.argv[0]])
    with tempfile.TemporaryDirectory(prefix="desktop-llm-bench-") as home:
        # Everything the app writes (history, settings, logs) goes here, not to the profile.
        os.environ[HOME_ENV] = home
        try:
            status = bench(args)
        except (BenchError, DesktopLLMError) as error:
            print(f"benchmark failed: {error}", file=sys.stderr)
            status = 1
    leftover = _leftover_threads()
    if leftover:
        print(f"threads still running after shutdown: {', '.join(leftover)}", file=sys.stderr)
        status = 1
    del app
    return status


if __name__ == "__main__":
    sys.exit(main())
