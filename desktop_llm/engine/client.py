"""The app's side of the engine process: the local engine, with llama.cpp kept out of the app.

``EngineProcess`` answers the same calls as the in-process worker (load, generate, stop,
count tokens) with futures, and owns the child's whole life in this one class: it starts the
process at the first request, routes its messages by request id on one reader thread, asks it
to exit on shutdown and kills it if it does not, and notices when it dies.

A death is an event, not the end. Every request in flight is settled: a reply keeps the text
that had streamed, with finish reason ``error`` and a sentence saying what happened; the next
request starts a new process and reloads the model by itself. A process that dies while
loading, or in the first reply after a load before any text, is retried once in safe mode
(llama.cpp's extra buffer types off: the AMX and repacked-weight CPU kernels that crash on
some CPUs); if that works, the listeners hear that this machine needs safe mode.

Callbacks (``on_text``, future callbacks, listeners) run on the reader thread: they must not
block for long, or the next messages wait.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import subprocess
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any, Literal

from desktop_llm.engine import protocol
from desktop_llm.engine.machine import DeviceMemory, cpu_description
from desktop_llm.engine.model_file import check_model_file
from desktop_llm.engine.seam import Generation
from desktop_llm.engine.types import (
    DEFAULT_STATE_BUDGET,
    BackendInfo,
    ChatTurn,
    FinishReason,
    GenerationParams,
    GenerationProgress,
    GenerationResult,
    LoadedModel,
    LoadSettings,
    Overflow,
)
from desktop_llm.errors import DesktopLLMError, EngineStoppedError
from desktop_llm.i18n import translate
from desktop_llm.processes import describe_exit, died_of_a_fault

logger = logging.getLogger("desktop_llm.engine")

# A reply that has not ended this long after Stop means the engine is stuck in llama.cpp.
STOP_TIMEOUT = 2.0
# How long an orderly exit may take before the process is killed.
EXIT_TIMEOUT = 3.0
_TAIL_LINES = 40
# The reader may be inside a caller's callback (a database write) when the engine exits.
_READER_JOIN_SECONDS = 30.0

EventKind = Literal["stopped", "safe_mode"]


@dataclass(frozen=True)
class EngineEvent:
    """What the window's status bar says about the engine. ``message`` is a sentence."""

    kind: EventKind
    message: str


@dataclass(eq=False)
class _Request:
    """One message sent to one engine process, waiting for its answer."""

    op: str
    fields: dict[str, Any]
    future: Future[Any] = field(default_factory=Future)
    on_text: Callable[[str], None] | None = None
    on_progress: Callable[[GenerationProgress], None] | None = None
    id: int | None = None
    child: _Child | None = None
    stop_timer: threading.Timer | None = None  # kills the engine if a stop is ignored

    def settled(self) -> None:
        if self.stop_timer is not None:
            self.stop_timer.cancel()


@dataclass(eq=False)
class _Reply:
    """A reply as the caller sees it: it may take more than one attempt (a reload, a retry)."""

    fields: dict[str, Any]
    on_text: Callable[[str], None]
    on_progress: Callable[[GenerationProgress], None] | None = None
    future: Future[GenerationResult] = field(default_factory=Future)
    pieces: list[str] = field(default_factory=list)
    attempt: _Request | None = None
    cancelled: bool = False

    def receive(self, text: str) -> None:
        self.pieces.append(text)
        self.on_text(text)

    def progress(self, progress: GenerationProgress) -> None:
        if self.on_progress is None:
            return
        if self.pieces and progress.completion_tokens == 0:
            return  # a retry starting over: the caller's meter already counts the kept text
        self.on_progress(progress)


@dataclass(eq=False)
class _Child:
    """One engine process and what is in flight in it."""

    popen: subprocess.Popen[bytes]
    hello: Future[dict[str, Any]] = field(default_factory=Future)
    pending: dict[int, _Request] = field(default_factory=dict)
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=_TAIL_LINES))
    exiting: bool = False  # we asked it to exit: its end is no crash
    killed_for: str | None = None  # why we killed it, when we did
    threads: list[threading.Thread] = field(default_factory=list)


class _Crashed(EngineStoppedError):
    """The engine died with this request in flight; retry decisions read its fields."""

    def __init__(self, message: str, cause: str, *, fault: bool) -> None:
        super().__init__(message)
        self.cause = cause
        # A fault in native code (SIGSEGV, SIGILL, an abort): what safe mode may cure. A kill
        # from outside (the OOM killer, the user, our own for a stuck stop) is not one.
        self.fault = fault


class EngineProcess:
    """The local engine: llama.cpp in a process of its own. Thread-safe."""

    def __init__(
        self,
        *,
        safe_mode: bool = False,
        retry_in_safe_mode: bool = True,
        command: Sequence[str] | None = None,
        env: dict[str, str] | None = None,
        stop_timeout: float = STOP_TIMEOUT,
        state_dir: Path | None = None,
        state_budget: int = DEFAULT_STATE_BUDGET,
    ) -> None:
        """``state_dir``: the folder where the engine keeps conversations' saved model states
        (KV caches), within ``state_budget`` bytes, so a long chat is not read again after a
        restart; None keeps them in the engine's memory only."""
        self._state_fields = {
            "state_dir": str(state_dir) if state_dir is not None else None,
            "state_budget": int(state_budget),
        }
        self._command = list(command or protocol.host_command())
        self._env = env
        self._stop_timeout = stop_timeout
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._child: _Child | None = None
        self._closed = False
        self._loaded: LoadedModel | None = None
        # The model to bring back after the engine died, and the reload under way.
        self._wanted: tuple[Path, LoadSettings] | None = None
        self._reload_needed = False
        self._reloading: Future[LoadedModel] | None = None
        self._fresh_load = False  # no reply has finished since the last load
        self._safe_mode = safe_mode
        self._retry_in_safe_mode = retry_in_safe_mode
        self._replies: set[_Reply] = set()
        self._listeners: list[Callable[[EngineEvent], None]] = []
        self._backend: Future[BackendInfo] | None = None
        self._devices: Future[tuple[DeviceMemory, ...]] | None = None

    # Public calls ---------------------------------------------------------------------------

    @property
    def loaded(self) -> LoadedModel | None:
        """The model in memory now (None after a crash, until the next request reloads it)."""
        return self._loaded

    @property
    def safe_mode(self) -> bool:
        return self._safe_mode

    @property
    def pid(self) -> int | None:
        child = self._child
        return child.popen.pid if child is not None else None

    def set_safe_mode(self, on: bool, *, retry_in_safe_mode: bool) -> None:
        """Takes effect at the next load."""
        with self._lock:
            self._safe_mode = on
            self._retry_in_safe_mode = retry_in_safe_mode

    def add_listener(self, listener: Callable[[EngineEvent], None]) -> None:
        self._listeners.append(listener)

    def backend_info(self) -> Future[BackendInfo]:
        """What the llama.cpp build can do; starts the engine if it is not running."""
        with self._lock:
            if self._backend is None or self._child is None:
                self._start_or_fail()
            assert self._backend is not None
            return self._backend

    def devices(self) -> Future[tuple[DeviceMemory, ...]]:
        """RAM and VRAM as llama.cpp sees them; starts the engine if it is not running."""
        with self._lock:
            if self._devices is None or self._child is None:
                self._start_or_fail()
            assert self._devices is not None
            return self._devices

    def load(self, path: Path, settings: LoadSettings | None = None) -> Future[LoadedModel]:
        settings = settings or LoadSettings()
        settled: Future[LoadedModel] = Future()
        try:
            # Read and judged here first: a refusal has its reason, and a crafted file never
            # reaches llama.cpp.
            info = check_model_file(path)
        except DesktopLLMError as error:
            with self._lock:
                self._loaded = None
            settled.set_exception(error)
            return settled
        with self._lock:
            self._wanted = (path, settings)
            self._reload_needed = False
            self._loaded = None
        self._load_attempt(path, settings, info, settled, retried=False)
        return settled

    def unload(self) -> Future[None]:
        with self._lock:
            self._wanted = None
            self._reload_needed = False
            self._loaded = None
            if self._child is None:
                done: Future[None] = Future()
                done.set_result(None)
                return done
        return self._send(_Request("unload", {})).future

    def generate(
        self,
        turns: Sequence[ChatTurn],
        params: GenerationParams,
        on_text: Callable[[str], None],
        *,
        on_progress: Callable[[GenerationProgress], None] | None = None,
        overflow: Overflow = "drop_oldest",
    ) -> Generation:
        """Queue one reply. ``on_text`` is called on the reader thread with batches of text,
        ``on_progress`` once the prompt is ready and then after each batch.

        A conversation ending with an assistant turn is continued: the result's text is only
        what follows it. ``overflow="stop"`` ends a conversation that no longer fits with
        finish reason ``error`` and a sentence, instead of leaving out its oldest turns.
        """
        return self._queue_reply(
            {
                "turns": protocol.turns_to_wire(list(turns)),
                "params": params.to_dict(),
                "overflow": overflow,
            },
            on_text,
            on_progress,
        )

    def complete(
        self,
        prompt: str,
        params: GenerationParams,
        on_text: Callable[[str], None],
        *,
        on_progress: Callable[[GenerationProgress], None] | None = None,
    ) -> Generation:
        """Queue the continuation of a plain text, without the chat template (what the API's
        /v1/completions asks). A prompt that does not fit the context ends with finish
        reason ``error`` and a sentence."""
        return self._queue_reply(
            {"prompt": str(prompt), "params": params.to_dict()}, on_text, on_progress
        )

    def _queue_reply(
        self,
        fields: dict[str, Any],
        on_text: Callable[[str], None],
        on_progress: Callable[[GenerationProgress], None] | None,
    ) -> Generation:
        reply = _Reply(fields, on_text, on_progress)
        with self._lock:
            self._replies.add(reply)
        reply.future.add_done_callback(lambda _done: self._forget(reply))
        self._attempt(reply, retried=False)
        return Generation(reply.future, lambda: self._cancel(reply))

    def count_prompt_tokens(self, turns: Sequence[ChatTurn]) -> Future[int]:
        """Tokens of the prompt these turns make, chat template included."""
        fields = {"turns": protocol.turns_to_wire(list(turns))}
        return self._after_reload(lambda: self._send(_Request("count_tokens", fields)).future)

    def count_tokens(self, texts: Sequence[str]) -> Future[list[int]]:
        """Tokens of each plain text (no chat template), in the loaded model's vocabulary.

        Answered beside a streaming reply, not after it.
        """
        fields = {"texts": [str(text) for text in texts]}
        return self._after_reload(
            lambda: self._send(_Request("count_text_tokens", fields)).future
        )

    def stop(self) -> None:
        """Stop every reply at its next token; returns at once, from any thread."""
        with self._lock:
            replies = list(self._replies)
        for reply in replies:
            self._cancel(reply)

    def shutdown(self, timeout: float = EXIT_TIMEOUT) -> None:
        """Ask the engine to exit, kill it after ``timeout``; settle what is in flight.

        Idempotent; blocks for up to ``timeout`` (callers on a GUI thread run it elsewhere).
        """
        self.stop()
        with self._lock:
            if self._closed:
                return
            self._closed = True
            child = self._child
            self._loaded = None
        if child is None:
            return
        child.exiting = True
        self._write(child, {"op": "exit"})
        _close_quietly(child.popen.stdin)
        try:
            child.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            logger.warning("the engine did not exit within %.0f s; killing it", timeout)
            child.popen.kill()
            child.popen.wait()
        for thread in child.threads:
            thread.join(timeout=_READER_JOIN_SECONDS)
        # Every reply is settled before this returns: the history closes right after.
        with self._lock:
            unsettled = list(self._replies)
        for reply in unsettled:
            self._finish(reply, "cancelled", None)

    # The child's life -----------------------------------------------------------------------

    def _start_or_fail(self) -> None:
        try:
            self._ensure_child()
        except (DesktopLLMError, OSError) as error:
            failed: Future[Any] = Future()
            failed.set_exception(_as_user_error(error))
            self._backend = self._devices = failed

    def _ensure_child(self) -> _Child:
        """The running child, started if there is none. Called with the lock held."""
        if self._closed:
            raise EngineStoppedError(translate("Engine", "The engine has been shut down."))
        if self._child is not None:
            return self._child
        popen = subprocess.Popen(
            self._command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self._env,
        )
        child = _Child(popen)
        self._child = child
        backend: Future[BackendInfo] = Future()
        devices: Future[tuple[DeviceMemory, ...]] = Future()
        self._backend, self._devices = backend, devices

        def on_hello(hello: Future[dict[str, Any]]) -> None:
            error = hello.exception()
            if error is not None:
                backend.set_exception(error)
                devices.set_exception(error)
                return
            message = hello.result()
            backend.set_result(protocol.backend_from_wire(message["backend"]))
            devices.set_result(protocol.devices_from_wire(message.get("devices") or []))

        child.hello.add_done_callback(on_hello)
        readers = ((self._read_messages, "engine-reader"), (self._read_log, "engine-log"))
        for target, name in readers:
            thread = threading.Thread(target=target, args=(child,), name=name, daemon=True)
            child.threads.append(thread)
            thread.start()
        logger.info("engine process %s started", popen.pid)
        return child

    def _read_log(self, child: _Child) -> None:
        assert child.popen.stderr is not None
        for raw in child.popen.stderr:
            line = raw.decode("utf-8", "replace").rstrip()
            if line:
                child.tail.append(line)
                # The engine logs "LEVEL name: message"; keep its level in the app's log.
                level = logging.getLevelName(line.partition(" ")[0])
                logger.log(level if isinstance(level, int) else logging.INFO, "engine: %s", line)
        _close_quietly(child.popen.stderr)

    def _read_messages(self, child: _Child) -> None:
        stream = child.popen.stdout
        assert stream is not None
        for line in stream:
            try:
                message = protocol.decode(line)
            except ValueError:
                logger.warning("unreadable message from the engine: %r", line[:200])
                continue
            self._route(child, message)
        _close_quietly(stream)
        code = child.popen.wait()
        for thread in child.threads:
            if thread is not threading.current_thread():
                thread.join(timeout=5)  # the log's last lines explain the death
        _close_quietly(child.popen.stdin)
        self._on_exit(child, code)

    def _route(self, child: _Child, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "hello":
            if message.get("protocol") != protocol.PROTOCOL_VERSION:
                child.killed_for = (
                    f"it speaks protocol {message.get('protocol')} and the app "
                    f"{protocol.PROTOCOL_VERSION}; reinstall desktop-llm"
                )
                child.popen.kill()
                return
            child.hello.set_result(message)
            return
        request_id = int(message.get("id", 0))
        with self._lock:
            request = child.pending.get(request_id)
            if request is not None and kind in ("result", "error"):
                del child.pending[request_id]
                request.settled()
        if request is None:
            logger.debug("a %s for a request no longer waited for", kind)
        elif kind == "text":
            if request.on_text is not None:
                request.on_text(str(message.get("text", "")))
        elif kind == "progress":
            if request.on_progress is not None:
                request.on_progress(protocol.progress_from_wire(message.get("value") or {}))
        elif kind == "result":
            request.future.set_result(message.get("value"))
        elif kind == "error":
            request.future.set_exception(protocol.error_from_wire(message))

    def _on_exit(self, child: _Child, code: int) -> None:
        with self._lock:
            if self._child is child:
                self._child = None
            requests, child.pending = list(child.pending.values()), {}
            for request in requests:
                request.settled()
            self._reload_needed = self._wanted is not None
            self._loaded = None
            ended_by_us = child.exiting or self._closed
        cause = child.killed_for or describe_exit(code)
        if not child.hello.done():
            last = child.tail[-1] if child.tail else cause
            child.hello.set_exception(EngineStoppedError(
                translate("Engine", "The engine could not start: {reason}").format(reason=last)
            ))
        if ended_by_us:
            for request in requests:
                request.future.set_exception(
                    EngineStoppedError(translate("Engine", "The engine has been shut down."))
                )
            return
        logger.error(
            "engine process %s ended (%s); its last lines:\n%s",
            child.popen.pid, cause, "\n".join(child.tail),
        )
        stuck = child.killed_for == _STUCK_ON_STOP
        if stuck:
            self._notify(
                "stopped",
                translate(
                    "Engine",
                    "The engine did not stop within {seconds} seconds, so it was ended; it "
                    "restarts with your next message.",
                ).format(seconds=f"{self._stop_timeout:g}"),
            )
        else:
            self._notify(
                "stopped",
                translate(
                    "Engine",
                    "The engine stopped unexpectedly ({cause}); it restarts with your next "
                    "message.",
                ).format(cause=cause),
            )
        for request in requests:
            sentence = translate(
                "Engine",
                "The engine stopped unexpectedly ({cause}) while loading the model; the app is "
                "fine. Try again, or turn on safe mode in the model settings.",
            ) if request.op == "load" else translate(
                "Engine",
                "The engine stopped unexpectedly ({cause}) while working; the app is fine. Try "
                "again, or turn on safe mode in the model settings.",
            )
            request.future.set_exception(_Crashed(
                sentence.format(cause=cause),
                cause,
                fault=died_of_a_fault(code) and child.killed_for is None,
            ))

    # Requests -------------------------------------------------------------------------------

    def _send(self, request: _Request) -> _Request:
        with self._lock:
            try:
                child = self._ensure_child()
            except (DesktopLLMError, OSError) as error:
                request.future.set_exception(_as_user_error(error))
                return request
            request.id, request.child = next(self._ids), child
            try:
                line = protocol.encode({"op": request.op, "id": request.id, **request.fields})
            except ValueError as error:  # text UTF-8 cannot carry (a lone surrogate, say)
                request.future.set_exception(DesktopLLMError(translate(
                    "Engine", "The request could not be sent to the engine: {reason}."
                ).format(reason=error)))
                return request
            child.pending[request.id] = request
            # A broken pipe here means the process is ending: the reader settles the request.
            self._write_line(child, line)
        return request

    def _write(self, child: _Child, message: dict[str, Any]) -> bool:
        return self._write_line(child, protocol.encode(message))

    def _write_line(self, child: _Child, line: bytes) -> bool:
        stdin = child.popen.stdin
        if stdin is None:
            return False
        try:
            stdin.write(line)
            stdin.flush()
        except (OSError, ValueError):  # ValueError: the pipe is closed
            return False
        return True

    def _load_attempt(
        self,
        path: Path,
        settings: LoadSettings,
        info: Any,
        settled: Future[LoadedModel],
        *,
        retried: bool,
    ) -> None:
        """Send one load; a crash is retried once in safe mode when that may help."""
        with self._lock:
            safe_mode = self._safe_mode or retried
            may_retry = not safe_mode and self._retry_in_safe_mode
        request = _Request("load", {
            "path": str(path),
            "settings": settings.to_dict(),
            "safe_mode": safe_mode,
            **self._state_fields,
        })

        def done(finished: Future[Any]) -> None:
            error = finished.exception()
            if error is None:
                loaded = replace(protocol.loaded_from_wire(finished.result()), info=info)
                with self._lock:
                    if self._wanted == (path, settings):
                        self._loaded = loaded
                        self._fresh_load = True
                        self._reload_needed = False  # a retry after a crash brought it back
                if retried:
                    self._safe_mode_proved(
                        translate("Engine", "loading {name}").format(name=path.name)
                    )
                settled.set_result(loaded)
            elif isinstance(error, _Crashed) and error.fault and may_retry:
                logger.warning("the engine crashed loading %s; retrying in safe mode", path.name)
                self._load_attempt(path, settings, info, settled, retried=True)
            else:
                settled.set_exception(_as_user_error(error))

        request.future.add_done_callback(done)
        self._send(request)

    def _after_reload(self, then: Callable[[], Future[Any]]) -> Future[Any]:
        """``then()`` at once, or once the model the engine lost in a crash is back."""
        with self._lock:
            wanted = self._wanted if self._reload_needed else None
            start = wanted is not None and self._reloading is None
            if start:
                self._reload_needed = False
                self._reloading = Future()
            reloading = self._reloading
        if reloading is None:
            return then()
        if start:
            assert wanted is not None
            self.load(*wanted).add_done_callback(lambda done: self._reload_done(done, reloading))
        result: Future[Any] = Future()

        def chain(done: Future[LoadedModel]) -> None:
            error = done.exception()
            if error is not None:
                result.set_exception(DesktopLLMError(translate(
                    "Engine", "The model could not be loaded again after the engine stopped: "
                    "{error}"
                ).format(error=error)))
                return
            then().add_done_callback(lambda finished: _copy_outcome(finished, result))

        reloading.add_done_callback(chain)
        return result

    def _reload_done(self, done: Future[LoadedModel], reloading: Future[LoadedModel]) -> None:
        with self._lock:
            if self._reloading is reloading:
                self._reloading = None
        _copy_outcome(done, reloading)

    def _attempt(self, reply: _Reply, *, retried: bool) -> None:
        """Send the reply's request, after a reload if the engine lost its model."""
        with self._lock:
            first_after_load = self._fresh_load or self._reload_needed
            may_retry = (
                not retried and not self._safe_mode and self._retry_in_safe_mode
                and first_after_load
            )

        def send() -> Future[Any]:
            if reply.cancelled:
                cancelled: Future[Any] = Future()
                cancelled.set_exception(_Cancelled())
                return cancelled
            request = _Request(
                "generate", reply.fields, on_text=reply.receive, on_progress=reply.progress
            )
            reply.attempt = request
            return self._send(request).future

        def done(finished: Future[Any]) -> None:
            error = finished.exception()
            if error is None:
                with self._lock:
                    self._fresh_load = False
                if retried:
                    self._safe_mode_proved(translate("Engine", "writing its first reply"))
                reply.future.set_result(protocol.result_from_wire(finished.result()))
            elif isinstance(error, _Cancelled) or reply.cancelled:
                # Stopped (by the user, or by closing): whatever became of the engine then,
                # the reply is what it had written.
                self._finish(reply, "cancelled", None)
            elif isinstance(error, _Crashed) and error.fault and may_retry and not reply.pieces:
                # The first decode after a load is where llama.cpp's CPU kernels crash.
                logger.warning("the engine crashed on its first decode; retrying in safe mode")
                with self._lock:
                    self._safe_mode = True
                self._attempt(reply, retried=True)
            elif isinstance(error, _Crashed):
                if retried:
                    with self._lock:
                        self._safe_mode = False  # it did not help: nothing to remember
                self._finish(reply, "error", _reply_lost(error.cause, bool(reply.pieces)))
            else:
                self._finish(reply, "error", str(_as_user_error(error)))

        self._after_reload(send).add_done_callback(done)

    def _cancel(self, reply: _Reply) -> None:
        reply.cancelled = True
        request = reply.attempt
        if request is None or request.child is None or request.id is None:
            return  # not sent yet: ``send`` sees the flag
        if request.future.done():
            return  # already answered: nothing to stop
        child, request_id = request.child, request.id
        self._write(child, {"op": "cancel", "id": request_id})
        if request.stop_timer is None:
            timer = threading.Timer(self._stop_timeout, self._kill_if_stuck, (child, request_id))
            timer.name = "engine-stop-timer"
            timer.daemon = True
            request.stop_timer = timer
            timer.start()

    def _kill_if_stuck(self, child: _Child, request_id: int) -> None:
        with self._lock:
            stuck = request_id in child.pending and child.popen.poll() is None
            if stuck:
                child.killed_for = _STUCK_ON_STOP
        if stuck:
            logger.warning("the engine ignored a stop for %.0f s; killing it", self._stop_timeout)
            child.popen.kill()

    def _forget(self, reply: _Reply) -> None:
        with self._lock:
            self._replies.discard(reply)

    # Settling -------------------------------------------------------------------------------

    def _finish(self, reply: _Reply, finish: FinishReason, error: str | None) -> None:
        """End a reply that the engine could not: it keeps every piece of text it streamed."""
        if reply.future.done():
            return
        with self._lock:
            n_ctx = self._loaded.n_ctx if self._loaded else 0
        reply.future.set_result(GenerationResult.cut_short(
            "".join(reply.pieces), finish, n_ctx=n_ctx, error=error
        ))

    def _safe_mode_proved(self, during: str) -> None:
        with self._lock:
            self._safe_mode = True
        reason = translate(
            "Engine",
            "llama.cpp crashed on {cpu} while {during} with its optimized CPU kernels (AMX, "
            "repacked weights); safe mode turns them off on this machine.",
        ).format(cpu=cpu_description(), during=during)
        logger.warning("%s", reason)
        self._notify("safe_mode", reason)

    def _notify(self, kind: EventKind, message: str) -> None:
        event = EngineEvent(kind, message)
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a listener's bug must not end the reader thread
                logger.exception("engine listener failed")


_STUCK_ON_STOP = "it did not stop when asked"


class _Cancelled(Exception):
    """A reply stopped before it was sent to the engine."""


def _as_user_error(error: BaseException) -> BaseException:
    if isinstance(error, _Crashed):
        return EngineStoppedError(str(error))
    if isinstance(error, OSError):
        return EngineStoppedError(translate(
            "Engine", "The engine could not be started: {reason}."
        ).format(reason=error.strerror or error))
    return error


def _reply_lost(cause: str, kept_text: bool) -> str:
    if kept_text:
        return translate(
            "Engine",
            "The engine stopped unexpectedly ({cause}) while writing this reply; the text "
            "above was kept.",
        ).format(cause=cause)
    return translate(
        "Engine", "The engine stopped unexpectedly ({cause}) before this reply began."
    ).format(cause=cause)


def _copy_outcome(source: Future[Any], target: Future[Any]) -> None:
    error = source.exception()
    if error is not None:
        target.set_exception(error)
    else:
        target.set_result(source.result())


def _close_quietly(stream: IO[bytes] | None) -> None:
    if stream is not None:
        with contextlib.suppress(OSError):
            stream.close()
