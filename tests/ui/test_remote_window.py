"""Remote servers in the window: added in Settings > Remote servers, their models in the model
selector (asked off the GUI thread: a silent server never freezes the window), chatted with."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

import keyring
import pytest
from keyring.backends import null
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QTreeWidget,
)
from pytestqt.qtbot import QtBot

from desktop_llm.paths import AppPaths
from desktop_llm.settings import RemoteEndpoint, Settings, save_settings
from desktop_llm.ui import remotes_bridge
from desktop_llm.ui.main_window import MainWindow
from desktop_llm.ui.model_selector import ModelSelector
from tests.remote.conftest import (  # noqa: F401 (fixtures)
    MODEL_ALIAS,
    LlamaServer,
    free_port,
    llama_server,
    silent_server,
    unused_url,
)
from tests.remote.fake_openai import chunk, scripted_server
from tests.ui.conftest import REPLY_MS, saved_messages

pytestmark = pytest.mark.gui
# The offscreen platform, when the model selector's list opens.
OPENS_A_POPUP = pytest.mark.qt_log_ignore("This plugin does not support grabbing the keyboard")
MODELS = {"/v1/models": {"data": [{"id": "big"}, {"id": "small"}]}}


def add_server(
    qtbot: QtBot, window: MainWindow, name: str, url: str, key: str = ""
) -> QLabel:
    dialog = window.edit_remotes()
    qtbot.keyClicks(dialog.findChild(QLineEdit, "remoteName"), name)
    qtbot.keyClicks(dialog.findChild(QLineEdit, "remoteUrl"), url)
    qtbot.keyClicks(dialog.findChild(QLineEdit, "remoteKey"), key)
    qtbot.mouseClick(dialog.findChild(QPushButton, "addRemoteButton"), Qt.MouseButton.LeftButton)
    return dialog.findChild(QLabel, "remoteResult")


def selector_items(window: MainWindow) -> list[str]:
    selector = window.findChild(QComboBox, "modelSelector")
    return [selector.itemText(i) for i in range(selector.count())]


def test_a_remote_model_is_chosen_and_chatted_with(
    qtbot: QtBot, open_window: Callable[..., MainWindow], paths: AppPaths,
    llama_server: LlamaServer,  # noqa: F811
) -> None:
    window = open_window()
    result = add_server(qtbot, window, "local", llama_server.url)
    qtbot.waitUntil(lambda: f"Its models: {MODEL_ALIAS}" in result.text(), timeout=20_000)
    remote_name = f"local/{MODEL_ALIAS}"
    qtbot.waitUntil(lambda: remote_name in selector_items(window), timeout=20_000)
    # The installed model stays listed first.
    assert selector_items(window)[0] == "SmolLM2 135M Instruct (Q4_1)"

    selector = window.findChild(QComboBox, "modelSelector")
    selector.setCurrentIndex(selector.findText(remote_name))
    selector.activated.emit(selector.currentIndex())
    qtbot.waitUntil(lambda: window.model_state.text() == "Ready", timeout=20_000)
    assert window.bridge.service.current_model.name == remote_name
    assert window.status.gpu_label.text() == f"Remote: {llama_server.url}"

    box = window.findChild(QPlainTextEdit, "messageInput")
    qtbot.keyClicks(box, "Say hello.")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.generating, timeout=REPLY_MS)
    conversation_id = window.conversation_id
    assert conversation_id is not None
    _question, reply = saved_messages(paths, conversation_id)
    assert reply.model == remote_name
    assert reply.finish_reason in ("stop", "length"), reply.error
    assert reply.content.strip()
    qtbot.waitUntil(lambda: "tok/s" in window.status.speed_label.text())

    # Removed: its models leave the selector.
    dialog = window.edit_remotes()
    servers = dialog.findChild(QTreeWidget, "remoteServers")
    qtbot.waitUntil(lambda: servers.topLevelItemCount() == 1)
    servers.setCurrentItem(servers.topLevelItem(0))
    # Chosen, its name and address are ready to be added again with another key.
    assert dialog.findChild(QLineEdit, "remoteName").text() == "local"
    assert dialog.findChild(QLineEdit, "remoteUrl").text() == llama_server.url
    qtbot.mouseClick(dialog.findChild(QPushButton, "removeRemoteButton"),
                     Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: servers.topLevelItemCount() == 0)
    qtbot.waitUntil(lambda: remote_name not in selector_items(window), timeout=20_000)


def test_a_silent_server_never_freezes_the_window(
    qtbot: QtBot, open_window: Callable[..., MainWindow], silent_server: str,  # noqa: F811
) -> None:
    window = open_window()
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(50)
    result = add_server(qtbot, window, "silent", silent_server)
    qtbot.waitUntil(lambda: "sent nothing for" in result.text(), timeout=30_000)
    # The server is listed as not available, with why in its tooltip.
    qtbot.waitUntil(lambda: "silent: not available" in selector_items(window), timeout=30_000)
    timer.stop()
    gaps = [later - earlier for earlier, later in itertools.pairwise(ticks)]
    assert ticks and max(gaps) < 1.0, f"the window stalled for {max(gaps):.1f} s"
    # The installed model is still the one in use.
    assert window.bridge.service.current_model.name == "SmolLM2 135M Instruct (Q4_1)"


def test_stop_ends_a_remote_reply_and_the_meter_counts_it(
    qtbot: QtBot, open_window: Callable[..., MainWindow], paths: AppPaths,
    llama_server: LlamaServer,  # noqa: F811
) -> None:
    window = open_window()
    window.bridge.service.remotes.add("local", llama_server.url)
    window.remotes_bridge.refresh()
    remote_name = f"local/{MODEL_ALIAS}"
    qtbot.waitUntil(lambda: remote_name in selector_items(window), timeout=20_000)
    window.bridge.load_model(remote_name)
    qtbot.waitUntil(lambda: window.model_state.text() == "Ready", timeout=20_000)
    assert window.status.context_label.text() == "Context: size unknown"

    box = window.findChild(QPlainTextEdit, "messageInput")
    qtbot.keyClicks(box, "Write a very long story about a lighthouse keeper.")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    # Counted by the server while it streams (no context size from llama_cpp.server).
    qtbot.waitUntil(
        lambda: window.status.context_label.text().endswith(" tokens (size unknown)"),
        timeout=REPLY_MS,
    )
    view = window.findChild(QTextBrowser, "transcriptView")
    qtbot.waitUntil(lambda: len(view.toPlainText()) > 120, timeout=REPLY_MS)
    assert window.generating
    qtbot.mouseClick(window.findChild(QPushButton, "stopButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.generating, timeout=10_000)
    _question, reply = saved_messages(paths, window.conversation_id)
    assert reply.finish_reason == "cancelled"
    assert reply.content.strip()


def test_the_meter_says_when_a_servers_context_size_is_unknown(
    qtbot: QtBot, open_window: Callable[..., MainWindow],
) -> None:
    window = open_window()
    status = window.status
    assert " / " in status.context_label.text() and status.context_meter.isVisible()
    assert status.backend_label.isVisible()
    events = [
        chunk({"content": "Hi there."}), chunk({}, "stop"),
        '{"choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 3}}', "[DONE]",
    ]
    with scripted_server(events, gets={"/v1/models": {"data": [{"id": "m"}]}}) as url:
        window.bridge.service.remotes.add("plain", url)
        window.bridge.load_model("plain/m")
        qtbot.waitUntil(lambda: status.gpu_label.text() == f"Remote: {url}", timeout=20_000)
        # No bound: neither the local model's nor an empty bar.
        assert status.context_label.text() == "Context: size unknown"
        assert not status.context_meter.isVisible()
        assert "does not say" in status.context_label.toolTip()
        # The engine process's backend (CPU here) is not the server's.
        assert not status.backend_label.isVisible()
        box = window.findChild(QPlainTextEdit, "messageInput")
        qtbot.keyClicks(box, "Hello")
        qtbot.keyClick(box, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not window.generating, timeout=REPLY_MS)
        qtbot.waitUntil(
            lambda: status.context_label.text() == "Context: 12 tokens (size unknown)"
        )
        assert not status.context_meter.isVisible()
    window.bridge.load_model("SmolLM2 135M Instruct (Q4_1)")
    qtbot.waitUntil(lambda: " / " in status.context_label.text(), timeout=60_000)
    assert status.context_meter.isVisible() and not status.context_label.toolTip()
    assert status.backend_label.isVisible()


def test_a_server_that_was_down_shows_its_models_after_a_refresh(
    qtbot: QtBot, open_window: Callable[..., MainWindow], paths: AppPaths,
) -> None:
    port = free_port()
    save_settings(Settings(remotes=(RemoteEndpoint("later", f"http://127.0.0.1:{port}/v1"),)),
                  paths.settings_file)
    window = open_window()
    qtbot.waitUntil(lambda: "later: not available" in selector_items(window), timeout=20_000)
    with scripted_server(gets=MODELS, port=port):
        window.findChild(QAction, "refreshRemotesAction").trigger()
        qtbot.waitUntil(lambda: "later/big" in selector_items(window), timeout=20_000)
    assert selector_items(window)[1:] == ["later/big", "later/small"]


@OPENS_A_POPUP
def test_opening_the_selector_asks_again_once_the_answer_is_a_minute_old(
    qtbot: QtBot, open_window: Callable[..., MainWindow], paths: AppPaths,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = free_port()
    save_settings(Settings(remotes=(RemoteEndpoint("later", f"http://127.0.0.1:{port}/v1"),)),
                  paths.settings_file)
    window = open_window()
    qtbot.waitUntil(lambda: "later: not available" in selector_items(window), timeout=20_000)
    selector = window.findChild(ModelSelector, "modelSelector")
    with scripted_server(gets=MODELS, port=port):
        # A fresh answer: opening the list does not ask again.
        with qtbot.assertNotEmitted(window.remotes_bridge.modelsChanged, wait=500):
            selector.showPopup()
        selector.hidePopup()
        assert "later: not available" in selector_items(window)
        start = remotes_bridge._clock()
        monkeypatch.setattr(remotes_bridge, "_clock", lambda: start + remotes_bridge.STALE_AFTER)
        selector.showPopup()
        assert selector.view().isVisible()  # open at once, before the answer
        qtbot.waitUntil(lambda: "later/big" in selector_items(window), timeout=20_000)
    # The open list grew to show the rows that came.
    assert selector.view().isVisible()
    assert selector.view().window().height() >= 3 * selector.view().sizeHintForRow(0)
    selector.hidePopup()


@OPENS_A_POPUP
def test_opening_the_selector_is_not_held_up_by_a_silent_server(
    qtbot: QtBot, open_window: Callable[..., MainWindow], silent_server: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = open_window()
    window.bridge.service.remotes.add("silent", silent_server)
    start = remotes_bridge._clock()
    monkeypatch.setattr(remotes_bridge, "_clock", lambda: start + remotes_bridge.STALE_AFTER)
    selector = window.findChild(ModelSelector, "modelSelector")
    with qtbot.waitSignal(window.remotes_bridge.modelsChanged, timeout=30_000):
        began = time.monotonic()
        selector.showPopup()
        assert time.monotonic() - began < 0.5
        assert selector.view().isVisible()
        # Asked once: opening it again while the question is out asks nothing more.
        selector.hidePopup()
        assert not window.remotes_bridge.refresh_if_stale()
    assert "silent: not available" in selector_items(window)


def test_an_older_answer_arriving_late_is_dropped(
    qtbot: QtBot, open_window: Callable[..., MainWindow], silent_server: str,  # noqa: F811
) -> None:
    window = open_window()
    remotes, bridge = window.bridge.service.remotes, window.remotes_bridge
    answers: list[object] = []
    bridge.modelsChanged.connect(answers.append)
    remotes.add("moved", silent_server)
    bridge.refresh()  # the old address: answered (with a timeout) after the new one
    with scripted_server(gets=MODELS) as url:
        remotes.add("moved", url)
        bridge.refresh()
        qtbot.waitUntil(lambda: "moved/big" in selector_items(window), timeout=20_000)
    qtbot.waitUntil(lambda: bridge._in_flight == 0, timeout=30_000)  # the old one came back
    qtbot.wait(100)
    assert len(answers) == 1
    assert "moved/big" in selector_items(window)
    assert "moved: not available" not in selector_items(window)


def test_a_default_model_on_a_server_that_is_off_falls_back_to_the_installed_one(
    qtbot: QtBot, open_window: Callable[..., MainWindow], paths: AppPaths, unused_url: str,  # noqa: F811
) -> None:
    save_settings(Settings(
        remotes=(RemoteEndpoint("gone", unused_url),), default_model="gone/big"
    ), paths.settings_file)
    window = open_window()  # waits until a model is ready
    assert window.bridge.service.current_model.name == "SmolLM2 135M Instruct (Q4_1)"
    qtbot.waitUntil(lambda: window.error_banner.isVisible())
    assert "could not be reached" in window.error_banner.text()
    # The remote model stays the default for the next start.
    assert window.bridge.service.settings.default_model == "gone/big"


def test_without_a_keyring_the_dialog_says_the_key_lasts_until_quitting(
    qtbot: QtBot, open_window: Callable[..., MainWindow], unused_url: str,  # noqa: F811
) -> None:
    window = open_window()
    previous = keyring.get_keyring()
    keyring.set_keyring(null.Keyring())
    try:
        result = add_server(qtbot, window, "gone", unused_url, "sk-memory-only")
        qtbot.waitUntil(lambda: "kept only until the app quits" in result.text(), timeout=20_000)
    finally:
        keyring.set_keyring(previous)


def test_the_servers_dialog_says_what_each_server_answers(
    qtbot: QtBot, open_window: Callable[..., MainWindow], unused_url: str,  # noqa: F811
) -> None:
    window = open_window()
    with scripted_server(gets=MODELS) as url:
        window.bridge.service.remotes.add("up", url)
        window.bridge.service.remotes.add("down", unused_url)
        dialog = window.edit_remotes()
        servers = dialog.findChild(QTreeWidget, "remoteServers")

        def row(name: str) -> tuple[str, str]:
            for index in range(servers.topLevelItemCount()):
                item = servers.topLevelItem(index)
                if item.text(0) == name:
                    return item.text(3), item.toolTip(3)
            return "", ""

        qtbot.waitUntil(lambda: row("up")[0] == "2 models", timeout=20_000)
        assert row("up")[1] == "big\nsmall"
        qtbot.waitUntil(lambda: row("down")[0] == "not available", timeout=20_000)
        assert "could not be reached" in row("down")[1]
        # The address has the room the columns leave, whole.
        address = servers.header().sectionSize(1)
        assert address > servers.header().sectionSize(0)
        dialog.reject()
