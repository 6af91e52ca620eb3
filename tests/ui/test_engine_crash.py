"""The window when its engine process dies: it stays open, keeps the reply's text, says what
happened, and answers the next message. On the real model, with real widgets."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QSpinBox
from pytestqt.qtbot import QtBot

from desktop_llm.chat import default_threads
from desktop_llm.paths import AppPaths
from desktop_llm.ui.load_settings_dialog import LoadSettingsDialog
from desktop_llm.ui.main_window import MainWindow
from tests.ui.conftest import REPLY_MS, saved_messages
from tests.ui.test_main_window import LONG_STORY, send, transcript

pytestmark = pytest.mark.gui


def test_the_window_survives_an_engine_crash_mid_reply(
    qtbot: QtBot, open_window: Callable[..., MainWindow], paths: AppPaths
) -> None:
    window = open_window()
    send(qtbot, window, LONG_STORY)
    qtbot.waitUntil(lambda: len(transcript(window)) > len(LONG_STORY) + 100, timeout=REPLY_MS)
    engine_pid = window.bridge.service.engine_pid
    assert engine_pid is not None
    os.kill(engine_pid, signal.SIGKILL)

    qtbot.waitUntil(lambda: not window.generating, timeout=REPLY_MS)
    sentence = (
        "The engine stopped unexpectedly (killed) while writing this reply; "
        "the text above was kept."
    )
    qtbot.waitUntil(lambda: sentence in transcript(window), timeout=REPLY_MS)
    assert window.isVisible()
    assert not window.error_banner.isVisible()  # the reply says it; no second alarm
    problem = window.status.engine_label
    assert problem.isVisible()
    assert "stopped unexpectedly (killed)" in problem.text()
    assert "restarts with your next message" in problem.text()
    conversation_id = window.conversation_id
    assert conversation_id is not None
    _question, reply = saved_messages(paths, conversation_id)
    assert reply.finish_reason == "error" and reply.error == sentence
    assert len(reply.content) > 50 and reply.content[:40] in transcript(window)

    # The next message restarts the engine, reloads the model, and is answered.
    send(qtbot, window, "Thank you. What is 2 + 2?")
    qtbot.waitUntil(lambda: not window.generating, timeout=REPLY_MS)
    qtbot.waitUntil(lambda: len(saved_messages(paths, conversation_id)) == 4, timeout=REPLY_MS)
    answer = saved_messages(paths, conversation_id)[-1]
    assert answer.finish_reason in ("stop", "length"), answer.error
    assert answer.content
    assert window.bridge.service.engine_pid not in (None, engine_pid)
    assert not problem.isVisible()


def test_load_settings_show_threads_and_safe_mode(
    qtbot: QtBot, open_window: Callable[..., MainWindow], paths: AppPaths,
    safe_mode_needed: bool,
) -> None:
    window = open_window()
    settings_button = window.findChild(QPushButton, "modelSettingsButton")
    qtbot.mouseClick(settings_button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(LoadSettingsDialog, "loadSettingsDialog")
    assert dialog is not None
    threads = dialog.findChild(QSpinBox, "threads")
    cores = default_threads()
    assert threads.value() == 0
    assert threads.specialValueText() == f"Automatic ({cores} physical cores)"
    safe_mode = dialog.findChild(QComboBox, "safeMode")
    assert safe_mode.currentData() == "auto"
    state = dialog.findChild(QLabel, "safeModeState").text()
    if safe_mode_needed:  # found at the first load, by a crash and a working retry
        assert "Safe mode is on" in state and "safe mode turns them off" in state
        assert window.status.safe_mode_label.isVisible()
    else:
        assert "Safe mode is off" in state
        assert not window.status.safe_mode_label.isVisible()

    safe_mode.setCurrentIndex(safe_mode.findData("on"))
    dialog.accept()
    qtbot.waitUntil(
        lambda: window.bridge.service.loaded_model is not None
        and window.bridge.service.loaded_model.safe_mode,
        timeout=REPLY_MS,
    )
    label = window.status.safe_mode_label
    qtbot.waitUntil(lambda: "turned on in the model settings" in label.toolTip())
    assert label.isVisible()
    assert '"safe_mode": "on"' in paths.settings_file.read_text(encoding="utf-8")
