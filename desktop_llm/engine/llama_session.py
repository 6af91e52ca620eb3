"""One loaded llama.cpp model. Thread-affine: only the engine worker thread touches it."""

from __future__ import annotations

import ctypes
import logging
import random
import threading
import time
from array import array
from collections.abc import Callable, Iterator, Sequence, Sized
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jinja2
import llama_cpp
import numpy as np
from llama_cpp import llama_chat_format
from llama_cpp.llama_chat_format import Jinja2ChatFormatter

from desktop_llm.engine.cancel import CancelToken
from desktop_llm.engine.context_window import dropped_turns, fit_to_context, reply_reserve
from desktop_llm.engine.kv_states import SavedState, StateKey, StateStore, common_prefix
from desktop_llm.engine.llama_log import LLAMA_LOG
from desktop_llm.engine.machine import default_threads
from desktop_llm.engine.model_file import check_model_file
from desktop_llm.engine.types import (
    DEFAULT_STATE_BUDGET,
    ChatTurn,
    FinishReason,
    GenerationParams,
    GenerationProgress,
    GenerationResult,
    LoadedModel,
    LoadSettings,
    Overflow,
)
from desktop_llm.errors import GenerationError, ModelLoadError, NoModelLoadedError
from desktop_llm.i18n import sentence, translatable
from desktop_llm.model_files import GGUFInfo, chat_template_problem

logger = logging.getLogger(__name__)

# A saved state is loaded only when it spares at least this many more prompt tokens than the
# context already does: below that, evaluating them costs less than reading the state.
MIN_STATE_GAIN = 32
# Conversations shorter than this are quick to read again: their states are not kept.
MIN_STATE_TOKENS = 64

# Used when a GGUF carries no chat template; ChatML is what most small instruct models know.
CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


class _TolerantJinja2ChatFormatter(Jinja2ChatFormatter):
    """Jinja2ChatFormatter that takes ChatML instead of a template that does not compile."""

    def __init__(self, template: str, *args: Any, **kwargs: Any) -> None:
        if chat_template_problem(template) is not None:
            template = CHATML_TEMPLATE
        super().__init__(template, *args, **kwargs)


@contextmanager
def _tolerate_broken_templates(needed: bool) -> Iterator[None]:
    """While ``Llama()`` runs, let it survive chat templates that do not compile.

    llama-cpp-python's ``Llama.__init__`` compiles every ``tokenizer.chat_template*`` string
    of the file and lets the jinja2 error escape, so a model whose only fault is a broken
    template could not load at all. It looks the class up on its module at that moment, so
    replacing the module attribute for the length of the call (on the engine thread, the only
    one that loads) is enough, and ``finally`` puts the original back.
    """
    if not needed:
        yield
        return
    original = llama_chat_format.Jinja2ChatFormatter
    llama_chat_format.Jinja2ChatFormatter = _TolerantJinja2ChatFormatter  # type: ignore[misc]
    try:
        yield
    finally:
        llama_chat_format.Jinja2ChatFormatter = original  # type: ignore[misc]


def _template_warnings(path: Path, info: GGUFInfo) -> tuple[str, ...]:
    """One sentence per chat template in the file that llama-cpp-python could not compile."""
    warnings = []
    for key, value in info.metadata.items():
        if not key.startswith("tokenizer.chat_template") or not isinstance(value, str):
            continue
        problem = chat_template_problem(value)
        if problem is None:
            continue
        which = "The chat template"
        if key != "tokenizer.chat_template":
            which += f" {key.removeprefix('tokenizer.chat_template.')!r}"
        warnings.append(
            f"{which} inside {path.name} does not parse ({problem}); using a generic ChatML "
            "template instead."
        )
    return tuple(warnings)


@contextmanager
def without_extra_buffer_types(safe_mode: bool) -> Iterator[None]:
    """While ``Llama()`` runs in safe mode, load without llama.cpp's extra buffer types.

    Those are the CPU kernels for repacked weights (AMX on recent Xeons, AVX2/AVX512 repacking
    of Q4_0 and friends); on some CPUs their first batched decode segfaults (an upstream bug).
    llama-cpp-python has no argument for it, but builds its parameters by calling
    ``llama_model_default_params`` on its module at that moment: the stand-in below turns the
    flag off, and ``finally`` puts the original back (only the engine thread loads).
    """
    if not safe_mode:
        yield
        return
    original = llama_cpp.llama_cpp.llama_model_default_params

    def safe_defaults() -> llama_cpp.llama_model_params:
        params = original()
        params.use_extra_bufts = False
        return params

    llama_cpp.llama_cpp.llama_model_default_params = safe_defaults  # type: ignore[assignment]
    try:
        yield
    finally:
        llama_cpp.llama_cpp.llama_model_default_params = original  # type: ignore[assignment]


# This module runs in the engine process, which has no translator: its messages are sentences
# the app translates when they arrive (engine/protocol.py).
_NO_MEMORY = translatable(
    "Engine",
    "Not enough memory for this model at a context of {n_ctx} tokens. Try a shorter context "
    "length, fewer GPU layers, or a smaller quantization.",
)
_BROKEN_TEMPLATE = translatable(
    "Engine", "The chat template inside {name} is broken and cannot be used: {error}"
)
_CANNOT_RUN = translatable("Engine", "llama.cpp loaded {name} but could not run it: {error}")
_CANNOT_LOAD = translatable("Engine", "llama.cpp could not load {name}: {detail}")
_STOPPED_WITH_ERROR = translatable("Engine", "llama.cpp stopped with an error: {error}")
_PROMPT_TOO_LONG = translatable(
    "Engine",
    "This prompt needs {needed} tokens with room for the reply, more than the model's context "
    "of {n_ctx}. Shorten it, or raise the context length in the model settings.",
)
NO_MODEL = translatable("Engine", "No model is loaded. Choose a model first.")


def _memory_hint(settings: LoadSettings) -> str:
    return sentence("Engine", _NO_MEMORY, n_ctx=settings.n_ctx)


class _TokenCounter:
    """A llama.cpp stopping criterion: counts sampled tokens and ends a cancelled reply.

    llama-cpp-python calls it once per sampled token, inside its own loop, so a stop takes
    effect before the next token is decoded, whatever the text streaming is holding back.
    It also calls it once more after the loop with the same tokens; that call is not counted.
    """

    def __init__(self, cancel: CancelToken) -> None:
        self._cancel = cancel
        self._seen_length = -1
        self.sampled = 0
        self.first_at: float | None = None
        self.last_at: float | None = None
        self.cut_short = False
        self.after_stop = 0  # tokens sampled after the stop arrived

    def __call__(self, tokens: Sized, _logits: object) -> bool:
        if len(tokens) > self._seen_length:
            self._seen_length = len(tokens)
            now = time.perf_counter()
            if self.first_at is None:
                self.first_at = now
            self.last_at = now
            self.sampled += 1
            if self._cancel.set_at is not None and now > self._cancel.set_at:
                self.after_stop += 1
            # The token just sampled is dropped when this says stop.
            self.cut_short = self._cancel.is_set()
        return self.cut_short

    def decode_rate(self) -> float | None:
        if self.first_at is None or self.last_at is None or self.sampled < 2:
            return None
        elapsed = self.last_at - self.first_at
        return (self.sampled - 1) / elapsed if elapsed > 0 else None


class LlamaSession:
    def __init__(
        self, llm: llama_cpp.Llama, loaded: LoadedModel, states: StateStore | None = None
    ) -> None:
        self._llm = llm
        self.loaded = loaded
        self._states = states or StateStore(_state_key(llm, loaded), None)
        self._remembered: array | None = None  # the tokens of the last state kept
        # The context's first tokens that were evaluated in batches of two or more. llama.cpp
        # computes a token evaluated alone (as each sampled token is) slightly differently,
        # so only these give a follow-up exactly the reply a fresh start would give.
        self._exact_upto = 0
        # Tokenizing only reads the vocabulary, so other threads may do it while a reply
        # decodes (llama-server does the same); this lock only keeps close() out meanwhile.
        self._tokenizer_lock = threading.Lock()
        self._closed = False
        eos_id = llm.token_eos()
        template = loaded.chat_template
        if template is None or chat_template_problem(template) is not None:
            template = CHATML_TEMPLATE
        self._formatter = Jinja2ChatFormatter(
            template=template,
            eos_token=llm._model.token_get_text(eos_id) if eos_id != -1 else "",
            bos_token=llm._model.token_get_text(llm.token_bos()) if llm.token_bos() != -1 else "",
            stop_token_ids=[eos_id],
        )

    @classmethod
    def load(
        cls,
        path: Path,
        settings: LoadSettings,
        *,
        safe_mode: bool = False,
        state_dir: Path | None = None,
        state_budget: int = DEFAULT_STATE_BUDGET,
    ) -> LlamaSession:
        """Load and run one small decode, so a kernel that crashes does so during the load
        (where the app retries in safe mode) rather than in the user's first reply.

        ``state_dir``: where conversations' saved states are kept on disk, within
        ``state_budget`` bytes (None: in memory only).
        """
        info = check_model_file(path)
        warnings = _template_warnings(path, info)
        mark = LLAMA_LOG.mark()
        try:
            with _tolerate_broken_templates(bool(warnings)), without_extra_buffer_types(safe_mode):
                llm = llama_cpp.Llama(
                    model_path=str(path),
                    n_ctx=settings.n_ctx,
                    n_gpu_layers=settings.n_gpu_layers,
                    n_threads=settings.n_threads or default_threads(),
                    flash_attn=settings.flash_attn,
                    use_mmap=settings.use_mmap,
                    verbose=False,
                )
        except jinja2.TemplateError as error:
            # Only if our check and llama-cpp-python's compiler ever disagree.
            raise ModelLoadError(
                sentence("Engine", _BROKEN_TEMPLATE, name=path.name, error=str(error))
            ) from error
        except MemoryError as error:
            raise ModelLoadError(_memory_hint(settings)) from error
        except (ValueError, RuntimeError, OSError) as error:
            raise ModelLoadError(_explain_refusal(path, settings, mark, error)) from error

        offload = LLAMA_LOG.offloaded_layers(mark)
        metadata = dict(llm.metadata)
        arch = metadata.get("general.architecture", "")
        block_count = metadata.get(f"{arch}.block_count")
        loaded = LoadedModel(
            path=path,
            n_ctx=llm.n_ctx(),
            n_layers=offload[1] if offload else (int(block_count) if block_count else None),
            gpu_layers=offload[0] if offload else 0,
            chat_template=metadata.get("tokenizer.chat_template"),
            settings=settings,
            metadata=metadata,
            info=info,
            warnings=warnings,
            safe_mode=safe_mode,
        )
        try:
            _warm_up(llm)
        except (RuntimeError, ValueError) as error:
            llm.close()
            raise ModelLoadError(
                sentence("Engine", _CANNOT_RUN, name=path.name, error=str(error))
            ) from error
        for warning in warnings:
            logger.warning("%s", warning)
        logger.info(
            "loaded %s: n_ctx=%s, %s/%s layers on the GPU",
            path.name, loaded.n_ctx, loaded.gpu_layers, loaded.n_layers,
        )
        states = StateStore(_state_key(llm, loaded), state_dir, budget=state_budget)
        return cls(llm, loaded, states)

    def close(self) -> None:
        self._states.close(wait=True)  # the last reply's state is on disk for the next start
        with self._tokenizer_lock:
            self._closed = True
            self._llm.close()

    @property
    def states(self) -> StateStore:
        return self._states

    def remember_state(self, *, re_read: bool = True) -> None:
        """Keep what the context holds now (tokens and llama.cpp's state bytes) for later
        replies that start the same way. Run between replies, on the worker thread.

        The reply's tokens were evaluated one at a time as they were sampled; they are
        evaluated again here in one batch first, as a fresh start would read them, so that a
        follow-up gives exactly the reply it would give without the saved state. (The next
        reply would have to do that anyway; here it happens while the user reads.)
        """
        n_tokens = self._llm.n_tokens
        if n_tokens < MIN_STATE_TOKENS:
            return
        exact = min(self._exact_upto, n_tokens)
        if exact < n_tokens and not re_read:
            # A reply is waiting: keep only the part read in batches, at no cost. The waiting
            # reply (or a later one) evaluates the rest again anyway.
            n_tokens = self._truncate(exact)
            if n_tokens < MIN_STATE_TOKENS:
                return
        elif exact < n_tokens:
            start = exact if n_tokens - exact >= 2 else exact - 1
            held = self._llm.input_ids[:n_tokens].tolist()
            kept = self._truncate(start)
            self._eval_batched(held[kept:])
        self._exact_upto = n_tokens
        tokens = array("i", self._llm.input_ids[:n_tokens].astype(np.int32).tobytes())
        if tokens == self._remembered:
            return
        ctx = self._llm._ctx.ctx
        size = int(llama_cpp.llama_state_get_size(ctx))
        buffer = (ctypes.c_uint8 * size)()
        written = int(llama_cpp.llama_state_get_data(ctx, buffer, size))
        if written <= 0 or written > size:
            logger.warning("llama.cpp gave no state to save (%s of %s bytes)", written, size)
            return
        data = buffer if written == size else bytearray(memoryview(buffer)[:written])
        self._states.remember(tokens, data)
        self._remembered = tokens

    def _prepare_prompt(self, prompt: list[int]) -> int:
        """Evaluate the prompt, reusing what the context holds or the saved state that shares
        the most with it; returns how many prompt tokens were not evaluated again.

        llama-cpp-python then finds the whole prompt in the context and samples at once.
        """
        held = min(
            common_prefix(self._llm.input_ids[: self._llm.n_tokens].tolist(), prompt),
            self._exact_upto,
        )
        found = self._states.best(prompt)
        if found is not None and found[0] >= held + MIN_STATE_GAIN:
            shared, state = found
            if self._restore(state):
                held = shared
        # At least two tokens are evaluated, in batches of two or more, whatever is reused:
        # the last one's logits are sampled from and must be what a fresh start computes.
        reused = self._truncate(max(0, min(held, len(prompt) - 2)))
        self._eval_batched(prompt[reused:])
        self._exact_upto = len(prompt)
        return reused

    def _truncate(self, n_tokens: int) -> int:
        """Forget the context after ``n_tokens``; returns how many tokens it still holds."""
        if not self._llm._ctx.kv_cache_seq_rm(-1, n_tokens, -1):
            # Recurrent and hybrid models (Mamba, LFM2, ...) cannot forget the end of a
            # sequence: start from an empty context rather than decode on top of stale state.
            self._llm._ctx.kv_cache_clear()
            n_tokens = 0
        self._llm.n_tokens = n_tokens
        self._exact_upto = min(self._exact_upto, n_tokens)
        return n_tokens

    def _eval_batched(self, tokens: list[int]) -> None:
        """Evaluate in batches of at most n_batch tokens and never a batch of one (unless
        that is all there is)."""
        size = self._llm.n_batch
        start = 0
        while start < len(tokens):
            end = min(start + size, len(tokens))
            if len(tokens) - end == 1:
                end -= 1  # the last batch would be a single token
            self._llm.eval(tokens[start:end])
            start = end

    def _restore(self, state: SavedState) -> bool:
        data = self._states.read(state)
        if data is None:
            return False
        size = memoryview(data).nbytes
        buffer = (ctypes.c_uint8 * size).from_buffer(data) if isinstance(data, bytearray) else data
        started = time.perf_counter()
        read = int(llama_cpp.llama_state_set_data(self._llm._ctx.ctx, buffer, size))
        if read != size:
            logger.warning("llama.cpp refused a saved state (%s of %s bytes read)", read, size)
            self._llm.reset()
            self._llm._ctx.kv_cache_clear()
            self._exact_upto = 0
            return False
        n_tokens = len(state.tokens)
        self._llm.input_ids[:n_tokens] = np.frombuffer(state.tokens, dtype=np.int32)
        self._llm.n_tokens = n_tokens
        self._llm._requires_eval = True  # its logits are not a live decode's
        self._exact_upto = n_tokens  # states are kept only once evaluated in batches
        self._remembered = state.tokens
        logger.info(
            "reused a saved state of %s tokens (%.1f MB) in %.0f ms",
            n_tokens, size / 1e6, (time.perf_counter() - started) * 1000,
        )
        return True

    def count_prompt_tokens(self, turns: Sequence[ChatTurn]) -> int:
        return len(self._tokenize_prompt(turns)[0])

    def count_text_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens of each plain text, without the chat template. Any thread may call this."""
        with self._tokenizer_lock:
            if self._closed:
                raise NoModelLoadedError(sentence("Engine", NO_MODEL))
            return [
                len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))
                if text else 0
                for text in texts
            ]

    def _tokenize_raw(self, text: str, max_tokens: int | None) -> list[int]:
        tokens = self._llm.tokenize(text.encode("utf-8"), add_bos=True, special=False)
        n_ctx = self.loaded.n_ctx
        needed = len(tokens) + reply_reserve(n_ctx, max_tokens)
        if needed > n_ctx:
            raise GenerationError(
                sentence("Engine", _PROMPT_TOO_LONG, needed=needed, n_ctx=n_ctx)
            )
        return tokens

    def _tokenize_prompt(self, turns: Sequence[ChatTurn]) -> tuple[list[int], list[str], object]:
        """The prompt's tokens, the template's stop strings and its stopping criteria.

        A conversation that ends with an assistant turn is a continuation: the turns before
        it with the generation prompt, then that reply's text with no end of turn, so the
        model carries on writing it.
        """
        continued = turns[-1].content if turns and turns[-1].role == "assistant" else None
        shown = turns[:-1] if continued is not None else turns
        messages = [{"role": turn.role, "content": turn.content} for turn in shown]
        formatted = self._formatter(messages=messages)
        prompt = formatted.prompt + (continued or "")
        tokens = self._llm.tokenize(
            prompt.encode("utf-8"),
            add_bos=not formatted.added_special,
            special=True,
        )
        stop = formatted.stop if isinstance(formatted.stop, list) else [formatted.stop]
        return tokens, [s for s in stop if s], formatted.stopping_criteria

    def generate(
        self,
        turns: Sequence[ChatTurn],
        params: GenerationParams,
        cancel: CancelToken,
        on_text: Callable[[str], None],
        *,
        on_progress: Callable[[GenerationProgress], None] | None = None,
        overflow: Overflow = "drop_oldest",
        raw_prompt: str | None = None,
    ) -> GenerationResult:
        """Stream one reply. Never raises for llama.cpp failures: they come back as 'error'.

        ``on_progress`` hears the prompt's size once it is ready, then the count of tokens
        written with each piece of text. ``raw_prompt``: a plain text to continue, without
        the chat template (``turns`` are then ignored); one that does not fit is refused.
        """
        started = time.perf_counter()
        n_ctx = self.loaded.n_ctx
        if raw_prompt is None:
            kept = fit_to_context(
                turns, n_ctx, params.max_tokens, self.count_prompt_tokens, overflow
            )
            dropped = dropped_turns(turns, kept)
            prompt, template_stop, model_criteria = self._tokenize_prompt(kept)
        else:
            dropped, template_stop, model_criteria = 0, [], None
            prompt = self._tokenize_raw(raw_prompt, params.max_tokens)
        stop = list(dict.fromkeys([*template_stop, *(s for s in params.stop if s)]))
        counter = _TokenCounter(cancel)
        criteria = llama_cpp.StoppingCriteriaList([counter])
        if model_criteria is not None:
            criteria.extend(model_criteria)

        def progress() -> None:
            if on_progress is not None:
                on_progress(GenerationProgress(len(prompt), counter.sampled, dropped, n_ctx))

        progress()
        try:
            reused = self._prepare_prompt(prompt)
        except (MemoryError, RuntimeError, ValueError) as failure:
            logger.exception("evaluating the prompt failed")
            self._llm.reset()
            self._exact_upto = 0
            error = (
                _memory_hint(self.loaded.settings) if isinstance(failure, MemoryError)
                else sentence("Engine", _STOPPED_WITH_ERROR, error=str(failure))
            )
            return GenerationResult.cut_short("", "error", n_ctx=n_ctx, error=error)
        pieces: list[str] = []
        first_text_at: float | None = None
        finish: FinishReason = "stop"
        error: str | None = None
        sampling = params.completion_kwargs()
        if sampling["seed"] is None:
            # llama-cpp-python would derive it from the last seed: the same replies after
            # every start. No seed asked for means a different reply each time.
            sampling["seed"] = random.getrandbits(31)
        stream = self._llm.create_completion(
            prompt=prompt,
            stream=True,
            stop=stop,
            stopping_criteria=criteria,
            **sampling,
        )
        try:
            for chunk in stream:
                choice = chunk["choices"][0]
                text = choice["text"]
                if text:
                    if first_text_at is None:
                        first_text_at = time.perf_counter()
                    pieces.append(text)
                    on_text(text)
                    progress()
                if choice["finish_reason"]:
                    finish = "length" if choice["finish_reason"] == "length" else "stop"
                if cancel.is_set():
                    break
        except MemoryError:
            finish, error = "error", _memory_hint(self.loaded.settings)
        except (RuntimeError, ValueError, OSError) as failure:
            logger.exception("generation failed")
            finish, error = "error", sentence("Engine", _STOPPED_WITH_ERROR, error=str(failure))
        finally:
            stream.close()
        if cancel.is_set() and finish != "error":
            finish = "cancelled"

        completion = counter.sampled
        if completion and (finish == "stop" or counter.cut_short):
            # The end-of-turn token, or the one sampled after the stop click, is not part of
            # the reply.
            completion -= 1
        return GenerationResult(
            text="".join(pieces),
            finish_reason=finish,
            prompt_tokens=len(prompt),
            completion_tokens=completion,
            time_to_first_token=(first_text_at - started) if first_text_at else None,
            tokens_per_second=counter.decode_rate(),
            n_ctx=n_ctx,
            error=error,
            tokens_after_stop=counter.after_stop if cancel.is_set() else None,
            dropped_turns=dropped,
            reused_tokens=reused,
        )


def _state_key(llm: llama_cpp.Llama, loaded: LoadedModel) -> StateKey:
    """What a saved state depends on: this model file as it is now, and how it was loaded."""
    stat = loaded.path.stat()
    return StateKey(
        model_path=str(loaded.path.resolve()),
        model_size=stat.st_size,
        model_mtime_ns=stat.st_mtime_ns,
        n_ctx=loaded.n_ctx,
        n_gpu_layers=loaded.settings.n_gpu_layers,
        gpu_layers=loaded.gpu_layers,
        flash_attn=loaded.settings.flash_attn,
        safe_mode=loaded.safe_mode,
        type_k=int(llm.context_params.type_k),
        type_v=int(llm.context_params.type_v),
        library=llama_cpp.__version__,
    )


def _warm_up(llm: llama_cpp.Llama) -> None:
    """Decode a few tokens in one batch and forget them: the first batched decode is where a
    broken CPU kernel crashes, and it also pages in the weights before the first question."""
    tokens = llm.tokenize(b"Hello, how are you today?", add_bos=True, special=False)
    try:
        llm.eval(tokens[:8])
    finally:
        llm.reset()


def _explain_refusal(path: Path, settings: LoadSettings, mark: int, error: Exception) -> str:
    """Turn llama.cpp's bare "Failed to load model" into the reason its log gave."""
    logged = LLAMA_LOG.errors_since(mark)
    if any("alloc" in line.lower() or "out of memory" in line.lower() for line in logged):
        return _memory_hint(settings)
    reason = next((line for line in reversed(logged) if "load" in line.lower()), None)
    detail = reason or str(error)
    return sentence("Engine", _CANNOT_LOAD, name=path.name, detail=detail)
