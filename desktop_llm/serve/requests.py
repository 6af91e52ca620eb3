"""OpenAI-style requests read and checked, and OpenAI-style errors.

Every field is checked by hand so that a bad request gets the status and the ``param`` the
OpenAI API would give it (400 with ``invalid_request_error``), never a 500. Fields the app has
no use for (``user``, ``logprobs`` off, ``response_format`` text, ...) are ignored, as
OpenAI-compatible servers do; ones it cannot honour (``n`` above 1, tools, JSON mode and
structured output, log probabilities) are refused, so a program that counts on them learns
it at once instead of parsing prose. llama.cpp's own sampling fields (``top_k``, ``min_p``,
``typical_p``, ``repeat_penalty``, Mirostat) are taken, as llama.cpp's servers take them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from typing import Any

from desktop_llm.engine.types import ChatTurn, GenerationParams

ROLES = ("system", "user", "assistant")
# max_tokens above the model's context is clamped to it (a reply cannot be longer anyway).
MAX_TOKENS_CAP = 1 << 20
MAX_STOP_SEQUENCES = 4


class ApiError(Exception):
    """An error answered as ``{"error": {"message", "type", "param", "code"}}``."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        kind: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind
        self.param = param
        self.code = code

    def body(self) -> dict[str, Any]:
        return {"error": {
            "message": self.message, "type": self.kind, "param": self.param, "code": self.code
        }}


@dataclass(frozen=True)
class ReplyRequest:
    """A chat completion (``turns``) or a text completion (``prompt``, no chat template)."""

    model: str
    params: GenerationParams
    stream: bool
    include_usage: bool
    turns: tuple[ChatTurn, ...] = ()
    prompt: str | None = None


def parse_json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ApiError(
            400, f"The request body is not valid JSON ({error}).", code="invalid_json"
        ) from None
    except RecursionError:  # [[[[... nested deeper than the parser goes
        raise ApiError(
            400, "The request body is nested too deeply.", code="invalid_json"
        ) from None
    if not isinstance(data, dict):
        raise ApiError(400, "The request body must be a JSON object.", code="invalid_json")
    try:
        # A lone UTF-16 surrogate ("\ud800") is valid JSON but no text: it could never
        # reach the engine.
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except RecursionError:
        raise ApiError(
            400, "The request body is nested too deeply.", code="invalid_json"
        ) from None
    except UnicodeEncodeError:
        raise ApiError(
            400, "The request body holds a lone UTF-16 surrogate (a \\uD800-\\uDFFF "
            "escape without its pair), which is not text.", code="invalid_json",
        ) from None
    return data


def parse_chat_request(
    data: dict[str, Any], defaults: GenerationParams, n_ctx: int | None
) -> ReplyRequest:
    model = _required(data, "model", str)
    messages = data.get("messages")
    if not isinstance(messages, list) or not messages:
        raise _invalid("messages", "'messages' must be a non-empty array of messages.")
    turns = tuple(_turn(item, index) for index, item in enumerate(messages))
    if all(turn.role == "system" for turn in turns):
        raise _invalid("messages", "'messages' needs a user or assistant message.")
    if data.get("tools") or data.get("functions"):
        raise _invalid("tools", "Tools and function calls are not supported by this server.")
    response_format = _optional(data, "response_format", dict)
    if response_format is not None and response_format.get("type", "text") != "text":
        raise _invalid("response_format", "JSON mode and structured output "
                       "('response_format' other than text) are not supported by this server.")
    stream, include_usage = _common(data)
    return ReplyRequest(
        model, sampling(data, defaults, n_ctx), stream, include_usage, turns=turns
    )


def parse_completion_request(
    data: dict[str, Any], defaults: GenerationParams, n_ctx: int | None
) -> ReplyRequest:
    model = _required(data, "model", str)
    prompt = data.get("prompt")
    if isinstance(prompt, list) and len(prompt) == 1:
        prompt = prompt[0]  # one prompt in an array, as the OpenAI client may send it
    if not isinstance(prompt, str) or not prompt:
        raise _invalid("prompt", "'prompt' must be a non-empty string (one prompt per "
                       "request; token arrays are not accepted).")
    if data.get("echo"):
        raise _invalid("echo", "'echo' is not supported by this server.")
    if data.get("suffix"):
        raise _invalid("suffix", "'suffix' (filling in the middle) is not supported by this "
                       "server.")
    best_of = _optional(data, "best_of", int)
    if best_of not in (None, 1):
        raise _invalid("best_of", "Only one choice per request is served ('best_of' must "
                       "be 1).")
    stream, include_usage = _common(data)
    return ReplyRequest(
        model, sampling(data, defaults, n_ctx), stream, include_usage, prompt=prompt
    )


def _common(data: dict[str, Any]) -> tuple[bool, bool]:
    """``n``, ``logprobs``, ``stream`` and ``stream_options``, the same in both kinds of
    request."""
    # A chat request says true, a completion request a number of them.
    if data.get("logprobs") or data.get("top_logprobs"):
        raise _invalid("logprobs", "Log probabilities are not served by this server.")
    n = _optional(data, "n", int)
    if n not in (None, 1):
        raise _invalid("n", "Only one choice per request is served ('n' must be 1).")
    stream = bool(_optional(data, "stream", bool) or False)
    options = _optional(data, "stream_options", dict) or {}
    include_usage = options.get("include_usage", False)
    if not isinstance(include_usage, bool):
        raise _invalid("stream_options.include_usage", "'include_usage' must be a boolean.")
    return stream, include_usage


def sampling(data: dict[str, Any], defaults: GenerationParams, n_ctx: int | None
             ) -> GenerationParams:
    """The request's sampling fields over the app's settings, each checked."""
    changes: dict[str, Any] = {}
    for name, low, high in (
        ("temperature", 0.0, 2.0), ("top_p", 0.0, 1.0), ("min_p", 0.0, 1.0),
        ("presence_penalty", -2.0, 2.0), ("frequency_penalty", -2.0, 2.0),
        ("repeat_penalty", 0.0, 10.0), ("typical_p", 0.0, 1.0),
        ("mirostat_tau", 0.0, 100.0), ("mirostat_eta", 0.0, 1.0),
    ):
        value = _number(data, name, low, high)
        if value is not None:
            changes[name] = value
    top_k = _optional(data, "top_k", int)
    if top_k is not None:
        if top_k < 0:
            raise _invalid("top_k", "'top_k' must be 0 or more.")
        changes["top_k"] = top_k
    mirostat = _optional(data, "mirostat_mode", int)
    if mirostat is not None:
        if mirostat not in (0, 1, 2):
            raise _invalid("mirostat_mode", "'mirostat_mode' must be 0 (off), 1 or 2.")
        changes["mirostat_mode"] = mirostat
    if "seed" in data:
        changes["seed"] = _optional(data, "seed", int)
    # max_completion_tokens is the newer name of max_tokens.
    field_name = "max_completion_tokens" if "max_completion_tokens" in data else "max_tokens"
    max_tokens = _optional(data, field_name, int)
    if max_tokens is not None:
        if max_tokens < 1:
            raise _invalid(field_name, f"'{field_name}' must be at least 1.")
        changes["max_tokens"] = min(max_tokens, n_ctx or MAX_TOKENS_CAP, MAX_TOKENS_CAP)
    else:
        changes["max_tokens"] = None  # the reply may fill the context, as OpenAI's
    stop = data.get("stop")
    if stop is not None:
        if isinstance(stop, str):
            stop = [stop]
        if (not isinstance(stop, list) or len(stop) > MAX_STOP_SEQUENCES
                or not all(isinstance(item, str) for item in stop)):
            raise _invalid("stop", "'stop' must be a string or an array of up to 4 strings.")
        changes["stop"] = tuple(item for item in stop if item)
    else:
        changes["stop"] = ()
    return replace(defaults, **changes)


def _turn(item: Any, index: int) -> ChatTurn:
    param = f"messages[{index}]"
    if not isinstance(item, dict):
        raise _invalid(param, f"'{param}' must be an object with 'role' and 'content'.")
    role = item.get("role")
    if role == "developer":
        role = "system"  # OpenAI's newer name for the system prompt
    if role not in ROLES:
        raise _invalid(f"{param}.role", f"'{param}.role' must be one of system, user, "
                       f"assistant (got {str(role)[:40]!r}).")
    content = item.get("content")
    if isinstance(content, list):
        texts = []
        for part in content:
            if not isinstance(part, dict) or part.get("type") != "text" or not isinstance(
                part.get("text"), str
            ):
                raise _invalid(f"{param}.content", f"'{param}.content' may only hold text parts.")
            texts.append(part["text"])
        content = "".join(texts)
    if content is None and role == "assistant":
        content = ""
    if not isinstance(content, str):
        raise _invalid(f"{param}.content", f"'{param}.content' must be a string.")
    return ChatTurn(role, content)


def _required(data: dict[str, Any], name: str, kind: type) -> Any:
    if name not in data:
        raise _invalid(name, f"'{name}' is required.", code="missing_required_parameter")
    if data[name] is None:
        raise _invalid(name, f"'{name}' must be {_KIND_NAMES[kind]}.", code="invalid_type")
    return _optional(data, name, kind)


def _optional(data: dict[str, Any], name: str, kind: type) -> Any:
    value = data.get(name)
    if value is None:
        return None
    # bool is an int to Python, never to JSON.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _invalid(name, f"'{name}' must be {_KIND_NAMES[kind]}.", code="invalid_type")
    return value


def _number(data: dict[str, Any], name: str, low: float, high: float) -> float | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _invalid(name, f"'{name}' must be a number.", code="invalid_type")
    # Compared first: an integer too large for a float (10**400) is out of range, where
    # isfinite would overflow.
    if not low <= value <= high or not math.isfinite(value):
        raise _invalid(name, f"'{name}' must be between {low:g} and {high:g}.")
    return float(value)


def _invalid(param: str, message: str, *, code: str | None = None) -> ApiError:
    return ApiError(400, message, param=param, code=code)


_KIND_NAMES = {str: "a string", int: "an integer", bool: "a boolean", dict: "an object",
               list: "an array"}
