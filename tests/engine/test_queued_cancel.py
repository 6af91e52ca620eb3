"""A reply cancelled while it waits behind another is answered at once, and the engine lives."""

from __future__ import annotations

import time
from pathlib import Path

from desktop_llm.engine.client import EngineProcess
from desktop_llm.engine.types import ChatTurn, GenerationParams, LoadSettings

TIMEOUT = 120.0


def test_a_queued_reply_cancelled_settles_at_once_while_the_running_one_goes_on(
    model_path: Path,
) -> None:
    engine = EngineProcess(stop_timeout=3.0)
    try:
        engine.load(model_path, LoadSettings(n_ctx=1024)).result(timeout=TIMEOUT)
        pid = engine.pid
        long = GenerationParams(temperature=0, max_tokens=400, stop=())
        first_text: list[str] = []
        running = engine.generate([ChatTurn("user", "Write a long story.")], long,
                                  first_text.append)
        queued = engine.generate([ChatTurn("user", "Hi")], long, lambda _text: None)
        while not first_text:
            time.sleep(0.01)
        queued.cancel()
        result = queued.future.result(timeout=TIMEOUT)
        assert (result.finish_reason, result.text) == ("cancelled", "")
        assert not running.future.done()  # answered at once, not after the running reply
        time.sleep(3.5)  # past the stop timeout: the engine was not taken for stuck
        assert engine.pid == pid
        # Not waited for (400 tokens take minutes on a loaded machine): stopped, or ended on
        # its own on a quiet one (116 tokens/s writes them in the 3.5 s above); a stop may
        # also take longer than the timeout, which only restarts the engine. Its text is kept.
        running.cancel()
        ended = running.future.result(timeout=TIMEOUT)
        assert ended.text.startswith("".join(first_text)) and ended.text.strip()
        again = engine.generate([ChatTurn("user", "Hi")], GenerationParams(max_tokens=4),
                                lambda _text: None)
        assert again.future.result(timeout=TIMEOUT).finish_reason in ("stop", "length")
    finally:
        engine.shutdown()
