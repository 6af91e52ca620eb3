"""Decode throughput of a reply streamed through the app, against bare llama-cpp-python.

The app side is the real path: ChatService sends the reply to the engine process (llama.cpp
in a child process of its own, ``desktop_llm.engine.host``), which batches the text into
pipe messages; ``EngineProcess``'s reader thread hands them to ReplyWriter, which saves them,
and to ChatBridge, which emits ``replyText``; the pieces are counted where a window would
see them, in a slot on the GUI thread, until ``replyFinished`` arrives. The bare side is
``Llama.create_chat_completion(stream=True)`` consumed in a plain loop in this process. Both
sides load the same model with the same context and threads, and get the same messages, seed
and sampling, so they should produce the same text.

Runs alternate in one process (app, bare, app, bare, ...) so that the load other processes
put on the machine falls on both sides alike; the figure reported is the median of the
per-pair ratios. Every run loads the model afresh: the app side opens a ChatService (so a new
engine process) and closes it; the bare side loads on a thread that ends with the run, since
llama.cpp's OpenMP team belongs to the thread that calls it and a team left alive in this
process would compete with the engine's.

The engine process may lower its own priority (``host.ENGINE_NICENESS``, 0 today); the bare
thread runs at the niceness ``--bare-niceness`` gives (0 by default, as the engine).

``--threads`` is 1 unless given, not the app's default of one per core: with every core in
llama.cpp's team, any other runnable thread on the machine stalls its spin barriers, and on
a shared machine the rate then swings by a factor of 2 to 10 between runs of the same side,
which buries an overhead of a few percent.

``--safe-mode`` measures instead what safe mode (llama.cpp's extra buffer types off: no AMX,
no repacked weights) costs in decode speed: normal and safe engine processes alternate
(``EngineProcess(safe_mode=...)``, each loading afresh), on the model and on a Q4_0 copy of it
made with ``llama_model_quantize`` (Q4_0 is the type llama.cpp repacks on most CPUs), unless
``--no-q4-0``.

A benchmark reports: the exit status is 0 whatever the ratio, and non-zero only when
something broke (a failed reply, an engine process or a thread left running).

    .venv/bin/python bench/throughput.py [--pairs 5] [--max-tokens 256] [--model PATH]
        [--threads 1] [--n-ctx 4096] [--seed 1234] [--bare-niceness N]
    .venv/bin/python bench/throughput.py --safe-mode [--no-q4-0] [--pairs 5] ...
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import llama_cpp
import psutil
from common import LONG_PROMPT, BenchError, run_in_temporary_home  # bench/common.py
from PySide6.QtCore import QEventLoop, QObject, QTimer, Slot
from PySide6.QtWidgets import QApplication

from desktop_llm.bundled_model import default_model_path
from desktop_llm.chat.service import ChatService
from desktop_llm.engine.client import EngineProcess
from desktop_llm.engine.host import ENGINE_NICENESS
from desktop_llm.engine.machine import default_threads
from desktop_llm.engine.quantize import QuantizeFailed, quantize_file
from desktop_llm.engine.types import ChatTurn, GenerationParams, LoadSettings
from desktop_llm.paths import AppPaths, app_paths
from desktop_llm.settings import Settings, save_settings
from desktop_llm.storage import MessageRecord
from desktop_llm.ui.chat_bridge import ChatBridge

PROMPT = LONG_PROMPT
GOAL = 0.97
# A reply of a few hundred tokens takes seconds; minutes means the app path is stuck.
REPLY_TIMEOUT_S = 300.0
# Starting the engine process and loading a small model takes seconds.
LOAD_TIMEOUT_S = 120.0


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
    # The app's own figure, measured per sampled token in the engine process: comparing it
    # with ``rate`` tells engine costs apart from the cost of delivery to the consumer.
    engine_rate: float | None = None
    # The engine's time to the first token (prompt evaluation included), when it reports one.
    first_token_s: float | None = None

    @property
    def rate(self) -> float | None:
        """Decode tokens per second between the first and the last text the consumer got.

        Tokens, not pieces: the engine and the app hand text on in batches (~30 a second), so
        the app's pieces are fewer; the first piece is a single token on both sides and the
        last piece arrives when the reply ends, so the same formula measures both.
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

    def run(
        self,
        side: str,
        finish: str,
        tokens: int,
        engine_rate: float | None = None,
        first_token_s: float | None = None,
    ) -> Run:
        return Run(
            side=side,
            text="".join(self.parts),
            pieces=len(self.parts),
            first_at=self.stamps[0] if self.stamps else None,
            last_at=self.stamps[-1] if self.stamps else None,
            finish=finish,
            tokens=tokens,
            engine_rate=engine_rate,
            first_token_s=first_token_s,
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
        # from the engine's reader thread and the storage thread, while this object lives on
        # the GUI thread.
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
    # Added to the bare thread's niceness (Linux: niceness is per thread).
    bare_niceness: int = 0


def run_app(setup: Setup, paths: AppPaths) -> Run:
    """One reply through a freshly opened app: ChatService, its engine process, ChatBridge.

    The app is opened and closed around every run so that its engine process (and the
    OpenMP team llama.cpp starts in it) is gone while the bare side runs.
    """
    service = ChatService.open(paths)
    bridge = ChatBridge(service)
    engine_pid: int | None = None
    try:
        loaded = service.load_model(setup.model, setup.load).result(timeout=LOAD_TIMEOUT_S)
        engine_pid = service.engine_pid
        if loaded.safe_mode:
            raise BenchError("the app's engine loaded in safe mode; the bare side does not")
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
    _check_gone(engine_pid)
    if record.finish_reason not in ("stop", "length"):
        raise BenchError(f"the app's reply ended as {record.finish_reason!r}: {record.error}")
    tokens = record.completion_tokens or 0
    run = clock.run(
        "app",
        record.finish_reason,
        tokens,
        engine_rate=record.tokens_per_second,
        first_token_s=record.time_to_first_token,
    )
    if run.text != record.content:
        raise BenchError("the text the GUI thread received differs from the text stored")
    return run


def _check_gone(pid: int | None) -> None:
    """The engine process must have ended (and been reaped) when the app has shut down."""
    if pid is None:
        return
    try:
        status = psutil.Process(pid).status()
    except psutil.NoSuchProcess:
        return
    raise BenchError(f"engine process {pid} outlived the app's shutdown ({status})")


def run_bare(setup: Setup) -> Run:
    """One reply from a fresh ``Llama`` on a thread that ends with the run.

    Like the app side, every run loads the model anew and evaluates the whole prompt, and
    llama.cpp's OpenMP team lives on a thread that is gone before the next app run.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="bare-llama") as executor:
        return executor.submit(_bare_reply, setup).result()


def _lower_this_thread(niceness: int) -> None:
    """Like the engine's ``_lower_priority``, for this thread only (and threads it starts)."""
    if niceness <= 0 or not sys.platform.startswith("linux"):
        return
    tid = threading.get_native_id()
    os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + niceness)


def _bare_reply(setup: Setup) -> Run:
    _lower_this_thread(setup.bare_niceness)
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
        started = time.perf_counter()
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
    first_token_s = clock.stamps[0] - started if clock.stamps else None
    return clock.run("bare", finish, tokens, first_token_s=first_token_s)


def run_engine(setup: Setup, *, safe_mode: bool) -> Run:
    """One reply from a fresh engine process, normal or in safe mode (for ``--safe-mode``).

    ``EngineProcess`` directly: the app's own client of the engine, without the history and
    the GUI, which both modes would share anyway.
    """
    engine = EngineProcess(safe_mode=safe_mode, retry_in_safe_mode=False)
    side = "safe" if safe_mode else "normal"
    pid: int | None = None
    try:
        loaded = engine.load(setup.model, setup.load).result(timeout=LOAD_TIMEOUT_S)
        pid = engine.pid
        if loaded.safe_mode != safe_mode:
            raise BenchError(f"the {side} engine loaded with safe_mode={loaded.safe_mode}")
        clock = _PieceClock()
        generation = engine.generate([ChatTurn("user", PROMPT)], setup.params, clock.receive)
        result = generation.future.result(timeout=REPLY_TIMEOUT_S)
    finally:
        engine.shutdown()
    _check_gone(pid)
    if result.finish_reason not in ("stop", "length"):
        raise BenchError(f"the {side} reply ended as {result.finish_reason!r}: {result.error}")
    if "".join(clock.parts) != result.text:
        raise BenchError(f"the {side} engine's streamed text differs from its result")
    return clock.run(
        side,
        result.finish_reason,
        result.completion_tokens,
        engine_rate=result.tokens_per_second,
        first_token_s=result.time_to_first_token,
    )


def _fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def _print_run(label: str, run: Run, ratio: float | None = None) -> None:
    tail = f"  ratio {_fmt(ratio, '.3f')}" if ratio else ""
    print(
        f"{label:<8} {run.side:<6} {run.pieces:>6} {run.tokens:>6} {run.finish:>6}"
        f" {_fmt(run.rate):>8} {_fmt(run.engine_rate):>8}"
        f" {_fmt(_ms(run.first_token_s), '.0f'):>8}{tail}",
        flush=True,
    )


def _same_text(first: Run, second: Run, label: str) -> bool:
    if first.text == second.text:
        return True
    # zip stops at the shorter text, so "no difference found" means one is a prefix.
    chars = zip(first.text, second.text, strict=False)
    shorter = min(len(first.text), len(second.text))
    common = next((i for i, (a, b) in enumerate(chars) if a != b), shorter)
    print(
        f"WARNING {label}: {first.side} and {second.side} texts differ (after {common} of "
        f"{len(first.text)}/{len(second.text)} chars); the ratio compares different work",
        file=sys.stderr,
        flush=True,
    )
    return False


def _header(setup: Setup, what: str) -> None:
    print(
        f"{what}\nmodel {setup.model.name}: n_ctx={setup.load.n_ctx}"
        f" n_threads={setup.load.n_threads} (the app's default: {default_threads()})"
        f" n_gpu_layers=0\nsampling: {setup.params}\n"
        f"llama.cpp: {llama_cpp.llama_print_system_info().decode().strip()}\n"
        "load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()),
        flush=True,
    )


COLUMNS = "run      side   pieces tokens finish    tok/s   engine  ttft ms"


def bench(args: argparse.Namespace) -> int:
    setup = Setup(
        model=args.model.expanduser().resolve(),
        load=LoadSettings(n_ctx=args.n_ctx, n_gpu_layers=0, n_threads=args.threads),
        params=replace(GenerationParams(), seed=args.seed, max_tokens=args.max_tokens),
        bare_niceness=args.bare_niceness,
    )
    if not setup.model.is_file():
        raise BenchError(f"no model at {setup.model}")
    if args.safe_mode:
        return bench_safe_mode(setup, args)
    paths = app_paths().ensure()
    # New conversations copy their sampling from the settings, and ChatService.send uses the
    # conversation's copy: this is how the app side gets exactly ``setup.params``. Safe mode
    # "off": the bare side has llama.cpp's extra buffer types on, so the app must too.
    save_settings(
        Settings(
            load=replace(setup.load, safe_mode="off"),
            generation=setup.params,
            system_prompt="",
        ),
        paths.settings_file,
    )

    _header(setup, "app (through the engine process) against bare llama-cpp-python")
    print(
        f"engine process niceness +{ENGINE_NICENESS} (its own); bare thread niceness"
        f" +{setup.bare_niceness if sys.platform.startswith('linux') else 0}",
        flush=True,
    )
    print(
        "\ntok/s: (tokens - 1) / (last - first text), timed where the consumer received it;"
        "\nengine: the app's own tok/s, measured in its engine process; ttft: time to the first"
        " text (the app's\nas its engine measured it, the bare side's from its call), prompt"
        " evaluation included;\nratio: app/bare tok/s\n\n" + COLUMNS,
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


# Safe mode --------------------------------------------------------------------------------------

# Loads the model once with llama.cpp's log on, in a child, to say what a normal load repacks.
_REPACK_PROBE = """
import sys, llama_cpp
llama_cpp.Llama(model_path=sys.argv[1], n_ctx=256, n_threads=1, verbose=True).close()
"""
# "CPU_Mapped model buffer size = 92.10 MiB", "CPU_REPACK model buffer size = 56.95 MiB"
_BUFFER_LINE = re.compile(r"(\w+?)(?:_Mapped)? model buffer size =\s*([\d.]+) MiB")


def repacked_mib(model: Path) -> dict[str, float]:
    """Model buffer sizes by type, from a normal load's log: CPU_REPACK (or AMX) > 0 means
    llama.cpp rearranged weights for its extra kernels, which safe mode turns off."""
    probe = subprocess.run(
        [sys.executable, "-c", _REPACK_PROBE, str(model)],
        capture_output=True,
        text=True,
        timeout=LOAD_TIMEOUT_S,
        check=False,
    )
    if probe.returncode != 0:
        raise BenchError(f"the repack probe failed on {model.name}: {probe.stderr[-500:]}")
    sizes: dict[str, float] = {}
    for name, mib in _BUFFER_LINE.findall(probe.stderr):
        sizes[name] = sizes.get(name, 0.0) + float(mib)
    return sizes


def bench_safe_mode(setup: Setup, args: argparse.Namespace) -> int:
    models = [setup.model]
    with tempfile.TemporaryDirectory(prefix="desktop-llm-bench-q4_0-") as folder:
        if not args.no_q4_0:
            q4_0 = Path(folder) / f"{setup.model.stem.split('.')[0]}.Q4_0.gguf"
            started = time.perf_counter()
            try:
                quantize_file(setup.model, q4_0, "Q4_0", allow_requantize=True)
            except QuantizeFailed as error:
                raise BenchError(f"could not make a Q4_0 copy: {error}") from error
            print(
                f"made a Q4_0 copy of {setup.model.name} in {time.perf_counter() - started:.1f} s",
                flush=True,
            )
            models.append(q4_0)
        summaries = [_safe_mode_model(replace(setup, model=model), args) for model in models]
    print("\nsafe mode's cost in decode speed (engine tok/s, safe/normal, median of pairs):")
    for line in summaries:
        print(f"  {line}", flush=True)
    return 0


def _safe_mode_model(setup: Setup, args: argparse.Namespace) -> str:
    print("", flush=True)
    _header(setup, "safe mode against normal mode, both through the engine process")
    sizes = repacked_mib(setup.model)
    extra = {name: mib for name, mib in sizes.items() if name != "CPU"}
    described = ", ".join(f"{name} {mib:.1f} MiB" for name, mib in sizes.items())
    print(
        f"normal load's model buffers: {described or '?'}"
        + ("" if extra else "  (nothing repacked: safe mode should change nothing here)"),
        flush=True,
    )
    print(
        "\ntok/s: (tokens - 1) / (last - first text) where EngineProcess's reader thread"
        " received it;\nengine: the engine's own decode tok/s; ttft: its time to the first"
        " token (prompt evaluation);\nratio: safe/normal engine tok/s\n\n" + COLUMNS,
        flush=True,
    )

    def normal_then_safe(label: str) -> tuple[Run, Run]:
        normal, safe = run_engine(setup, safe_mode=False), run_engine(setup, safe_mode=True)
        _print_run(label, normal)
        _print_run(label, safe, _ratio(safe.engine_rate, normal.engine_rate))
        _same_text(normal, safe, label)
        return normal, safe

    normal_then_safe("warm-up")
    pairs = [normal_then_safe(f"pair {index}") for index in range(1, args.pairs + 1)]
    ratios = [r for normal, safe in pairs if (r := _ratio(safe.engine_rate, normal.engine_rate))]
    if not ratios:
        raise BenchError("no pair produced a decode rate in both modes (replies too short?)")
    normals, safes = [n for n, _ in pairs], [s for _, s in pairs]
    ttft_ratios = [
        r for normal, safe in pairs if (r := _ratio(safe.first_token_s, normal.first_token_s))
    ]
    print(
        f"\nmedian engine tok/s: normal {_fmt(_median(r.engine_rate for r in normals))},"
        f" safe {_fmt(_median(r.engine_rate for r in safes))}"
        f" (at the consumer: normal {_fmt(_median(r.rate for r in normals))},"
        f" safe {_fmt(_median(r.rate for r in safes))})\n"
        f"median ttft ms: normal {_fmt(_ms(_median(r.first_token_s for r in normals)), '.0f')},"
        f" safe {_fmt(_ms(_median(r.first_token_s for r in safes)), '.0f')}\n"
        f"identical text in {sum(n.text == s.text for n, s in pairs)}/{len(pairs)} pairs;"
        f" per-pair ratios from {min(ratios):.3f} to {max(ratios):.3f}\n"
        "load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()),
    )
    ratio = statistics.median(ratios)
    ttft = f"{statistics.median(ttft_ratios):.2f}" if ttft_ratios else "-"
    print(
        f"safe-mode ratio ({setup.model.name}, safe/normal engine tok/s, median of"
        f" {len(ratios)} pairs): {ratio:.2f}; time to first token safe/normal: {ttft}",
        flush=True,
    )
    return (
        f"{setup.model.name}: decode {ratio:.2f}x"
        f" ({_fmt(_median(r.engine_rate for r in safes))} vs"
        f" {_fmt(_median(r.engine_rate for r in normals))} tok/s),"
        f" time to first token {ttft}x; repacked: {'yes' if extra else 'no'}"
    )


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=5, help="measured pairs (5)")
    parser.add_argument("--max-tokens", type=int, default=256, help="reply length cap (256)")
    parser.add_argument(
        "--model", type=Path, default=default_model_path(), help="GGUF file (the bundled model)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="llama.cpp n_threads for both sides (1; the app's default is one per core)",
    )
    parser.add_argument("--n-ctx", type=int, default=LoadSettings().n_ctx, help="context size")
    parser.add_argument("--seed", type=int, default=1234, help="sampling seed for both sides")
    parser.add_argument(
        "--bare-niceness",
        type=int,
        default=ENGINE_NICENESS,
        help=f"niceness added to the bare side's thread ({ENGINE_NICENESS}, the engine's own;"
        " 0 to run it at this process's priority)",
    )
    parser.add_argument(
        "--safe-mode",
        action="store_true",
        help="compare safe mode with normal mode (both through the engine) instead",
    )
    parser.add_argument(
        "--no-q4-0",
        action="store_true",
        help="with --safe-mode: skip the Q4_0 copy of the model",
    )
    args = parser.parse_args(argv)
    if args.pairs < 1 or args.max_tokens < 2:
        parser.error("--pairs must be at least 1 and --max-tokens at least 2")
    if args.bare_niceness < 0:
        parser.error("--bare-niceness cannot raise the priority")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # No screen is needed; the platform is read when the QApplication is created.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication([sys.argv[0]])
    status = run_in_temporary_home("desktop-llm-bench-", lambda: bench(args))
    del app
    return status


if __name__ == "__main__":
    sys.exit(main())
