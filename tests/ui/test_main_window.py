"""The real main window, driven by qtbot, on the real default model."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTextBrowser,
)
from pytestqt.qtbot import QtBot

from desktop_llm.paths import AppPaths
from desktop_llm.storage import HistoryStore
from desktop_llm.ui.conversation_list import ConversationList
from desktop_llm.ui.main_window import MainWindow
from tests.ui.conftest import REPLY_MS, close_window, saved_messages

pytestmark = pytest.mark.gui

LONG_STORY = "Write a very long story about a lighthouse keeper and a whale."


def send(qtbot: QtBot, window: MainWindow, text: str) -> None:
    box = window.findChild(QPlainTextEdit, "messageInput")
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key.Key_Return)


def transcript(window: MainWindow) -> str:
    return window.findChild(QTextBrowser, "transcriptView").toPlainText()


def test_widgets_are_named_for_tests_and_accessibility(
    qtbot: QtBot, open_window: Callable[..., MainWindow],
) -> None:
    window = open_window()
    assert window.findChild(ConversationList, "conversationList") is not None
    assert window.findChild(QTextBrowser, "transcriptView") is not None
    assert window.findChild(QPushButton, "sendButton").isEnabled()
    assert not window.findChild(QPushButton, "stopButton").isEnabled()
    assert window.findChild(QPushButton, "newChatButton") is not None
    selector = window.findChild(QComboBox, "modelSelector")
    assert selector.currentText() == "SmolLM2 135M Instruct (Q4_1)"
    assert window.findChild(QPlainTextEdit, "messageInput").hasFocus()
    qtbot.waitUntil(lambda: "Backend: CPU" in window.status.backend_label.text())
    assert window.status.gpu_label.text() == "GPU layers: 0/31"


def test_chat_streams_stops_and_survives_a_restart(
    qtbot: QtBot, open_window: Callable[..., MainWindow], paths: AppPaths
) -> None:
    window = open_window()
    send(qtbot, window, LONG_STORY)
    assert window.generating
    assert LONG_STORY in transcript(window)
    assert window.findChild(QPlainTextEdit, "messageInput").toPlainText() == ""

    # Text arrives while the reply is still being generated: it streams.
    qtbot.waitUntil(lambda: len(transcript(window)) > len(LONG_STORY) + 200, timeout=REPLY_MS)
    assert window.generating
    shown_while_streaming = transcript(window)

    qtbot.mouseClick(window.findChild(QPushButton, "stopButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.generating, timeout=REPLY_MS)
    conversation_id = window.conversation_id
    assert conversation_id is not None
    question, reply = saved_messages(paths, conversation_id)
    assert question.role == "user" and question.content == LONG_STORY
    assert reply.finish_reason == "cancelled"
    assert reply.content and reply.content.strip()[:40] in shown_while_streaming
    assert window.findChild(QPushButton, "sendButton").isEnabled()
    qtbot.waitUntil(lambda: "stopped" in transcript(window))

    close_window(window)
    reopened = open_window()
    conversations = reopened.findChild(ConversationList, "conversationList")
    qtbot.waitUntil(lambda: conversations.count() == 1)
    assert conversations.titles()[0] == LONG_STORY[:48].rsplit(" ", 1)[0] + "…"
    qtbot.waitUntil(lambda: LONG_STORY in transcript(reopened))
    assert reply.content.strip()[:40] in transcript(reopened)


def test_second_turn_continues_the_conversation(
    qtbot: QtBot, open_window: Callable[..., MainWindow], paths: AppPaths
) -> None:
    window = open_window()
    send(qtbot, window, "Name one colour.")
    qtbot.waitUntil(lambda: not window.generating, timeout=REPLY_MS)
    first_conversation = window.conversation_id
    send(qtbot, window, "Name another one.")
    qtbot.waitUntil(lambda: not window.generating, timeout=REPLY_MS)
    assert window.conversation_id == first_conversation
    messages = saved_messages(paths, first_conversation)
    assert [m.role for m in messages] == ["user", "assistant", "user", "assistant"]
    assert messages[3].prompt_tokens > messages[1].prompt_tokens
    qtbot.waitUntil(lambda: "tok/s" in window.status.speed_label.text())
    assert window.status.context_label.text().startswith("Context: ")
    assert "/ 4,096" in window.status.context_label.text()


def test_shift_enter_makes_a_new_line_instead_of_sending(
    qtbot: QtBot, open_window: Callable[..., MainWindow]
) -> None:
    window = open_window()
    box = window.findChild(QPlainTextEdit, "messageInput")
    qtbot.keyClicks(box, "first line")
    qtbot.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(box, "second line")
    assert box.toPlainText() == "first line\nsecond line"
    assert not window.generating
    assert window.conversation_id is None


def test_new_chat_rename_and_delete(
    qtbot: QtBot,
    open_window: Callable[..., MainWindow],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = open_window()
    conversations = window.findChild(ConversationList, "conversationList")
    for question in ("Say yes.", "Say no."):
        qtbot.mouseClick(window.findChild(QPushButton, "newChatButton"), Qt.MouseButton.LeftButton)
        assert transcript(window) == ""
        send(qtbot, window, question)
        qtbot.waitUntil(lambda: not window.generating, timeout=REPLY_MS)
    qtbot.waitUntil(lambda: conversations.count() == 2)
    assert conversations.titles() == ["Say no.", "Say yes."]

    conversations.select_row(1)
    conversations.rename_current()
    editor = conversations.focusWidget()
    editor.selectAll()
    qtbot.keyClicks(editor, "Affirmative")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Affirmative" in conversations.titles())

    # Declining the confirmation keeps the conversation.
    cancel = QMessageBox.StandardButton.Cancel
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: cancel)
    conversations.select_row(0)
    conversations.delete_current()
    qtbot.wait(200)
    assert conversations.count() == 2

    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.Yes)
    conversations.select_row(0)
    doomed = conversations.current_id()
    conversations.delete_current()
    qtbot.waitUntil(lambda: conversations.count() == 1)
    assert conversations.titles()[0] == "Affirmative"
    assert window.conversation_id != doomed


def test_closing_during_a_reply_stops_it_cleanly(
    qtbot: QtBot, open_window: Callable[..., MainWindow], paths: AppPaths
) -> None:
    window = open_window()
    send(qtbot, window, LONG_STORY)
    qtbot.waitUntil(lambda: window.conversation_id is not None, timeout=REPLY_MS)
    qtbot.waitUntil(lambda: len(transcript(window)) > len(LONG_STORY) + 100, timeout=REPLY_MS)
    conversation_id = window.conversation_id
    close_window(window)  # hidden at once; the reply and the engine stop behind it
    reply = saved_messages(paths, conversation_id)[-1]
    assert reply.finish_reason == "cancelled"
    assert reply.content.strip()


def settled_splitter_sizes(qtbot: QtBot, window: MainWindow) -> list[int]:
    """The splitter's sizes once layout has stopped adjusting them."""
    previous: list[int] = []
    for _ in range(50):
        qtbot.wait(20)
        current = window.splitter.sizes()
        if current == previous:
            return current
        previous = current
    raise AssertionError(f"the splitter kept moving: {previous}")


def test_window_geometry_is_restored(
    qtbot: QtBot, open_window: Callable[..., MainWindow]
) -> None:
    window = open_window(wait_for_model=False)
    # Smaller than the offscreen screen (800x600), which restoring would clamp to.
    window.resize(790, 540)
    window.splitter.setSizes([150, 636])
    sizes = settled_splitter_sizes(qtbot, window)
    size = window.size()
    assert size.width() == 790 and 120 < sizes[0] < 200  # moved away from the default 240
    close_window(window)
    reopened = open_window(wait_for_model=False)
    assert reopened.size() == size
    assert reopened.splitter.sizes() == sizes


def test_a_model_that_fails_to_load_is_explained_and_the_app_goes_on(
    qtbot: QtBot, open_window: Callable[..., MainWindow], paths: AppPaths, tmp_path
) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\0" * 64)
    window = open_window()
    window.bridge.service.library._registry.register_model(
        name="Broken model", path=broken, size_bytes=68, source="imported"
    )
    window.bridge.refresh_models()
    selector = window.findChild(QComboBox, "modelSelector")
    qtbot.waitUntil(lambda: selector.count() == 2)
    index = selector.findText("Broken model")
    selector.setCurrentIndex(index)
    selector.activated.emit(index)
    qtbot.waitUntil(lambda: window.error_banner.isVisible(), timeout=30_000)
    assert "broken.gguf" in window.error_banner.text()
    assert window.model_state.text() == "Not loaded"

    # Sending now is refused with a reason, and the question is given back, not lost.
    send(qtbot, window, "Are you there?")
    qtbot.waitUntil(lambda: not window.generating, timeout=30_000)
    assert window.findChild(QPlainTextEdit, "messageInput").toPlainText() == "Are you there?"
    assert window.error_banner.isVisible()

    # Choosing the good model again brings the chat back.
    good = selector.findText("SmolLM2 135M Instruct (Q4_1)")
    selector.setCurrentIndex(good)
    selector.activated.emit(good)
    qtbot.waitUntil(lambda: window.model_state.text() == "Ready", timeout=60_000)


def test_model_settings_reload_the_model_and_are_remembered(
    qtbot: QtBot, open_window: Callable[..., MainWindow], paths: AppPaths
) -> None:
    window = open_window()
    window.findChild(QPushButton, "modelSettingsButton").click()
    dialog = window.findChild(QDialog, "loadSettingsDialog")
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.findChild(QSpinBox, "contextLength").value() == 4096
    # No GPU support in this build: the GPU layers box says so instead of pretending.
    assert not dialog.findChild(QSpinBox, "gpuLayers").isEnabled()
    dialog.findChild(QSpinBox, "contextLength").setValue(1024)
    dialog.accept()
    qtbot.waitUntil(
        lambda: window.bridge.service.loaded_model is not None
        and window.bridge.service.loaded_model.n_ctx == 1024,
        timeout=60_000,
    )
    qtbot.waitUntil(lambda: window.status.context_label.text() == "Context: 0 / 1,024")
    assert '"n_ctx": 1024' in paths.settings_file.read_text(encoding="utf-8")
    close_window(window)
    reopened = open_window()
    assert reopened.bridge.service.loaded_model.n_ctx == 1024


def test_deleting_the_conversation_of_a_streaming_reply_stops_it_quietly(
    qtbot: QtBot,
    open_window: Callable[..., MainWindow],
    monkeypatch: pytest.MonkeyPatch,
    paths: AppPaths,
) -> None:
    window = open_window()
    conversations = window.findChild(ConversationList, "conversationList")
    send(qtbot, window, LONG_STORY)
    qtbot.waitUntil(lambda: conversations.count() == 1, timeout=REPLY_MS)
    qtbot.waitUntil(lambda: len(transcript(window)) > len(LONG_STORY) + 100, timeout=REPLY_MS)
    assert window.generating

    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.Yes)
    conversations.select_row(0)
    conversations.delete_current()
    qtbot.waitUntil(lambda: not window.generating, timeout=REPLY_MS)
    qtbot.waitUntil(lambda: conversations.count() == 0)
    qtbot.wait(300)  # anything late from the stopped reply would show by now
    # No false alarm, and the question is not put back as if it had failed.
    assert not window.error_banner.isVisible()
    box = window.findChild(QPlainTextEdit, "messageInput")
    assert box.toPlainText() == ""
    assert transcript(window) == ""
    assert window.findChild(QPushButton, "sendButton").isEnabled()
    with HistoryStore.open(paths.database) as store:
        assert store.list_conversations() == []


def test_a_list_refresh_during_a_rename_keeps_the_title(
    qtbot: QtBot, open_window: Callable[..., MainWindow]
) -> None:
    window = open_window()
    conversations = window.findChild(ConversationList, "conversationList")
    send(qtbot, window, "Say yes.")
    qtbot.waitUntil(lambda: not window.generating, timeout=REPLY_MS)
    qtbot.waitUntil(lambda: conversations.count() == 1)
    conversations.select_row(0)
    conversations.rename_current()
    editor = conversations.focusWidget()
    editor.selectAll()
    qtbot.keyClicks(editor, "Renamed")
    # A refresh arrives while the title is being typed (a reply ending elsewhere does this).
    window.bridge.refresh_conversations()
    qtbot.wait(300)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: conversations.titles() == ["Renamed"])
    qtbot.wait(300)  # the deferred refresh has run by now; the title is still there
    assert conversations.titles() == ["Renamed"]
