"""Serving the loaded model to other programs through the OpenAI API (``desktop-llm serve``
and the window's switch).

Built on Starlette and uvicorn: Starlette is a small, well-kept ASGI toolkit (routing,
requests, ``StreamingResponse`` for server-sent events, CORS middleware) and needs no more for
three endpoints, so FastAPI's validation layer is not pulled in (the request checks here are
written out, to answer OpenAI-style errors with the right status); uvicorn is the reference
ASGI server, pure Python with h11, with the connection limits and timeouts a server open to
other programs needs, and it runs on a thread of the window as well as in the foreground.

The replies come from the app's own engine (the same engine process and model as the
window, its requests queued in order with the window's chat); nothing an API client asks is
saved to the history. The API speaks English, like the API it imitates.

Import from the modules (``serve.server``, ``serve.options``, ...): this package's import is
kept empty so the command line's other commands never load Starlette and uvicorn.
"""
