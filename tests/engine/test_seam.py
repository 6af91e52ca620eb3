"""The engine seam: the local engine is one ChatEngine, unchanged."""

from __future__ import annotations

from desktop_llm.engine.client import EngineProcess, Generation
from desktop_llm.engine.seam import ChatEngine
from desktop_llm.engine.seam import Generation as SeamGeneration


def test_the_engine_process_is_a_chat_engine() -> None:
    # Nothing starts: the process is spawned by the first request only.
    assert isinstance(EngineProcess(), ChatEngine)
    assert Generation is SeamGeneration
