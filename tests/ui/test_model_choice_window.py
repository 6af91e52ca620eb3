"""A model chosen in the window while a remote one is still being checked: the later choice is
the one kept, shown and saved as the default; the earlier one is set aside without a word.
Refreshing the remote models while a server streams a reply does not cut it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QPlainTextEdit, QPushButton, QTextBrowser
from pytestqt.qtbot import QtBot

from desktop_llm.engine.types import LoadedModel
from desktop_llm.paths import AppPaths
from desktop_llm.ui.main_window import MainWindow
from tests.remote.conftest import MODEL_ALIAS, LlamaServer, llama_server  # noqa: F401
from tests.remote.fake_openai import scripted_server
from tests.ui.conftest import REPLY_MS, saved_messages

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


def test_refreshing_the_remote_models_does_not_cut_the_reply_streaming(
    qtbot: QtBot, open_window: Callable[..., MainWindow], paths: AppPaths,
    llama_server: LlamaServer,  # noqa: F811
) -> None:
    # llama_cpp.server cuts the reply it streams when any other request arrives.
    window = open_window()
    window.bridge.service.remotes.add("local", llama_server.url)
    window.bridge.load_model(f"local/{MODEL_ALIAS}")
    qtbot.waitUntil(lambda: window.model_state.text() == "Ready", timeout=20_000)
    qtbot.waitUntil(lambda: getattr(window.bridge.service.loaded_model, "remote_url", None)
                    == llama_server.url, timeout=20_000)
    box = window.findChild(QPlainTextEdit, "messageInput")
    qtbot.keyClicks(box, "Write a very long story about a lighthouse keeper.")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    view = window.findChild(QTextBrowser, "transcriptView")
    qtbot.waitUntil(lambda: len(view.toPlainText()) > 120, timeout=REPLY_MS)
    with qtbot.waitSignal(window.remotes_bridge.modelsChanged, timeout=20_000) as answer:
        window.findChild(QAction, "refreshRemotesAction").trigger()
    assert answer.args[0][0].names() == [f"local/{MODEL_ALIAS}"]
    written = len(view.toPlainText())
    qtbot.waitUntil(lambda: len(view.toPlainText()) > written + 40, timeout=REPLY_MS)
    assert window.generating
    qtbot.mouseClick(window.findChild(QPushButton, "stopButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.generating, timeout=10_000)
    _question, reply = saved_messages(paths, window.conversation_id)
    assert (reply.finish_reason, reply.error) == ("cancelled", None)
