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
        # Not waited for (400 tokens take minutes on a loaded machine); a stop may then take
        # longer than the timeout, which only restarts the engine.
        running.cancel()
        assert running.future.result(timeout=TIMEOUT).finish_reason in ("cancelled", "error")
        again = engine.generate([ChatTurn("user", "Hi")], GenerationParams(max_tokens=4),
                                lambda _text: None)
        assert again.future.result(timeout=TIMEOUT).finish_reason in ("stop", "length")
    finally:
        engine.shutdown()
