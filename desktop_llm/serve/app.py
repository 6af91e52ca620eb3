"""The OpenAI-compatible API as a Starlette app: ``create_app(backend, options)``.

    GET  /v1/models              the model being served
    POST /v1/chat/completions    streamed (server-sent events) or not, with ``usage``
    POST /v1/completions         a raw prompt continued without the chat template, likewise

A remote model (the app's current model on an OpenAI-compatible server) is answered through
its RemoteEngine, a proxy: chats and raw completions go to its server's own endpoints, its
refusal of a prompt too long for the context is a 400 context_length_exceeded as a local
model's, its other failures a 502 upstream_error.

A reply is produced by the backend's engine while the request waits on this event loop; the
engine calls back on its own thread, so its text crosses to the loop with
``call_soon_threadsafe``. A client that goes away stops its reply: Starlette cancels a
streaming response when the client disconnects, and a waiting one watches for the disconnect.
API replies take turns (one at a time reaches the engine, whose queue is first come, first
served), so the window's own chat never waits behind more than one API reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from desktop_llm.engine.seam import Generation
from desktop_llm.engine.types import GenerationResult
from desktop_llm.errors import DesktopLLMError
from desktop_llm.serve.backend import ServeBackend, ServedModel
from desktop_llm.serve.options import ServeOptions, is_loopback
from desktop_llm.serve.requests import (
    ApiError,
    ReplyRequest,
    parse_chat_request,
    parse_completion_request,
    parse_json,
)
from desktop_llm.serve.stats import ServeStats

logger = logging.getLogger(__name__)

_END = object()
# API replies sent to the engine at once (the others wait here, in order).
REPLIES_AT_ONCE = 1


def create_app(
    backend: ServeBackend, options: ServeOptions, stats: ServeStats | None = None
) -> Starlette:
    api = _Api(backend, options, stats or ServeStats())
    middleware = [Middleware(_BrowserGuard, options=options)]
    if options.cors_origins:
        middleware.append(Middleware(
            CORSMiddleware,
            allow_origins=list(options.cors_origins),
            allow_methods=["GET", "POST"],
            # Any: the OpenAI JS client sends its own (x-stainless-*); the origins are what
            # is restricted.
            allow_headers=["*"],
        ))
    return Starlette(
        routes=[
            Route("/v1/models", api.models, methods=["GET"]),
            Route("/v1/chat/completions", api.chat_completions, methods=["POST"]),
            Route("/v1/completions", api.completions, methods=["POST"]),
        ],
        middleware=middleware,
        exception_handlers={
            ApiError: api.api_error,
            HTTPException: api.http_error,
            Exception: api.server_error,
        },
    )


class _BrowserGuard:
    """Keeps web pages out unless their origin is allowed.

    A page may send a "simple" request (a text/plain POST) anywhere without asking, so a
    request whose Origin header is not among the allowed origins is refused (403) before it
    runs; programs send no Origin. On a loopback address a request must name this machine in
    its Host header too: a page whose name was made to point to 127.0.0.1 (DNS rebinding)
    could otherwise read the replies. Elsewhere an API key is required anyway.
    """

    def __init__(self, app: ASGIApp, options: ServeOptions) -> None:
        self._app = app
        self._origins = {_origin_key(origin) for origin in options.cors_origins}
        self._hosts: set[str] | None = None
        if is_loopback(options.host):
            self._hosts = {"localhost", "127.0.0.1", "::1", options.host.casefold()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = self._refusal(Headers(scope=scope))
            if refusal is not None:
                response = JSONResponse(refusal.body(), status_code=refusal.status)
                await response(scope, receive, send)
                return
        await self._app(scope, receive, send)

    def _refusal(self, headers: Headers) -> ApiError | None:
        origin = headers.get("origin")
        if origin is not None and "*" not in self._origins and (
            _origin_key(origin) not in self._origins
        ):
            return ApiError(
                403, f"Web pages from {origin[:100]} may not use this server: allow the "
                "origin in the API server settings (or serve with --cors ORIGIN).",
                code="origin_not_allowed",
            )
        host = headers.get("host")
        if self._hosts is not None and host and _host_name(host) not in self._hosts:
            return ApiError(
                403, f"This server answers only requests addressed to this computer "
                f"(localhost or 127.0.0.1), not to {host[:100]}; a web page can reach it "
                "only from an origin allowed in the API server settings (or --cors ORIGIN).",
                code="host_not_allowed",
            )
        return None


def _origin_key(origin: str) -> str:
    return origin.strip().rstrip("/").casefold()


def _host_name(host: str) -> str:
    """The name in a Host header, without its port: ``[::1]:8080`` is ``::1``."""
    host = host.strip().casefold()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


class _Api:
    def __init__(self, backend: ServeBackend, options: ServeOptions, stats: ServeStats) -> None:
        self._backend = backend
        self._options = options
        self._stats = stats
        # API replies take turns: one at a time goes to the engine, so the window's own
        # reply waits behind one API reply at most, however many clients there are.
        self._turn = asyncio.Semaphore(REPLIES_AT_ONCE)

    # Endpoints ------------------------------------------------------------------------------

    async def models(self, request: Request) -> Response:
        self._authorize(request)
        model = self._backend.served_model()
        data = [] if model is None else [_model_entry(model)]
        return JSONResponse({"object": "list", "data": data})

    async def chat_completions(self, request: Request) -> Response:
        self._authorize(request)
        data = parse_json(await self._read_body(request))
        model = self._backend.served_model()
        chat = parse_chat_request(
            data, self._backend.default_params(), model.n_ctx if model else None
        )
        model = self._check_model(chat, model)
        return await self._reply(
            request, chat, model, _CHAT,
            lambda on_text: self._backend.generate(chat.turns, chat.params, on_text),
        )

    async def completions(self, request: Request) -> Response:
        self._authorize(request)
        data = parse_json(await self._read_body(request))
        model = self._backend.served_model()
        text = parse_completion_request(
            data, self._backend.default_params(), model.n_ctx if model else None
        )
        model = self._check_model(text, model)
        prompt = text.prompt
        assert prompt is not None
        return await self._reply(
            request, text, model, _TEXT,
            lambda on_text: self._backend.complete(prompt, text.params, on_text),
        )

    # Errors ---------------------------------------------------------------------------------

    async def api_error(self, _request: Request, error: Exception) -> Response:
        assert isinstance(error, ApiError)
        self._stats.failed(error.message)
        headers = {}
        if error.status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        if error.status in (408, 413):
            headers["Connection"] = "close"  # the rest of the body is never read
        return JSONResponse(error.body(), status_code=error.status, headers=headers)

    async def http_error(self, request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        message = {
            404: f"There is no {request.url.path} here; the API is under /v1.",
            405: f"{request.method} is not allowed on {request.url.path}.",
        }.get(error.status_code, str(error.detail))
        return await self.api_error(request, ApiError(error.status_code, message))

    async def server_error(self, request: Request, error: Exception) -> Response:
        logger.error("the API failed on %s", request.url.path, exc_info=error)
        return await self.api_error(request, ApiError(
            500, f"The server failed: {error}", kind="server_error"
        ))

    # Parts ----------------------------------------------------------------------------------

    def _authorize(self, request: Request) -> None:
        key = self._options.api_key
        if not key:
            return
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.casefold() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), key.encode()
        ):
            raise ApiError(401, "The API key is missing or wrong: send Authorization: "
                           "Bearer KEY.", code="invalid_api_key")

    async def _read_body(self, request: Request) -> bytes:
        """The body, refused (413) as soon as it is known to be over the limit: from its
        declared length before a byte is read, or while it is read."""
        limit = self._options.max_body_bytes
        too_large = ApiError(413, f"The request body is larger than {limit} bytes.",
                             code="request_too_large")
        declared = request.headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                raise ApiError(400, "The Content-Length header is not a number.")
            if int(declared) > limit:
                raise too_large

        async def read() -> bytes:
            chunks, size = [], 0
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise too_large
                chunks.append(chunk)
            return b"".join(chunks)

        try:
            return await asyncio.wait_for(read(), self._options.request_timeout)
        except asyncio.TimeoutError:
            raise ApiError(408, "The request body did not arrive in time.",
                           code="request_timeout") from None

    def _check_model(self, asked: ReplyRequest, model: ServedModel | None) -> ServedModel:
        if model is None:
            raise ApiError(503, "No model is loaded in desktop-llm.", kind="server_error",
                           code="model_not_loaded")
        if asked.model.casefold() != model.id.casefold():
            raise ApiError(
                404, f"The model {asked.model!r} does not exist; this server serves "
                f"{model.id!r}.", param="model", code="model_not_found",
            )
        return model

    async def _reply(
        self,
        request: Request,
        asked: ReplyRequest,
        model: ServedModel,
        shape: _Shape,
        start: Callable[[Callable[[str], None]], Generation],
    ) -> Response:
        if asked.stream:
            return StreamingResponse(
                self._stream(asked, model, shape, start),
                media_type="text/event-stream",
                headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
            )
        gone = asyncio.ensure_future(_disconnected(request))
        try:
            return await self._whole(gone, model, shape, start)
        finally:
            gone.cancel()

    def _begin(
        self, model: ServedModel, start: Callable[[Callable[[str], None]], Generation]
    ) -> tuple[Generation, asyncio.Queue[object]]:
        """Start the reply; its text and its end reach the returned queue on this loop."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[object] = asyncio.Queue()

        def on_text(text: str) -> None:
            _post(loop, queue.put_nowait, text)

        try:
            generation = start(on_text)
        except NotImplementedError:
            raise ApiError(
                501, f"The model {model.id!r} answers no raw completions: only "
                "/v1/chat/completions is served for it.", kind="not_implemented_error",
                code="not_implemented",
            ) from None
        except DesktopLLMError as error:  # its model went away meanwhile
            raise ApiError(503, str(error), kind="server_error", code="model_not_loaded"
                           ) from None
        generation.future.add_done_callback(lambda _done: _post(loop, queue.put_nowait, _END))
        return generation, queue

    async def _whole(
        self,
        gone: asyncio.Future[None],
        model: ServedModel,
        shape: _Shape,
        start: Callable[[Callable[[str], None]], Generation],
    ) -> Response:
        """Wait for a turn, then for the whole reply; a client that disconnects meanwhile
        stops it (or never starts it)."""
        turn = asyncio.ensure_future(self._turn.acquire())
        await asyncio.wait({turn, gone}, return_when=asyncio.FIRST_COMPLETED)
        if not turn.done():
            turn.cancel()
            return Response(status_code=499)  # left while waiting: nothing was started
        try:
            generation, _queue = self._begin(model, start)
            finished = asyncio.wrap_future(generation.future)
            try:
                await asyncio.wait({finished, gone}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                if not generation.future.done():
                    generation.cancel()  # the client left, or the server is stopping
        finally:
            self._turn.release()
        if not finished.done():
            return Response(status_code=499)  # nobody is there to read it
        result = finished.result()
        self._check_result(result, model)
        self._stats.served()
        return JSONResponse({
            "id": shape.new_id(),
            "object": shape.whole_object,
            "created": int(time.time()),
            "model": model.id,
            "choices": [shape.choice(result.text, result.finish_reason, whole=True)],
            "usage": _usage(result),
        })

    async def _stream(
        self,
        asked: ReplyRequest,
        model: ServedModel,
        shape: _Shape,
        start: Callable[[Callable[[str], None]], Generation],
    ) -> AsyncIterator[str]:
        completion_id, created = shape.new_id(), int(time.time())

        def chunk(choices: list[dict[str, Any]], **extra: Any) -> str:
            return _event({
                "id": completion_id, "object": shape.chunk_object, "created": created,
                "model": model.id, "choices": choices, **extra,
            })

        if shape.opening is not None:
            yield chunk([shape.opening])
        # A client that leaves while waiting for its turn is cancelled here by Starlette.
        async with self._turn:
            try:
                generation, queue = self._begin(model, start)
            except ApiError as error:
                self._stats.failed(error.message)
                yield _event(error.body())
                return
            try:
                while (item := await queue.get()) is not _END:
                    assert isinstance(item, str)
                    yield chunk([shape.choice(item, None)])
                result = generation.future.result()
                try:
                    self._check_result(result, model)
                except ApiError as error:
                    # The status is sent already: OpenAI's way is an error event.
                    self._stats.failed(error.message)
                    yield _event(error.body())
                    return
                yield chunk([shape.choice("", result.finish_reason)])
                if asked.include_usage:
                    yield chunk([], usage=_usage(result))
                yield "data: [DONE]\n\n"
                self._stats.served()
            finally:
                if not generation.future.done():
                    generation.cancel()  # the client went away (Starlette cancelled us)

    def _check_result(self, result: GenerationResult, model: ServedModel) -> None:
        if result.finish_reason == "error" and result.too_long:
            raise ApiError(400, result.error or "The request does not fit the model's context.",
                           code="context_length_exceeded")
        if result.finish_reason == "error" and model.remote:
            # A proxy's upstream failed (unreachable, refused the key or a setting, cut the
            # stream): a bad gateway, with the remote engine's sentence.
            raise ApiError(502, result.error or "The model's server failed.",
                           kind="server_error", code="upstream_error")
        if result.finish_reason == "error":
            raise ApiError(500, result.error or "The engine failed.", kind="server_error",
                           code="engine_error")
        if result.finish_reason == "cancelled":
            raise ApiError(503, "The reply was stopped in desktop-llm (Stop, or the server "
                           "stopping).", kind="server_error", code="cancelled")


class _Shape:
    """How a chat completion or a text completion looks, whole and in chunks."""

    def __init__(self, chat: bool) -> None:
        self.chat = chat
        self.whole_object = "chat.completion" if chat else "text_completion"
        self.chunk_object = "chat.completion.chunk" if chat else "text_completion"
        # A chat stream opens with the role, as OpenAI's does.
        self.opening = (
            {"index": 0, "delta": {"role": "assistant", "content": ""}, "logprobs": None,
             "finish_reason": None} if chat else None
        )

    def new_id(self) -> str:
        return f"{'chatcmpl' if self.chat else 'cmpl'}-{uuid.uuid4().hex}"

    def choice(self, text: str, finish: str | None, *, whole: bool = False) -> dict[str, Any]:
        if not self.chat:
            return {"index": 0, "text": text, "logprobs": None, "finish_reason": finish}
        if whole:
            content: dict[str, Any] = {"message": {"role": "assistant", "content": text}}
        else:
            content = {"delta": {"content": text} if text or finish is None else {}}
        return {"index": 0, **content, "logprobs": None, "finish_reason": finish}


_CHAT = _Shape(chat=True)
_TEXT = _Shape(chat=False)


def _model_entry(model: ServedModel) -> dict[str, Any]:
    return {"id": model.id, "object": "model", "created": model.created,
            "owned_by": "desktop-llm"}


def _usage(result: GenerationResult) -> dict[str, int]:
    return {
        "prompt_tokens": result.prompt_tokens,
        "completion_tokens": result.completion_tokens,
        "total_tokens": result.prompt_tokens + result.completion_tokens,
    }


def _event(data: dict[str, Any]) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


def _post(loop: asyncio.AbstractEventLoop, call: Callable[[Any], None], value: object) -> None:
    """Hand ``value`` to the event loop from the engine's thread (ignored once it closed)."""
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(call, value)


async def _disconnected(request: Request) -> None:
    while (await request.receive())["type"] != "http.disconnect":
        pass
