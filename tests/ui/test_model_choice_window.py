"""A model chosen in the window while a remote one is still being checked: the later choice is
the one kept, shown and saved as the default; the earlier one is set aside without a word."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from desktop_llm.engine.types import LoadedModel
from desktop_llm.ui.main_window import MainWindow
from tests.remote.fake_openai import scripted_server

pytestmark = pytest.mark.gui
SLOW_CHECK = 1.0  # seconds the slow server takes to answer each GET


def models(model_id: str) -> dict[str, object]:
    return {"/v1/models": {"data": [{"id": model_id}]}, "/props": {"n_ctx": 512}}


def test_the_model_chosen_last_is_kept_and_saved_as_the_default(
    qtbot: QtBot, open_window: Callable[..., MainWindow]
) -> None:
    window = open_window()
    service = window.bridge.service
    loaded: list[str] = []
    failed: list[str] = []
    window.bridge.modelLoaded.connect(lambda model: loaded.append(str(model.path)))
    window.bridge.modelFailed.connect(failed.append)
    with (
        scripted_server(gets=models("a"), get_delay=SLOW_CHECK) as slow,
        scripted_server(gets=models("b")) as fast,
    ):
        service.remotes.add("slow", slow)
        service.remotes.add("fast", fast)
        window.bridge.load_model("slow/a")
        qtbot.waitUntil(lambda: getattr(service.current_model, "name", None) == "slow/a")
        window.bridge.load_model("fast/b")
        qtbot.waitUntil(lambda: loaded == ["fast/b"], timeout=20_000)
        # Meanwhile the slow server's check ends (two answers, SLOW_CHECK each).
        qtbot.wait(int(SLOW_CHECK * 3000))
    assert (loaded, failed) == (["fast/b"], [])
    assert service.settings.default_model == "fast/b"
    assert isinstance(service.loaded_model, LoadedModel)
    assert service.loaded_model.remote_url == fast
    assert window.model_state.text() == "Ready"
