"""The engine worker: one long-lived thread that owns the one ``Llama`` of the process.

llama-cpp-python must not be used from two threads, so every load, unload and generation
is a job run on this thread, in order. Callers get a ``concurrent.futures.Future``; stop
is a flag they set from any thread, checked by llama.cpp's loop at every token.

Counting the tokens of plain texts only reads the vocabulary, so it runs on a thread of its
own and never waits behind a reply (only behind the loads asked for before it).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from desktop_llm.engine.cancel import CancelToken
from desktop_llm.engine.llama_session import NO_MODEL, LlamaSession
from desktop_llm.engine.types import (
    DEFAULT_STATE_BUDGET,
    ChatTurn,
    GenerationParams,
    GenerationProgress,
    GenerationResult,
    LoadedModel,
    LoadSettings,
    Overflow,
)
from desktop_llm.errors import DesktopLLMError, GenerationError, NoModelLoadedError
from desktop_llm.i18n import message_of, sentence

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class _Job:
    run: Callable[[], Any]
    future: Future[Any]


@dataclass(eq=False)
class Generation:
    """A reply being produced: ``cancel()`` from any thread, ``future`` for the result."""

    future: Future[GenerationResult]
    cancel_token: CancelToken = field(default_factory=CancelToken)
    _started: bool = False
    _dropped: bool = False
    _state_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def cancel(self) -> None:
        self.cancel_token.set()

    def drop_if_queued(self) -> bool:
        """Cancel it; True when it had not started and now never will (its future still
        settles, as cancelled, when the worker reaches it)."""
        self.cancel()
        with self._state_lock:
            self._dropped = not self._started
            return self._dropped

    def _begin(self) -> bool:
        with self._state_lock:
            self._started = not self._dropped
            return self._started


class EngineWorker:
    def __init__(self, name: str = "llama-worker") -> None:
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._session: LlamaSession | None = None
        self._loaded: LoadedModel | None = None
        self._active: set[Generation] = set()
        self._active_lock = threading.Lock()
        self._closed = False
        # The last load or unload asked for: token counts wait for it, not for replies.
        self._model_change: Future[Any] | None = None
        self._tokenizer = ThreadPoolExecutor(1, thread_name_prefix=f"{name}-tokenizer")
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    @property
    def loaded(self) -> LoadedModel | None:
        """The model in memory now; read from any thread (a reference swap is atomic)."""
        return self._loaded

    def load(
        self,
        path: Path,
        settings: LoadSettings | None = None,
        *,
        safe_mode: bool = False,
        state_dir: Path | None = None,
        state_budget: int = DEFAULT_STATE_BUDGET,
    ) -> Future[LoadedModel]:
        """``state_dir``: where saved conversation states are kept (None: memory only)."""
        future = self._submit(lambda: self._load(
            path, settings or LoadSettings(), safe_mode, state_dir, state_budget
        ))
        self._model_change = future
        return future

    def unload(self) -> Future[None]:
        future = self._submit(self._unload)
        self._model_change = future
        return future

    def generate(
        self,
        turns: Sequence[ChatTurn],
        params: GenerationParams,
        on_text: Callable[[str], None],
        *,
        on_progress: Callable[[GenerationProgress], None] | None = None,
        overflow: Overflow = "drop_oldest",
        raw_prompt: str | None = None,
    ) -> Generation:
        """Queue one reply (to ``raw_prompt``, a plain text without the chat template, when
        given). ``on_text`` and ``on_progress`` are called on the worker thread."""
        generation = Generation(future=Future())
        with self._active_lock:
            self._active.add(generation)

        def run() -> GenerationResult:
            try:
                if not generation._begin():
                    n_ctx = self._loaded.n_ctx if self._loaded else 0
                    return GenerationResult.cut_short("", "cancelled", n_ctx=n_ctx)
                return self._generate(
                    list(turns), params, generation.cancel_token, on_text, on_progress, overflow,
                    raw_prompt,
                )
            finally:
                with self._active_lock:
                    self._active.discard(generation)

        self._enqueue(_Job(run, generation.future))
        # Right after the reply, before the next request: keep its state for later replies.
        self._enqueue(_Job(self._remember_state, Future()))
        return generation

    def count_prompt_tokens(self, turns: Sequence[ChatTurn]) -> Future[int]:
        return self._submit(lambda: self._require_session().count_prompt_tokens(turns))

    def count_text_tokens(self, texts: Sequence[str]) -> Future[list[int]]:
        """Tokens of each plain text (no chat template), counted beside a running reply."""
        change = self._model_change
        texts = list(texts)

        def count() -> list[int]:
            if change is not None:
                change.exception()  # waits; a failed load leaves no session, said below
            return self._require_session().count_text_tokens(texts)

        if self._closed:
            failed: Future[list[int]] = Future()
            failed.set_exception(DesktopLLMError("The engine has been shut down."))
            return failed
        return self._tokenizer.submit(count)

    def stop(self) -> None:
        """Stop the running reply and any queued ones; safe from any thread, returns at once."""
        with self._active_lock:
            for generation in self._active:
                generation.cancel()

    def shutdown(self, timeout: float | None = 30.0) -> None:
        """Stop generating, free the model and end the thread. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self.stop()
        self._jobs.put(_Job(self._unload, Future()))
        self._jobs.put(None)
        self._thread.join(timeout)
        self._tokenizer.shutdown(wait=False, cancel_futures=True)

    def _submit(self, work: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        self._enqueue(_Job(work, future))
        return future

    def _enqueue(self, job: _Job) -> None:
        if self._closed:
            job.future.set_exception(DesktopLLMError("The engine has been shut down."))
            return
        self._jobs.put(job)

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            if not job.future.set_running_or_notify_cancel():
                continue
            try:
                job.future.set_result(job.run())
            except BaseException as error:  # the thread must outlive every job's failure
                if not isinstance(error, DesktopLLMError):
                    logger.exception("engine job failed")
                job.future.set_exception(error)

    def _require_session(self) -> LlamaSession:
        if self._session is None:
            raise NoModelLoadedError(sentence("Engine", NO_MODEL))
        return self._session

    def _load(
        self,
        path: Path,
        settings: LoadSettings,
        safe_mode: bool,
        state_dir: Path | None,
        state_budget: int,
    ) -> LoadedModel:
        self._unload()
        session = LlamaSession.load(
            path, settings, safe_mode=safe_mode, state_dir=state_dir, state_budget=state_budget
        )
        self._session, self._loaded = session, session.loaded
        return session.loaded

    def _remember_state(self) -> None:
        # With another reply already waiting (the next question, a regenerate, another
        # conversation), it must not wait for this reply's tokens to be read again: the state
        # is kept without them, which costs nothing.
        with self._active_lock:
            reply_waiting = bool(self._active)
        if self._session is not None:
            self._session.remember_state(re_read=not reply_waiting)

    def _unload(self) -> None:
        session, self._session, self._loaded = self._session, None, None
        if session is not None:
            session.close()

    def _generate(
        self,
        turns: list[ChatTurn],
        params: GenerationParams,
        cancel: CancelToken,
        on_text: Callable[[str], None],
        on_progress: Callable[[GenerationProgress], None] | None,
        overflow: Overflow,
        raw_prompt: str | None = None,
    ) -> GenerationResult:
        n_ctx = self._loaded.n_ctx if self._loaded else 0
        if cancel.is_set():
            return GenerationResult.cut_short("", "cancelled", n_ctx=n_ctx)
        try:
            return self._require_session().generate(
                turns, params, cancel, on_text, on_progress=on_progress, overflow=overflow,
                raw_prompt=raw_prompt,
            )
        except GenerationError as error:  # the context cannot hold it (context_window)
            refused = GenerationResult.cut_short(
                "", "error", n_ctx=n_ctx, error=message_of(error)
            )
            return replace(refused, too_long=True)
        except DesktopLLMError as error:
            return GenerationResult.cut_short(
                "", "error", n_ctx=n_ctx, error=message_of(error)
            )
