"""What a reply's stream has said: OpenAI's chunks (or a whole answer) read into text, a
finish reason, usage and the figures measured here.

Reasoning a server sends apart (``reasoning_content``, as vLLM, llama-server and DeepSeek send
it) is put inside <think>, as local models write it, so the history and the window treat both
alike.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from desktop_llm.engine.types import (
    FinishReason,
    GenerationProgress,
    GenerationResult,
)
from desktop_llm.i18n import translate

FINISH_REASONS: dict[str, FinishReason] = {
    "stop": "stop",
    "length": "length",
    "eos": "stop",
    "tool_calls": "stop",
    "function_call": "stop",
    "content_filter": "error",
}


@dataclass
class StreamState:
    """What a reply's stream has said so far."""

    prompt_estimate: int
    n_ctx: int
    raw: bool = False
    chunks: int = 0
    events: int = 0
    first_at: float | None = None
    last_at: float | None = None
    started: float | None = None
    finish: FinishReason | None = None
    usage: dict[str, Any] | None = None
    error: str | None = None
    thinking: bool = False
    estimated: bool = True

    def take_chunk(self, data: str, receive: Callable[[str], None]) -> bool:
        """One event's JSON; True when it brought text."""
        chunk = json.loads(data)
        if not isinstance(chunk, dict):
            raise ValueError("an event is not a JSON object")
        if isinstance(chunk.get("error"), dict | str):
            error = chunk["error"]
            message = error.get("message") if isinstance(error, dict) else error
            self.error = translate(
                "Remote", "The server stopped the reply with an error: {reason}"
            ).format(reason=message)
            self.finish = "error"
            return False
        if isinstance(chunk.get("usage"), dict):
            self.usage = chunk["usage"]
        choices = chunk.get("choices") or []
        choice = choices[0] if isinstance(choices, list) and choices else {}
        if not isinstance(choice, dict):
            return False
        if self.raw:
            text = choice.get("text") if isinstance(choice.get("text"), str) else ""
        else:
            delta = choice.get("delta") or {}
            text = self._text_of(delta if isinstance(delta, dict) else {})
        if text:
            now = time.monotonic()
            if self.first_at is None:
                self.first_at = now
            self.last_at = now
            self.chunks += 1
            receive(text)
        reason = choice.get("finish_reason")
        if isinstance(reason, str) and reason:
            if self.thinking:
                receive("</think>")
                self.thinking = False
            self.finish = FINISH_REASONS.get(reason, "stop")
        return bool(text)

    def take_whole(self, data: Any, receive: Callable[[str], None]) -> None:
        """A complete (not streamed) chat completion."""
        if not isinstance(data, dict):
            raise ValueError("the answer is not a JSON object")
        choices = data.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise ValueError("the answer has no choices")
        first = choices[0]
        message = first.get("message") or {}
        self.usage = data.get("usage") if isinstance(data.get("usage"), dict) else None
        if self.raw:
            text = first.get("text") if isinstance(first.get("text"), str) else ""
        else:
            text = self._text_of(message if isinstance(message, dict) else {})
        if self.thinking:
            text += "</think>"
            self.thinking = False
        self.first_at = self.last_at = time.monotonic()
        self.chunks = 1
        receive(text)
        self.finish = FINISH_REASONS.get(str(first.get("finish_reason")), "stop")

    def _text_of(self, delta: dict[str, Any]) -> str:
        """The text a delta adds; reasoning (``reasoning_content``, as vLLM, llama-server and
        DeepSeek send it) goes inside <think>, as local models write it."""
        text = ""
        reasoning = delta.get("reasoning_content") or delta.get("reasoning")
        if isinstance(reasoning, str) and reasoning:
            if not self.thinking:
                text += "<think>"
                self.thinking = True
            text += reasoning
        content = delta.get("content")
        if isinstance(content, str) and content:
            if self.thinking:
                text += "</think>"
                self.thinking = False
            text += content
        return text

    def progress(self) -> GenerationProgress:
        return GenerationProgress(
            prompt_tokens=self.prompt_estimate,
            completion_tokens=self.chunks,
            dropped_turns=0,
            n_ctx=self.n_ctx,
            estimated=self.estimated,
        )

    def result(
        self, text: str, finish: FinishReason, error: str | None = None
    ) -> GenerationResult:
        """The reply as it ended: ``text`` is all it wrote."""
        usage = self.usage or {}
        prompt = usage.get("prompt_tokens")
        completion = usage.get("completion_tokens")
        completion_tokens = completion if isinstance(completion, int) else self.chunks
        rate = None
        if (
            self.first_at is not None and self.last_at is not None
            and completion_tokens >= 2 and self.last_at > self.first_at
        ):
            rate = (completion_tokens - 1) / (self.last_at - self.first_at)
        return GenerationResult(
            text=text,
            finish_reason=finish,
            # Without usage (llama-cpp-python's stream has none), the server's own count of the
            # prompt; an estimate is only shown, never saved as a figure.
            prompt_tokens=(
                prompt if isinstance(prompt, int)
                else 0 if self.estimated else self.prompt_estimate
            ),
            completion_tokens=completion_tokens,
            time_to_first_token=(
                self.first_at - self.started
                if self.first_at is not None and self.started is not None else None
            ),
            tokens_per_second=rate,
            n_ctx=self.n_ctx,
            error=error,
        )
