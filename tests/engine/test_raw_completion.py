"""A raw prompt continued by the engine process without the chat template (protocol 4)."""

from __future__ import annotations

from pathlib import Path

from desktop_llm.engine import protocol
from desktop_llm.engine.client import EngineProcess
from desktop_llm.engine.types import ChatTurn, GenerationParams, LoadSettings
from desktop_llm.i18n import install_translator

TIMEOUT = 120.0


def test_a_raw_prompt_is_continued_and_one_too_long_is_refused(model_path: Path) -> None:
    assert protocol.PROTOCOL_VERSION == 4
    engine = EngineProcess()
    try:
        engine.load(model_path, LoadSettings(n_ctx=256)).result(timeout=TIMEOUT)
        greedy = GenerationParams(temperature=0, max_tokens=12)
        pieces: list[str] = []
        raw = engine.complete("1, 2, 3, 4, 5,", greedy, pieces.append).future.result(TIMEOUT)
        assert raw.finish_reason in ("stop", "length") and raw.text == "".join(pieces)
        assert " 6" in raw.text  # the text goes on, it is not answered as a question
        # Without the template the prompt is a few tokens; with it, many more.
        chat = engine.generate([ChatTurn("user", "1, 2, 3, 4, 5,")], greedy, lambda _t: None)
        assert raw.prompt_tokens < chat.future.result(TIMEOUT).prompt_tokens

        too_long = engine.complete("word " * 400, greedy, lambda _t: None).future.result(TIMEOUT)
        assert too_long.finish_reason == "error" and too_long.text == "" and too_long.too_long
        assert "This prompt needs" in (too_long.error or "")
        assert "context of 256" in (too_long.error or "")
        # A conversation refused for its length says so too (the API answers 400 for both).
        chat_too_long = engine.generate(
            [ChatTurn("user", "word " * 400)], greedy, lambda _t: None, overflow="stop"
        ).future.result(TIMEOUT)
        assert (chat_too_long.finish_reason, chat_too_long.too_long) == ("error", True)
        assert not raw.too_long

        # The refusal crosses the pipe with its template: the app process translates it.
        install_translator(_marked_translator)
        try:
            refused = engine.generate(
                [ChatTurn("user", "word " * 400)], greedy, lambda _t: None, overflow="stop"
            ).future.result(TIMEOUT)
        finally:
            install_translator(None)
        assert (refused.error or "").startswith("[translated] The conversation no longer fits")
        assert "256" in (refused.error or "")
    finally:
        engine.shutdown()


def _marked_translator(context: str, text: str) -> str:
    return f"[translated] {text}" if context == "Engine" else text
