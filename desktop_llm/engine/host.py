"""The engine process: the one process of the app that loads llama.cpp.

    python -m desktop_llm.engine.host        (a frozen app: its executable --engine-host)

It reads requests on stdin and answers on stdout (see ``engine.protocol``). The requests run
in order on one ``EngineWorker`` thread; this main thread only reads the pipe, so a cancel
reaches the running reply at once, and the end of stdin (the app closed the pipe, or died)
ends the process within moments, whatever llama.cpp is doing.

A crash in here (a segfault or an abort in llama.cpp) ends only this process: the app sees the
pipe close, keeps what the reply had streamed, and starts a new engine when it needs one.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import IO, TYPE_CHECKING, Any

from desktop_llm.engine import protocol

if TYPE_CHECKING:
    from desktop_llm.engine.types import GenerationProgress

logger = logging.getLogger("desktop_llm.engine.host")

# Streamed text is sent about thirty times a second, not once per token: the app relays it to
# the window at that rate anyway, and every message wakes the app's reader thread.
TEXT_INTERVAL = 1 / 30
# Fault injection for tests of the app's recovery (a crash needs a machine we may not have).
FAULT_VARIABLE = "DESKTOP_LLM_ENGINE_FAULT"
# How much the engine lowers its own priority. Measured on 2 cores with 2 llama.cpp threads
# (bench/gui_latency.py): the window's longest event-loop gap while a reply streams was 6 ms
# at 0 and 8 ms at +5, so the window needs no help; and a lowered priority let other work on
# the machine stall llama.cpp's spinning threads (down to 1 token/s). So: none.
ENGINE_NICENESS = 0


class _Channel:
    """Writes protocol messages; the worker thread and the reader thread both send."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, message: dict[str, Any]) -> None:
        data = protocol.encode(message)
        with self._lock:
            try:
                self._stream.write(data)
                self._stream.flush()
            except (BrokenPipeError, ValueError, OSError):
                # The app is gone; the reader sees stdin end and exits.
                pass


class _TextBatcher:
    """Collects a reply's pieces on the worker thread and sends them in batches, each
    followed by the reply's progress at that moment."""

    def __init__(self, channel: _Channel, request_id: int) -> None:
        self._channel = channel
        self._id = request_id
        self._pieces: list[str] = []
        self._last = 0.0
        self._progress: GenerationProgress | None = None
        self._progress_sent: GenerationProgress | None = None

    def add(self, piece: str) -> None:
        self._pieces.append(piece)
        now = time.monotonic()
        if now - self._last >= TEXT_INTERVAL:
            self._last = now
            self.flush()

    def progress(self, progress: GenerationProgress) -> None:
        self._progress = progress
        if self._progress_sent is None:
            self._send_progress()  # the prompt is ready: the meter moves before any text

    def flush(self) -> None:
        if self._pieces:
            text, self._pieces = "".join(self._pieces), []
            self._channel.send({"type": "text", "id": self._id, "text": text})
        self._send_progress()

    def _send_progress(self) -> None:
        progress = self._progress
        if progress is not None and progress != self._progress_sent:
            self._progress_sent = progress
            self._channel.send({
                "type": "progress", "id": self._id, "value": protocol.progress_to_wire(progress)
            })


class _Faults:
    """What ``DESKTOP_LLM_ENGINE_FAULT`` asks this process to do wrong, for recovery tests.

    ``crash-on-decode-unless-safe``: die by SIGSEGV at the first decode with llama.cpp's
    extra buffer types on, the load's warm-up (what AMX machines do);
    ``crash-on-reply-unless-safe``: the same, but only when a reply starts;
    ``crash-on-load``: die by SIGABRT while loading (a GGML_ASSERT);
    ``ignore-cancel``: never act on a stop.
    """

    def __init__(self, spec: str) -> None:
        self.names = {part.strip() for part in spec.split(",") if part.strip()}

    def crash(self, sig: signal.Signals) -> None:
        logger.error("fault injection: dying by %s", sig.name)
        os.kill(os.getpid(), sig)
        time.sleep(5)  # a signal whose default action is to end the process ends it here


class EngineHost:
    """Turns requests into worker jobs and their outcomes into messages."""

    def __init__(self, channel: _Channel, faults: _Faults) -> None:
        from desktop_llm.engine.worker import EngineWorker

        self._channel = channel
        self._faults = faults
        self._worker = EngineWorker()
        self._generations: dict[int, Any] = {}
        # Replies cancelled while queued: their result went out at the cancel.
        self._answered_early: set[int] = set()
        self._lock = threading.Lock()

    def hello(self) -> None:
        from desktop_llm.engine.backend import backend_info
        from desktop_llm.engine.devices import devices

        self._channel.send({
            "type": "hello",
            "protocol": protocol.PROTOCOL_VERSION,
            "pid": os.getpid(),
            "backend": protocol.backend_to_wire(backend_info()),
            "devices": protocol.devices_to_wire(devices()),
        })

    def handle(self, message: dict[str, Any]) -> bool:
        """Act on one request; False when the process should end."""
        op = message.get("op")
        request_id = int(message.get("id", 0))
        if op == "cancel":
            if "ignore-cancel" not in self._faults.names:
                with self._lock:
                    generation = self._generations.get(request_id)
                if generation is not None and generation.drop_if_queued():
                    # Still queued behind another reply: answered now, so the app does not
                    # wait (and take the engine for stuck) until the worker reaches it.
                    with self._lock:
                        self._answered_early.add(request_id)
                    self._channel.send({
                        "type": "result", "id": request_id,
                        "value": protocol.result_to_wire(_cancelled_in_queue()),
                    })
            return True
        if op == "exit":
            return False
        handler: Callable[[int, dict[str, Any]], None] | None = {
            "load": self._load,
            "unload": self._unload,
            "generate": self._generate,
            "count_tokens": self._count_tokens,
            "count_text_tokens": self._count_text_tokens,
        }.get(str(op))
        if handler is None:
            self._channel.send(protocol.error_to_wire(
                request_id, ValueError(f"unknown request {op!r}")
            ))
            return True
        try:
            handler(request_id, message)
        except (KeyError, TypeError, ValueError) as error:
            self._channel.send(protocol.error_to_wire(request_id, error))
        return True

    def shutdown(self) -> None:
        self._worker.shutdown(timeout=10)

    def abandon(self) -> None:
        """The app is gone: stop the reply so the worker lets go, without waiting for it."""
        self._worker.stop()

    def _reply_when_done(
        self, request_id: int, future: Future[Any], to_wire: Callable[[Any], Any]
    ) -> None:
        def done(finished: Future[Any]) -> None:
            with self._lock:
                if request_id in self._answered_early:
                    self._answered_early.discard(request_id)
                    return
            error = finished.exception()
            if error is not None:
                self._channel.send(protocol.error_to_wire(request_id, error))
            else:
                self._channel.send(
                    {"type": "result", "id": request_id, "value": to_wire(finished.result())}
                )

        future.add_done_callback(done)

    def _load(self, request_id: int, message: dict[str, Any]) -> None:
        from pathlib import Path

        from desktop_llm.engine.types import DEFAULT_STATE_BUDGET, LoadSettings

        safe_mode = bool(message.get("safe_mode", False))
        settings = LoadSettings.from_dict(message.get("settings") or {})
        state_dir = message.get("state_dir")
        loading = self._worker.load(
            Path(message["path"]),
            settings,
            safe_mode=safe_mode,
            state_dir=Path(state_dir) if state_dir else None,
            state_budget=int(message.get("state_budget") or DEFAULT_STATE_BUDGET),
        )
        if "crash-on-load" in self._faults.names:
            self._faults.crash(signal.SIGABRT)
        if "crash-on-decode-unless-safe" in self._faults.names and not safe_mode:
            # The load's warm-up decode is where llama.cpp's AMX kernels crash.
            loading.exception()
            self._faults.crash(signal.SIGSEGV)
        self._reply_when_done(request_id, loading, protocol.loaded_to_wire)

    def _unload(self, request_id: int, _message: dict[str, Any]) -> None:
        self._reply_when_done(request_id, self._worker.unload(), lambda _none: None)

    def _count_tokens(self, request_id: int, message: dict[str, Any]) -> None:
        turns = protocol.turns_from_wire(message["turns"])
        self._reply_when_done(request_id, self._worker.count_prompt_tokens(turns), int)

    def _count_text_tokens(self, request_id: int, message: dict[str, Any]) -> None:
        texts = [str(text) for text in message["texts"]]
        self._reply_when_done(request_id, self._worker.count_text_tokens(texts), list)

    def _generate(self, request_id: int, message: dict[str, Any]) -> None:
        from desktop_llm.engine.types import OVERFLOW_CHOICES, GenerationParams

        raw_prompt = message.get("prompt")
        if raw_prompt is not None and not isinstance(raw_prompt, str):
            raise ValueError("a raw prompt must be a string")
        turns = protocol.turns_from_wire(message.get("turns") or [])
        params = GenerationParams.from_dict(message.get("params") or {})
        overflow = message.get("overflow", "drop_oldest")
        if overflow not in OVERFLOW_CHOICES:
            raise ValueError(f"unknown overflow strategy {overflow!r}")
        batcher = _TextBatcher(self._channel, request_id)
        loaded = self._worker.loaded
        crashing = {"crash-on-decode-unless-safe", "crash-on-reply-unless-safe"}
        if crashing & self._faults.names and loaded is not None and not loaded.safe_mode:
            self._faults.crash(signal.SIGSEGV)
        generation = self._worker.generate(
            turns, params, batcher.add, on_progress=batcher.progress, overflow=overflow,
            raw_prompt=raw_prompt,
        )
        with self._lock:
            self._generations[request_id] = generation

        def finished(done: Future[Any]) -> None:
            with self._lock:
                self._generations.pop(request_id, None)
            batcher.flush()  # on the worker thread, after its last piece: order is kept

        generation.future.add_done_callback(finished)
        self._reply_when_done(request_id, generation.future, protocol.result_to_wire)


def _cancelled_in_queue() -> Any:
    from desktop_llm.engine.types import GenerationResult

    return GenerationResult.cut_short("", "cancelled")


def _take_streams() -> tuple[IO[bytes], IO[str]]:
    """Private copies of stdout (the protocol) and stderr (the log the app copies).

    fd 1 then points at stderr, so whatever llama.cpp or a library prints cannot corrupt the
    message stream; and the log keeps its own descriptor because llama-cpp-python points
    fds 1 and 2 at /dev/null while a model loads, which would swallow the load's log lines.
    """
    protocol_fd = os.dup(1)
    log_fd = os.dup(2)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    log = os.fdopen(log_fd, "w", encoding="utf-8", errors="replace", buffering=1)
    return os.fdopen(protocol_fd, "wb", buffering=0), log


def _lower_priority() -> None:
    if ENGINE_NICENESS <= 0:
        return
    try:
        import psutil

        process = psutil.Process()
        if os.name == "nt":
            process.nice(psutil.BELOW_NORMAL_PRIORITY_CLASS)
        else:
            process.nice(process.nice() + ENGINE_NICENESS)
    except (ImportError, OSError, AttributeError) as error:  # psutil.Error is an OSError
        logger.info("engine priority unchanged: %s", error)


def main() -> int:
    # Ctrl+C in a terminal signals the whole process group, this process too: the app decides
    # when its engine stops (a stop request, or its pipe closing), never the keyboard.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    protocol_out, log = _take_streams()
    logging.basicConfig(
        level=logging.INFO, stream=log, format="%(levelname)s %(name)s: %(message)s"
    )
    _lower_priority()
    channel = _Channel(protocol_out)
    host = EngineHost(channel, _Faults(os.environ.get(FAULT_VARIABLE, "")))
    host.hello()
    orderly = False
    for line in sys.stdin.buffer:
        try:
            message = protocol.decode(line)
        except ValueError:
            logger.warning("unreadable request: %r", line[:200])
            continue
        if not host.handle(message):
            orderly = True
            break
    if orderly:
        host.shutdown()
    else:
        host.abandon()
    # Skip the interpreter's teardown: llama.cpp's static destructors have crashed there, and
    # the app is either waiting for this exit or gone.
    log.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
