"""A request whose text UTF-8 cannot carry (a lone surrogate, as a paste or an API client may
bring) is refused at once with a sentence; the engine goes on answering."""

from __future__ import annotations

from pathlib import Path

from desktop_llm.engine.client import EngineProcess
from desktop_llm.engine.types import ChatTurn, GenerationParams, LoadSettings

TIMEOUT = 60.0
SHORT = GenerationParams(temperature=0, max_tokens=4)


def test_a_lone_surrogate_is_refused_and_the_engine_goes_on(model_path: Path) -> None:
    engine = EngineProcess()
    try:
        engine.load(model_path, LoadSettings(n_ctx=512)).result(timeout=TIMEOUT)
        pid = engine.pid
        refused = engine.generate(
            [ChatTurn("user", "x\ud800")], SHORT, lambda _t: None
        ).future.result(timeout=5)
        assert refused.finish_reason == "error"
        assert refused.error is not None
        assert refused.error.startswith("The request could not be sent to the engine:")
        assert "surrogate" in refused.error
        counted = engine.count_tokens(["a\udfff"])
        assert counted.exception(timeout=5) is not None
        answered = engine.generate(
            [ChatTurn("user", "Say hi.")], SHORT, lambda _t: None
        ).future.result(timeout=TIMEOUT)
        assert answered.finish_reason in ("stop", "length") and answered.text
        assert engine.pid == pid  # the same process: nothing was killed
    finally:
        engine.shutdown()
