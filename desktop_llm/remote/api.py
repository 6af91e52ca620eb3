"""The OpenAI API as far as the app speaks it: addresses, headers, the request body of a chat
completion, the list of models, token counts, and failures turned into sentences.

Why httpx2 (the successor of httpx, already installed as huggingface_hub's and the openai
client's HTTP library, so no new dependency): it streams a response line by line with its own
server-sent-events reader, has separate connect / read / write timeouts (a server that stops
sending ends in a read timeout, not a hang; one sending slowly or without end is bounded
here: ANSWER_LIMIT, Deadline), and exposes the socket so Stop can shut it down
from another thread at once. The ``openai`` client would add pydantic models, its own retries
and a second layer of timeouts around the same library, and still need the socket for Stop.
"""

from __future__ import annotations

import functools
import json
import re
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx2

from desktop_llm.engine.types import ChatTurn, GenerationParams
from desktop_llm.errors import RemoteAuthError, RemoteError, RemoteModelNotFoundError
from desktop_llm.i18n import translate
from desktop_llm.remote.reply import socket_shutdown

# Listing models is a quick question: a server that takes longer is reported, not waited for.
LIST_TIMEOUT = 10.0
CONNECT_TIMEOUT = 10.0
# How long a reply may go without a byte (a big model reading a long prompt says nothing).
READ_TIMEOUT = 120.0
# At most this much of a server's error text goes into a sentence.
_ERROR_TEXT_LIMIT = 300

# Answers are read with a bound on their size, and questions within a time for the whole
# answer: httpx2's timeouts bound each read, not the answer, so a server sending a byte now and
# then (a list of models, a byte every half second) kept a question waiting for ever, and one
# sending without end filled the memory (some 650 MB a second). Past a bound, a sentence.
# A JSON answer to a question (a list of models, /props, a token count): the longest lists of
# models (OpenRouter's, some hundreds with descriptions and prices) are a megabyte or two, and
# a count of a million tokens is about 8 MB of JSON.
ANSWER_LIMIT = 16 * 1024 * 1024
# A whole (unstreamed) reply: a million tokens of text is some 4 MB, up to six times as much
# in JSON's escapes (\uXXXX) of a non-Latin script.
WHOLE_REPLY_LIMIT = 32 * 1024 * 1024
# An error's body: its words are at its start (llama-cpp-python appends a traceback); the rest
# is not read, and the refusal is still told (cut here, never refused for its size).
ERROR_BODY_LIMIT = 64 * 1024
# ... and read for at most this long: a server that has refused has its words ready (one
# sending a byte now and then would otherwise hold a reply's refusal up for ever).
ERROR_BODY_SECONDS = 5.0

# Sampling settings and strict servers. OpenAI's own fields (temperature, top_p, the two
# penalties, seed, max_tokens, stop) are always sent. The llama.cpp / vLLM extensions below
# are sent only when the user changed them from the app's default (GenerationParams()'s):
# a setting left alone is not sent, so the server's own default applies, and a strict server
# (OpenAI's API answers 400 "Unrecognized request argument supplied: top_k") takes the
# default settings. One the user changed is sent, and a server that refuses it is told in a
# sentence naming it (check_status). Mirostat's tau and eta go only with Mirostat on.
_EXTENSIONS = ("top_k", "min_p", "typical_p", "repeat_penalty", "mirostat_mode")
_MIROSTAT = ("mirostat_tau", "mirostat_eta")
_DEFAULTS = GenerationParams()
# Other servers' names for a setting, sent beside ours: vLLM ignores repeat_penalty.
_ALIASES = {"repeat_penalty": "repetition_penalty"}


class RemoteContextError(RemoteError):
    """The server refused a request too long for the model's context (the reply's result
    is then ``too_long``, as a local model's is)."""


@dataclass(frozen=True)
class RemoteModel:
    """A model a server offers: its id, and its context size when the server says it."""

    id: str
    n_ctx: int | None = None


def normalized_url(base_url: str) -> str:
    """The API base as the OpenAI client takes it (``http://host:8000/v1``), no trailing slash."""
    url = base_url.strip().rstrip("/")
    if not re.match(r"^https?://[^/\s]+", url, re.IGNORECASE):
        raise RemoteError(translate(
            "Remote", "{url} is not a server address: write it like http://gpu-box:8000/v1."
        ).format(url=repr(base_url)))
    return url


def server_root(base_url: str) -> str:
    """Where llama.cpp servers keep their extras (/tokenize): the base without its /v1."""
    url = normalized_url(base_url)
    return url[: -len("/v1")] if url.endswith("/v1") else url


@functools.cache
def tls_context() -> ssl.SSLContext:
    """httpx2's default TLS settings (its trusted roots, SSL_CERT_FILE honoured), made once:
    making them takes about 25 ms, which every reply and token count paid before its first
    byte when each client made its own."""
    return httpx2.create_ssl_context()


def client(api_key: str | None, timeout: httpx2.Timeout) -> httpx2.Client:
    """A client of its own for one exchange with a server (its socket is never shared)."""
    return httpx2.Client(headers=headers(api_key), timeout=timeout, verify=tls_context())


def headers(api_key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


def timeouts(read: float = READ_TIMEOUT) -> httpx2.Timeout:
    return httpx2.Timeout(connect=CONNECT_TIMEOUT, read=read, write=read, pool=CONNECT_TIMEOUT)


def question_timeouts(seconds: float) -> httpx2.Timeout:
    """A quick question's: connecting too takes at most its time (``deadline`` cannot cut a
    connection being made)."""
    connect = min(CONNECT_TIMEOUT, seconds)
    return httpx2.Timeout(connect=connect, read=seconds, write=seconds, pool=connect)


class Deadline:
    """The time a whole answer may take. Past it, the exchange's socket is shut down (httpcore's
    trace hook hands it over once connected, as for a reply's Stop), so a read blocked on a
    silent or dribbling server returns at once; ``failure`` then tells why."""

    def __init__(
        self, seconds: float, trace: Callable[[str, dict[str, Any]], None] | None = None
    ) -> None:
        self.seconds = seconds
        self.passed = False
        self.answered = False  # the answer's headers came
        self._trace = trace
        self._lock = threading.Lock()
        self._shutdown: Callable[[], None] | None = None
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def extensions(self) -> dict[str, Any]:
        return {"trace": self.trace}

    def trace(self, event: str, info: dict[str, Any]) -> None:
        if self._trace is not None:
            self._trace(event, info)
        if event.endswith("receive_response_headers.complete"):
            self.answered = True
        if event == "connection.connect_tcp.complete":
            shutdown = socket_shutdown(info.get("return_value"))
            with self._lock:
                self._shutdown = shutdown
                if self.passed and shutdown is not None:
                    shutdown()

    def _expire(self) -> None:
        with self._lock:
            self.passed = True
            if self._shutdown is not None:
                self._shutdown()

    def check(self, url: str) -> None:
        """The sentence, once the time has passed (between two chunks of an answer)."""
        if self.passed:
            raise self.too_slow(url)

    def too_slow(self, url: str) -> RemoteError:
        return RemoteError(translate(
            "Remote", "The server at {url} did not finish its answer within {seconds} seconds."
        ).format(url=url, seconds=f"{self.seconds:g}"))

    def failure(self, error: httpx2.HTTPError, url: str) -> RemoteError:
        """A failed exchange as a sentence: the deadline's when it had passed (a server
        that had not answered at all then is told as silent)."""
        if self.passed and not self.answered:
            return _silent(url, self.seconds)
        return self.too_slow(url) if self.passed else request_failed(error, url, self.seconds)


@contextmanager
def deadline(
    seconds: float, trace: Callable[[str, dict[str, Any]], None] | None = None
) -> Iterator[Deadline]:
    """A Deadline running for the block (its socket let go at the end)."""
    watch = Deadline(seconds, trace)
    watch._timer.start()
    try:
        yield watch
    finally:
        watch._timer.cancel()
        with watch._lock:
            watch._shutdown = None


def read_limited(
    response: httpx2.Response, url: str, limit: int, watch: Deadline | None = None
) -> bytes:
    """The whole body, decoded, if it is at most ``limit`` bytes; else a sentence (and the
    rest is not read). ``watch``: its time checked between chunks."""
    parts: list[bytes] = []
    size = 0
    for part in response.iter_bytes():
        if watch is not None:
            watch.check(url)
        size += len(part)
        if size > limit:
            raise RemoteError(translate(
                "Remote", "The server at {url} sent an answer larger than {size} MB; it was "
                "not read."
            ).format(url=url, size=f"{limit / (1024 * 1024):g}"))
        parts.append(part)
    if watch is not None:
        watch.check(url)  # a socket shut at the deadline may look like the body's end
    return b"".join(parts)


def read_json(response: httpx2.Response, url: str, limit: int) -> Any:
    """The body's JSON, read as ``read_limited`` reads; ValueError when it is not JSON."""
    return json.loads(read_limited(response, url, limit))


def _read_start(response: httpx2.Response, limit: int, seconds: float) -> bytes:
    """The body's first ``limit`` bytes (decoded), or what came in ``seconds``; the rest is
    not read."""
    if response.is_stream_consumed:
        return response.content[:limit]
    parts: list[bytes] = []
    size = 0
    until = time.monotonic() + seconds
    for part in response.iter_bytes():
        parts.append(part[: limit - size])
        size += len(parts[-1])
        if size >= limit or time.monotonic() > until:
            break
    return b"".join(parts)


def list_remote_models(
    base_url: str, api_key: str | None, *, timeout: float = LIST_TIMEOUT
) -> list[RemoteModel]:
    """The models of ``GET /models``, in the server's order; the whole answer within
    ``timeout`` seconds and ANSWER_LIMIT bytes, else a sentence."""
    url = normalized_url(base_url)
    with client(api_key, question_timeouts(timeout)) as http, deadline(timeout) as watch:
        try:
            with http.stream(
                "GET", f"{url}/models", follow_redirects=True, extensions=watch.extensions()
            ) as response:
                if response.status_code == 404:
                    raise RemoteError(translate(
                        "Remote",
                        "The server at {url} has no list of models (HTTP 404): check the "
                        "address; it usually ends in /v1.",
                    ).format(url=url))
                check_status(response, url, api_key)
                content = read_limited(response, url, ANSWER_LIMIT, watch)
        except httpx2.HTTPError as error:
            raise watch.failure(error, url) from error
    try:
        entries = json.loads(content).get("data")
    except (ValueError, AttributeError):
        entries = None
    if not isinstance(entries, list):
        raise RemoteError(translate(
            "Remote", "The server at {url} did not answer like an OpenAI-compatible server."
        ).format(url=url))
    models = []
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"]:
            models.append(RemoteModel(entry["id"], _context_size(entry)))
    return models


def list_models(base_url: str, api_key: str | None, *, timeout: float = LIST_TIMEOUT) -> list[str]:
    """The ids of the models the server offers (``GET /models``)."""
    return [model.id for model in list_remote_models(base_url, api_key, timeout=timeout)]


def _context_size(entry: dict[str, Any]) -> int | None:
    # vLLM says max_model_len. llama-server's list has only meta.n_ctx_train (the trained
    # size, not what it serves): its /props is asked instead (server_context_size).
    meta = entry.get("meta") if isinstance(entry.get("meta"), dict) else {}
    for value in (entry.get("max_model_len"), entry.get("context_length"), meta.get("n_ctx")):
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def chat_body(
    model_id: str, turns: list[ChatTurn], params: GenerationParams, *, stream: bool = True
) -> dict[str, Any]:
    """A chat completion request with the sampling settings mapped to OpenAI's names, and the
    llama.cpp / vLLM extensions the user changed from the app's defaults (see _EXTENSIONS)."""
    messages = [{"role": turn.role, "content": turn.content} for turn in turns]
    return _request_body({"model": model_id, "messages": messages}, params, stream=stream)


def completion_body(
    model_id: str, prompt: str, params: GenerationParams, *, stream: bool = True
) -> dict[str, Any]:
    """A (raw, legacy) completion request: ``prompt`` continued without the chat template,
    with the sampling settings as in ``chat_body``."""
    return _request_body({"model": model_id, "prompt": prompt}, params, stream=stream)


def _request_body(
    body: dict[str, Any], params: GenerationParams, *, stream: bool
) -> dict[str, Any]:
    body = {
        **body,
        "temperature": params.temperature,
        "top_p": params.top_p,
        "presence_penalty": params.presence_penalty,
        "frequency_penalty": params.frequency_penalty,
    }
    if stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    if params.seed is not None:
        body["seed"] = params.seed
    if params.max_tokens is not None:
        body["max_tokens"] = params.max_tokens
    if params.stop:
        body["stop"] = list(params.stop)
    changed = [name for name in _EXTENSIONS if getattr(params, name) != getattr(_DEFAULTS, name)]
    if params.mirostat_mode:
        changed += [
            name for name in _MIROSTAT if getattr(params, name) != getattr(_DEFAULTS, name)
        ]
    for name in changed:
        body[name] = getattr(params, name)
        if name in _ALIASES:
            body[_ALIASES[name]] = body[name]
    return body


def error_text(response: httpx2.Response) -> str:
    """The server's own words about a failure, short: OpenAI's error.message, FastAPI's
    detail, or the start of the body."""
    try:
        data = response.json()
    except (ValueError, UnicodeDecodeError):
        data = None
    text = ""
    if isinstance(data, dict) and data.get("object") == "error":
        data = {"error": data}  # vLLM before 0.9: the error object at the top
    if isinstance(data, dict):
        error = data.get("error", data.get("detail"))
        if isinstance(error, dict):
            text = str(error.get("message") or "")
        elif error is not None:
            text = error if isinstance(error, str) else json.dumps(error)
    if not text:
        try:
            text = response.text
        except (UnicodeDecodeError, httpx2.ResponseNotRead):
            text = ""
    # llama-cpp-python appends a traceback after a blank line.
    text = " ".join(text.split("\n\n")[0].split())
    return text[:_ERROR_TEXT_LIMIT] + ("…" if len(text) > _ERROR_TEXT_LIMIT else "")


def error_param(response: httpx2.Response, sent: dict[str, Any]) -> str | None:
    """The setting of ours the server names in its refusal, if any (by the app's name:
    repeat_penalty for vLLM's repetition_penalty)."""
    ours = {alias: name for name, alias in _ALIASES.items()}
    try:
        data = response.json()
    except (ValueError, UnicodeDecodeError):
        data = None
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        param = data["error"].get("param")
        if isinstance(param, str) and param in sent:
            return ours.get(param, param)
    text = error_text(response)
    for name in sorted(sent, key=len, reverse=True):
        if name not in ("model", "messages", "prompt", "stream") and re.search(
            rf"\b{re.escape(name)}\b", text
        ):
            return ours.get(name, name)
    return None


def check_status(
    response: httpx2.Response,
    url: str,
    api_key: str | None,
    *,
    model_id: str | None = None,
    sent: dict[str, Any] | None = None,
) -> None:
    """Raise a sentence for a failed answer; nothing for a 2xx."""
    status = response.status_code
    if status < 400:
        return
    # The body's start only (ERROR_BODY_LIMIT, ERROR_BODY_SECONDS), as an answer of its own.
    response = httpx2.Response(
        status,
        headers={"content-type": response.headers.get("content-type", "")},
        content=_read_start(response, ERROR_BODY_LIMIT, ERROR_BODY_SECONDS),
        request=response.request,
        extensions={"reason_phrase": response.reason_phrase.encode()},
    )
    reason = error_text(response) or response.reason_phrase
    if status in (401, 403):
        if not api_key:
            raise RemoteAuthError(translate(
                "Remote",
                "The server at {url} wants an API key (HTTP {status}); save one with the "
                "server's settings.",
            ).format(url=url, status=status))
        raise RemoteAuthError(translate(
            "Remote", "The server at {url} refused the API key (HTTP {status}): {reason}"
        ).format(url=url, status=status, reason=reason))
    if status == 404 and model_id is not None:
        raise RemoteModelNotFoundError(translate(
            "Remote", "The server at {url} has no model {model} (HTTP 404): {reason}"
        ).format(url=url, model=repr(model_id), reason=reason))
    if status == 400 and _context_exceeded(response):
        raise RemoteContextError(translate(
            "Remote",
            "The request is too long for the context of the model at {url} (HTTP {status}): "
            "{reason}",
        ).format(url=url, status=status, reason=reason))
    param = error_param(response, sent) if sent else None
    if param is not None and status < 600:
        raise RemoteError(translate(
            "Remote", "The server at {url} rejected the setting {name} (HTTP {status}): {reason}"
        ).format(url=url, name=param, status=status, reason=reason))
    if status >= 500:
        raise RemoteError(translate(
            "Remote", "The server at {url} failed (HTTP {status}): {reason}"
        ).format(url=url, status=status, reason=reason))
    raise RemoteError(translate(
        "Remote", "The server at {url} refused the request (HTTP {status}): {reason}"
    ).format(url=url, status=status, reason=reason))


def _context_exceeded(response: httpx2.Response) -> bool:
    """A refusal because the prompt does not fit the context: OpenAI's, vLLM's and
    llama-cpp-python's code ``context_length_exceeded`` (or their sentence about the maximum
    context length), llama.cpp's llama-server's type ``exceed_context_size_error``."""
    try:
        data = response.json()
    except (ValueError, UnicodeDecodeError):
        data = None
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict) and (
        error.get("code") == "context_length_exceeded"
        or error.get("type") == "exceed_context_size_error"
    ):
        return True
    return bool(re.search(r"maximum context length", error_text(response), re.IGNORECASE))


def request_failed(error: httpx2.HTTPError, url: str, read_timeout: float) -> RemoteError:
    """A request that got no answer at all, as a sentence."""
    untrusted = _certificate_refusal(error)
    if untrusted is not None:
        return RemoteError(translate(
            "Remote",
            "The server at {url} has a certificate this computer does not trust ({reason}). "
            "For a server with its own certificate authority, add that authority to the "
            "system's trusted certificates, or name its file in SSL_CERT_FILE.",
        ).format(url=url, reason=untrusted.verify_message or untrusted.reason))
    if isinstance(error, httpx2.ConnectTimeout | httpx2.ConnectError):
        return RemoteError(translate(
            "Remote",
            "The server at {url} could not be reached ({reason}). Check the address and that "
            "the server is running.",
        ).format(url=url, reason=_reason(error)))
    if isinstance(error, httpx2.TimeoutException):
        return _silent(url, read_timeout)
    return RemoteError(translate(
        "Remote", "The connection to the server at {url} failed ({reason})."
    ).format(url=url, reason=_reason(error)))


def _silent(url: str, seconds: float) -> RemoteError:
    return RemoteError(translate(
        "Remote", "The server at {url} sent nothing for {seconds} seconds."
    ).format(url=url, seconds=f"{seconds:g}"))


def _certificate_refusal(error: BaseException) -> ssl.SSLCertVerificationError | None:
    """The refused certificate behind a failed connection, if that is why it failed."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


def _reason(error: BaseException) -> str:
    text = str(error).strip()
    return text or type(error).__name__


def server_context_size(
    base_url: str, api_key: str | None, model_id: str, *, timeout: float
) -> int | None:
    """The context size a server serves ``model_id`` with, where its list of models did not
    say: llama.cpp's llama-server in its ``/props``, LM Studio in ``/api/v0/models/{id}``
    (``loaded_context_length``, else the model's ``max_context_length``). None from any
    other server (llama-cpp-python's tells none), or when it does not answer."""
    root = server_root(base_url)
    data = _get_json(f"{root}/props", api_key, timeout)
    settings = data.get("default_generation_settings") if isinstance(data, dict) else None
    for source in (settings, data):
        if isinstance(source, dict) and _positive(source.get("n_ctx")):
            return int(source["n_ctx"])
    data = _get_json(f"{root}/api/v0/models/{quote(model_id, safe='/')}", api_key, timeout)
    if isinstance(data, dict) and data.get("id") in (None, model_id):
        for name in ("loaded_context_length", "max_context_length"):
            if _positive(data.get(name)):
                return int(data[name])
    return None


def _get_json(url: str, api_key: str | None, timeout: float) -> Any:
    """A GET's JSON answer, or None (no such path, an error, no answer within ``timeout``
    or ANSWER_LIMIT, not JSON)."""
    try:
        with (
            client(api_key, question_timeouts(timeout)) as http,
            deadline(timeout) as watch,
            http.stream("GET", url, extensions=watch.extensions()) as response,
        ):
            if response.status_code != 200:
                return None
            return json.loads(read_limited(response, url, ANSWER_LIMIT, watch))
    except (httpx2.HTTPError, ValueError, RemoteError):
        return None


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def estimate_tokens(text: str) -> int:
    """A rough token count for a server that cannot count: about four characters a token."""
    return (len(text) + 3) // 4


# llama-cpp-python's server, then llama.cpp's llama-server: where each counts tokens.
TOKENIZE_PATHS = ("/extras/tokenize", "/tokenize")
# The server counting there (llama-cpp-python's) ends the stream it is writing when another
# request arrives: replies to it take turns (engine.py).
CUTTING_TOKENIZE_PATH = "/extras/tokenize"


def count_with_server(
    base_url: str,
    api_key: str | None,
    model_id: str,
    texts: list[str],
    *,
    timeout: float,
    trace: Callable[[str, dict[str, Any]], None] | None = None,
    paths: tuple[str, ...] = TOKENIZE_PATHS,
) -> tuple[list[int], str] | None:
    """Each text's tokens counted by the server, and the path that counted them (llama.cpp's
    ``/tokenize`` or llama-cpp-python's ``/extras/tokenize``: pass it back as ``paths`` to
    skip asking the other); None when the server has neither. ``trace``: httpcore's trace
    hook (a reply's, so its Stop also ends this wait)."""
    root = server_root(base_url)
    url = normalized_url(base_url)
    with client(api_key, question_timeouts(timeout)) as http:
        for path in paths:
            counts = []
            for text in texts:
                body = (
                    {"input": text, "model": model_id} if path == "/extras/tokenize"
                    else {"content": text}
                )
                # Each count within ``timeout`` and ANSWER_LIMIT, else a sentence.
                with deadline(timeout, trace) as watch:
                    try:
                        with http.stream(
                            "POST", root + path, json=body, extensions=watch.extensions()
                        ) as response:
                            tokens = _tokens(response, url, watch)
                    except httpx2.HTTPError as error:
                        raise watch.failure(error, url) from error
                if tokens is None:
                    break
                counts.append(tokens)
            else:
                return counts, path
    return None


def _tokens(response: httpx2.Response, url: str, watch: Deadline) -> int | None:
    if response.status_code != 200:
        return None
    try:
        tokens = json.loads(read_limited(response, url, ANSWER_LIMIT, watch)).get("tokens")
    except (ValueError, AttributeError):
        return None
    return len(tokens) if isinstance(tokens, list) else None
