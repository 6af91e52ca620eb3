"""RemoteEngine: one model on an OpenAI-compatible server, behind the engine seam.

Each reply streams on a thread of its own (server-sent events over httpx2, see api.py), with a
client of its own, so its socket is never shared. Stop sets the reply's flag and shuts that
socket down, which makes the blocked read return at once: the reply ends with the text it had,
finish reason ``cancelled``, without waiting for the server's next token. Whatever happens
(the server dies, cuts the stream, stops sending, refuses) the reply's future gets a result
that keeps the text already written, with finish reason ``error`` and a sentence.

Metrics are measured here: time to first token from the request to the first text, tokens per
second between the first and the last chunk; token counts come from the server's ``usage``
when it sends one, else the chunks are counted. The prompt's size shown while a reply streams
is counted by the server where it can (llama.cpp's tokenize endpoints, plus a few tokens a turn
for the chat template it applies), else estimated and flagged (``GenerationProgress.estimated``)
until the server's usage arrives.

The server decides what to do with a conversation longer than its context: it refuses, and
the reply ends with ``too_long`` and a sentence, as a local model's refusal does (the API
server answers 400 context_length_exceeded). ``overflow`` is the local engine's choice and
does not apply here. ``complete`` continues a raw prompt (the server's /completions) the same
way: its turn, Stop, errors and figures are a reply's.

Replies take turns where the server needs it. llama-cpp-python's server
(``python -m llama_cpp.server``) ends the reply it is streaming when another request arrives
(its ``interrupt_requests``, on by default), so its replies, and the token counts around
them, go one at a time, first come first served: a reply waits until the one before it has
ended; Stop of a waiting reply ends it at once (``cancelled``), and Stop of the one
streaming lets the next go. Servers that batch or queue requests themselves (vLLM, llama.cpp's
llama-server, Ollama, LM Studio, OpenAI) answer replies in parallel. They are told apart by
how the server counts tokens, which the first reply asks before it is sent (in its turn):
llama-cpp-python's is the only one with ``POST /extras/tokenize``; llama-server answers
``/tokenize``, the others neither. Until that is known (the first reply, or a server whose
count failed), replies take turns: waiting is safe, a cut reply is not. The list of models'
``owned_by: "me"`` would tell llama-cpp-python's server too, but costs a request and says
nothing a count does not.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import Any

import httpx2

from desktop_llm.engine.seam import Generation
from desktop_llm.engine.types import (
    ChatTurn,
    GenerationParams,
    GenerationProgress,
    GenerationResult,
    Overflow,
)
from desktop_llm.errors import DesktopLLMError, RemoteError
from desktop_llm.i18n import translate
from desktop_llm.remote import api
from desktop_llm.remote.reply import Reply, settle
from desktop_llm.remote.stream import StreamState

logger = logging.getLogger("desktop_llm.remote")


class RemoteEngine:
    """A model on an OpenAI-compatible server; implements ``engine.seam.ChatEngine``."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        model_id: str,
        *,
        read_timeout: float = api.READ_TIMEOUT,
        n_ctx: int | None = None,
    ) -> None:
        self.base_url = api.normalized_url(base_url)
        self.model_id = model_id
        self.n_ctx = n_ctx
        self._api_key = api_key or None
        self._read_timeout = read_timeout
        self._lock = threading.Lock()
        # Token counts and replies take turns: some servers (llama-cpp-python's) cut the reply
        # they are streaming when another request arrives. Counts wait for the replies to end;
        # a reply waits for the (quick) counts in flight.
        self._turns = threading.Condition(self._lock)
        self._counting = 0
        self._replies: set[Reply] = set()
        # Replies waiting for their turn, in order, and the one whose turn it is (servers
        # that cut concurrent streams; see the module's docstring).
        self._waiting: deque[Reply] = deque()
        self._turn: Reply | None = None
        self._threads: set[threading.Thread] = set()
        self._closed = False
        # None until asked: whether the server counts tokens (llama.cpp's /tokenize).
        self._counts_tokens: bool | None = None
        self._tokenize_path: str | None = None  # the one of api.TOKENIZE_PATHS that works

    def __repr__(self) -> str:  # never the key
        return f"RemoteEngine({self.base_url!r}, model_id={self.model_id!r})"

    # The seam ---------------------------------------------------------------------------------

    def generate(
        self,
        turns: Sequence[ChatTurn],
        params: GenerationParams,
        on_text: Callable[[str], None],
        *,
        on_progress: Callable[[GenerationProgress], None] | None = None,
        overflow: Overflow = "drop_oldest",
    ) -> Generation:
        """Start one reply on a thread of its own; ``on_text`` is called there."""
        request = _Request(
            "/chat/completions",
            api.chat_body(self.model_id, list(turns), params),
            [turn.content for turn in turns],
            _TEMPLATE_TOKENS_PER_TURN * len(turns),
            raw=False,
        )
        return self._start(request, on_text, on_progress)

    def complete(
        self,
        prompt: str,
        params: GenerationParams,
        on_text: Callable[[str], None],
        *,
        on_progress: Callable[[GenerationProgress], None] | None = None,
    ) -> Generation:
        """The continuation of a plain text, without the chat template (the server's
        /completions), on a thread of its own: its turn, Stop, errors and figures as a
        reply's."""
        request = _Request(
            "/completions", api.completion_body(self.model_id, str(prompt), params),
            [str(prompt)], 0, raw=True,
        )
        return self._start(request, on_text, on_progress)

    def _start(
        self,
        request: _Request,
        on_text: Callable[[str], None],
        on_progress: Callable[[GenerationProgress], None] | None,
    ) -> Generation:
        reply = Reply()
        with self._lock:
            closed = self._closed
            if not closed:
                self._replies.add(reply)
        if closed:
            reply.future.set_result(GenerationResult.cut_short(
                "", "error", error=translate("Remote", "The remote engine has been shut down.")
            ))
            return Generation(reply.future, reply.cancel)
        thread = threading.Thread(
            target=self._run,
            args=(reply, request, on_text, on_progress),
            name="remote-reply",
            daemon=True,
        )
        with self._lock:
            self._threads.add(thread)
        thread.start()
        return Generation(reply.future, lambda: self._cancel(reply))

    def count_prompt_tokens(self, turns: Sequence[ChatTurn]) -> Future[int]:
        """The prompt's tokens: its texts counted by the server, plus a few per turn for the
        chat template (which the server applies and does not show); RemoteError from a
        server that cannot count, as ``count_tokens``."""
        texts = [turn.content for turn in turns]
        return self._in_background(
            lambda: sum(self._count(texts)) + _TEMPLATE_TOKENS_PER_TURN * len(texts)
        )

    def count_tokens(self, texts: Sequence[str]) -> Future[list[int]]:
        """Each text's tokens as the server counts them (llama.cpp's servers); RemoteError
        from a server that cannot count: these counts are stored with the messages, and an
        estimate must not pass for one (the context meter shows its estimates as such)."""
        wanted = [str(text) for text in texts]
        return self._in_background(lambda: self._count(wanted))

    @property
    def busy(self) -> bool:
        """A reply or a token count is under way."""
        with self._lock:
            return bool(self._replies or self._threads)

    @property
    def cuts_concurrent_streams(self) -> bool:
        """Whether another request to this server cuts the reply it streams (llama-cpp-python's
        server), or it is not known yet: other parts of the app then leave it alone while a
        reply of this engine streams."""
        return self._cuts_concurrent_streams()

    @property
    def counts_exactly(self) -> bool | None:
        """True once the server has counted tokens, False if it cannot (estimates), None
        until asked."""
        return self._counts_tokens

    def _cancel(self, reply: Reply) -> None:
        reply.cancel()
        with self._turns:
            self._turns.notify_all()  # a reply waiting for its turn ends at once

    def stop(self) -> None:
        with self._lock:
            replies = list(self._replies)
        for reply in replies:
            reply.cancel()
        with self._turns:
            self._turns.notify_all()  # replies waiting for counts or a turn end at once

    def shutdown(self, timeout: float = 3.0) -> None:
        """Stop every reply and wait (up to ``timeout``) for their threads to settle them."""
        with self._lock:
            self._closed = True
            self._turns.notify_all()
        self.stop()
        deadline = time.monotonic() + timeout
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            unsettled = list(self._replies)
        for reply in unsettled:
            settle(reply, GenerationResult.cut_short(reply.text, "cancelled"))

    # Replies --------------------------------------------------------------------------------

    def _run(
        self,
        reply: Reply,
        request: _Request,
        on_text: Callable[[str], None],
        on_progress: Callable[[GenerationProgress], None] | None,
    ) -> None:
        try:
            result = self._stream(reply, request, on_text, on_progress)
        except BaseException as error:  # the future must settle, whatever went wrong
            logger.exception("remote reply failed")
            said = str(error) if isinstance(error, DesktopLLMError) else translate(
                "Remote", "The server at {url} sent a reply that could not be read ({reason})."
            ).format(url=self.base_url, reason=f"{type(error).__name__}: {error}")
            result = GenerationResult.cut_short(
                reply.text, "error", n_ctx=self.n_ctx or 0, error=said
            )
        finally:
            with self._lock:
                self._replies.discard(reply)
                if reply in self._waiting:
                    self._waiting.remove(reply)
                if self._turn is reply:
                    self._turn = None
                self._threads.discard(threading.current_thread())
                self._turns.notify_all()
        settle(reply, result)

    def _stream(
        self,
        reply: Reply,
        request: _Request,
        on_text: Callable[[str], None],
        on_progress: Callable[[GenerationProgress], None] | None,
    ) -> GenerationResult:
        body = request.body
        stream = StreamState(prompt_estimate=0, n_ctx=self.n_ctx or 0, raw=request.raw)

        def receive(text: str) -> None:
            if not text:
                return
            reply.pieces.append(text)
            on_text(text)

        def report() -> None:
            if on_progress is not None:
                on_progress(stream.progress())

        with self._turns:
            self._turns.wait_for(lambda: (
                not self._counting or reply.cancelled or not self._cuts_concurrent_streams()
            ), _COUNT_WAIT)
        if reply.cancelled or not self._take_turn(reply):
            return GenerationResult.cut_short("", "cancelled", n_ctx=stream.n_ctx)
        stream.prompt_estimate, stream.estimated = self._prompt_size(request, reply)
        if not self._cuts_concurrent_streams():
            self._end_turn(reply)  # the server answers replies side by side: the next goes
        if reply.cancelled:
            return GenerationResult.cut_short("", "cancelled", n_ctx=stream.n_ctx)
        report()
        stream.started = time.monotonic()
        try:
            with api.client(
                self._api_key, api.timeouts(self._read_timeout)
            ) as client, client.stream(
                "POST", f"{self.base_url}{request.path}", json=body,
                headers={"Accept": "text/event-stream"}, extensions={"trace": reply.trace},
            ) as response:
                api.check_status(
                    response, self.base_url, self._api_key, model_id=self.model_id, sent=body
                )
                _check_stream(response, self.base_url)
                if _is_json(response):  # a server that does not stream answers whole
                    # Up to a size; no deadline: a reply takes as long as the model writes
                    # (each read has the read timeout, and Stop shuts the socket).
                    whole = api.read_json(response, self.base_url, api.WHOLE_REPLY_LIMIT)
                    stream.take_whole(whole, receive)
                else:
                    for event in httpx2.EventSource(response):
                        stream.events += 1
                        if event.data.strip() == "[DONE]" or reply.cancelled:
                            break
                        if stream.take_chunk(event.data, receive):
                            report()
        except (httpx2.HTTPError, OSError, ValueError) as error:
            if reply.cancelled:
                return stream.result(reply.text, "cancelled")
            return stream.result(reply.text, "error", self._cut_sentence(error, bool(reply.pieces)))
        except api.RemoteContextError as error:
            return replace(stream.result(reply.text, "error", str(error)), too_long=True)
        except DesktopLLMError as error:
            if reply.cancelled:
                return stream.result(reply.text, "cancelled")
            return stream.result(reply.text, "error", str(error))
        finally:
            reply.done_reading()
        if reply.cancelled:
            return stream.result(reply.text, "cancelled")
        if stream.finish is None and stream.events == 0:
            # An empty stream: llama-cpp-python's server refuses a streamed request this way
            # (a prompt over its context, say); asked again unstreamed, it says why.
            refused = self._refusal_of(request, reply)
            if refused is not None:
                return replace(
                    stream.result(reply.text, "error", str(refused)),
                    too_long=isinstance(refused, api.RemoteContextError),
                )
        if stream.finish is None:
            # The stream ended without a finish reason: the server went away mid-reply.
            return stream.result(reply.text, "error", self._cut_sentence(None, bool(reply.pieces)))
        if stream.error is not None:
            return stream.result(reply.text, "error", stream.error)
        return stream.result(reply.text, stream.finish)

    def _refusal_of(self, request: _Request, reply: Reply) -> DesktopLLMError | None:
        """The server's refusal of ``request`` asked unstreamed for one token, or None (it
        did not refuse, or did not answer: the stream's own failure is then told)."""
        body = {key: value for key, value in request.body.items() if key != "stream_options"}
        body.update(stream=False, max_tokens=1)
        try:
            with api.client(
                self._api_key, api.timeouts(self._read_timeout)
            ) as client, client.stream(  # streamed: only an error's start is read
                "POST", f"{self.base_url}{request.path}", json=body,
                extensions={"trace": reply.trace},
            ) as response:
                api.check_status(
                    response, self.base_url, self._api_key, model_id=self.model_id, sent=body
                )
        except DesktopLLMError as error:
            return None if reply.cancelled else error
        except (httpx2.HTTPError, OSError):
            return None
        finally:
            reply.done_reading()
        return None

    # Turns ----------------------------------------------------------------------------------

    def _cuts_concurrent_streams(self) -> bool:
        """Whether replies must take turns: llama-cpp-python's server (its /extras/tokenize
        counted), or a server not known yet; not one that counts at /tokenize (llama.cpp's
        llama-server) or cannot count at all (vLLM, Ollama, OpenAI...)."""
        if self._tokenize_path is not None:
            return self._tokenize_path == api.CUTTING_TOKENIZE_PATH
        return self._counts_tokens is not False

    def _take_turn(self, reply: Reply) -> bool:
        """Wait for the reply's turn (at once where replies need not take turns); False when
        it was stopped (or the engine shut down) meanwhile."""
        with self._turns:
            self._waiting.append(reply)
            try:
                self._turns.wait_for(lambda: (
                    reply.cancelled or self._closed or not self._cuts_concurrent_streams()
                    or (self._turn is None and self._waiting[0] is reply)
                ))
            finally:
                self._waiting.remove(reply)
            if reply.cancelled or self._closed:
                self._turns.notify_all()  # the next in line may be first now
                return False
            if self._cuts_concurrent_streams():
                self._turn = reply
            return True

    def _end_turn(self, reply: Reply) -> None:
        with self._turns:
            if self._turn is reply:
                self._turn = None
            self._turns.notify_all()

    def _cut_sentence(self, error: BaseException | None, kept_text: bool) -> str:
        if isinstance(error, httpx2.TimeoutException) and not isinstance(
            error, httpx2.ConnectTimeout
        ):
            if kept_text:
                return translate(
                    "Remote",
                    "The server at {url} stopped sending for {seconds} seconds; the reply was "
                    "ended and the text above was kept.",
                ).format(url=self.base_url, seconds=f"{self._read_timeout:g}")
            return translate(
                "Remote",
                "The server at {url} sent nothing for {seconds} seconds; the reply was ended.",
            ).format(url=self.base_url, seconds=f"{self._read_timeout:g}")
        if isinstance(error, httpx2.ConnectError | httpx2.ConnectTimeout):
            return str(api.request_failed(error, self.base_url, self._read_timeout))
        if isinstance(error, ValueError):
            return translate(
                "Remote", "The server at {url} sent a reply that could not be read ({reason})."
            ).format(url=self.base_url, reason=error)
        if kept_text:
            return translate(
                "Remote",
                "The connection to the server at {url} was cut while it wrote this reply; the "
                "text above was kept.",
            ).format(url=self.base_url)
        return translate(
            "Remote",
            "The connection to the server at {url} was cut before this reply began.",
        ).format(url=self.base_url)

    # Token counts ---------------------------------------------------------------------------

    def _count(self, texts: list[str]) -> list[int]:
        """One text at a time, each in its turn where replies take turns (a reply sent
        meanwhile waits for one count, not for a whole history's); beside the replies on a
        server that answers side by side."""
        counts = []
        for text in texts:
            with self._turns:
                self._turns.wait_for(lambda: (
                    not self._replies or self._closed or not self._cuts_concurrent_streams()
                ))
                self._counting += 1
            try:
                counts.append(self._count_now(text))
            finally:
                with self._turns:
                    self._counting -= 1
                    self._turns.notify_all()
        return counts

    def _prompt_size(self, request: _Request, reply: Reply) -> tuple[int, bool]:
        """The prompt's tokens for the context meter, before the reply: the server counts
        its text in one request where it can (the template's few tokens a turn are added),
        else an estimate, flagged as one. Called by the reply itself, in its turn."""
        overhead = request.overhead
        text = "\n".join(request.texts)
        counted = self._server_count(text, _PROMPT_COUNT_TIMEOUT, reply.trace)
        if counted is not None:
            return counted + overhead, False
        return api.estimate_tokens(text) + overhead, True

    def _count_now(self, text: str) -> int:
        counted = self._server_count(text, api.LIST_TIMEOUT, None)
        if counted is None:
            raise RemoteError(translate(
                "Remote", "The server at {url} does not count tokens."
            ).format(url=self.base_url))
        return counted

    def _server_count(
        self, text: str, timeout: float, trace: Callable[[str, dict[str, Any]], None] | None
    ) -> int | None:
        """The server's count of ``text``, or None (it cannot count, or did not answer: a
        count is never worth a failure)."""
        if self._counts_tokens is False:
            return None
        paths = (self._tokenize_path,) if self._tokenize_path else api.TOKENIZE_PATHS
        try:
            found = api.count_with_server(
                self.base_url, self._api_key, self.model_id, [text],
                timeout=timeout, trace=trace, paths=paths,
            )
        except RemoteError:
            return None
        self._counts_tokens = found is not None
        if found is None:
            return None
        self._tokenize_path = found[1]
        return found[0][0]

    def _in_background(self, work: Callable[[], Any]) -> Future[Any]:
        done: Future[Any] = Future()

        def run() -> None:
            try:
                done.set_result(work())
            except BaseException as error:
                done.set_exception(error)
            finally:
                with self._lock:
                    self._threads.discard(threading.current_thread())

        thread = threading.Thread(target=run, name="remote-count", daemon=True)
        with self._lock:
            self._threads.add(thread)
        thread.start()
        return done


# The prompt's count before a reply must not hold it up for long.
_PROMPT_COUNT_TIMEOUT = 5.0
# A reply waits at most this long for token counts in flight (each is one quick request).
_COUNT_WAIT = 15.0
# Chat templates add a few tokens around each turn (role markers, separators).
_TEMPLATE_TOKENS_PER_TURN = 4


@dataclass(frozen=True)
class _Request:
    """What a reply asks the server: where, with which body, and the prompt's texts (and
    template tokens) to count before it."""

    path: str
    body: dict[str, Any]
    texts: list[str]
    overhead: int
    raw: bool  # a raw completion: its chunks carry ``text``, not a ``delta``


def _check_stream(response: httpx2.Response, url: str) -> None:
    """A sentence for an answer that is neither a stream of events nor a JSON reply: a
    redirect (replies are not followed elsewhere: the address should be the new one), or a
    page (a proxy's login, a web server at that address)."""
    if 300 <= response.status_code < 400:
        raise RemoteError(translate(
            "Remote",
            "The server at {url} sent the request elsewhere (HTTP {status} to {location}): "
            "change the server's address in its settings to the new one.",
        ).format(url=url, status=response.status_code,
                 location=response.headers.get("location") or "?"))
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("text/event-stream", "application/json"):
        raise RemoteError(translate(
            "Remote",
            "The server at {url} answered with {kind} instead of a reply (HTTP {status}): "
            "check that the address is the server's API, which usually ends in /v1.",
        ).format(url=url, kind=kind or translate("Remote", "no content type"),
                 status=response.status_code))


def _is_json(response: httpx2.Response) -> bool:
    content_type = response.headers.get("content-type", "")
    return content_type.split(";")[0].strip().lower() == "application/json"
