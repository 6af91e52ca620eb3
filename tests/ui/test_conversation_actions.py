"""Issue 9 in the real window, on the real model: regenerate and browse versions, edit with
Up, continue a cut reply, delete, the context meter, search jumps, shortcuts, generation
settings per conversation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDoubleSpinBox,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QSpinBox,
)
from pytestqt.qtbot import QtBot

from desktop_llm.chat import GenerationParams
from desktop_llm.paths import AppPaths
from desktop_llm.storage import HistoryStore
from desktop_llm.ui.conversation_list import ConversationList
from desktop_llm.ui.main_window import MainWindow
from tests.ui.conftest import REPLY_MS, saved_messages
from tests.ui.test_main_window import send, transcript

pytestmark = pytest.mark.gui


def use_params(window: MainWindow, params: GenerationParams) -> None:
    """New chats of this window use ``params`` (short, reproducible replies)."""
    window.bridge.service.update_settings(lambda settings: replace(settings, generation=params))


def reply_to(qtbot: QtBot, window: MainWindow, start: Callable[[], object]) -> None:
    """Start a reply and wait until it is over and the branch shown has been reloaded."""
    before = window._branch
    start()
    qtbot.waitUntil(lambda: not window.generating, timeout=REPLY_MS)
    qtbot.waitUntil(lambda: window._branch is not before and not window._branch[-1].streaming)


def test_regenerate_then_browse_versions_with_the_arrows(
    qtbot: QtBot, open_window: Callable[..., MainWindow], paths: AppPaths
) -> None:
    window = open_window()
    use_params(window, GenerationParams(temperature=1.2, seed=3, max_tokens=10))
    reply_to(qtbot, window, lambda: send(qtbot, window, "Name a fruit."))
    first = window._branch[-1]

    reply_to(qtbot, window, lambda: window.transcript.messageAction.emit("regenerate", first.id))
    second = window._branch[-1]
    assert second.id != first.id and second.sibling_ids == (first.id, second.id)
    assert "2/2" in transcript(window)

    window.transcript.messageAction.emit("previous", first.id)  # the version to show
    qtbot.waitUntil(lambda: window._branch[-1].id == first.id)
    assert "1/2" in transcript(window)
    assert first.content.strip()[:20] in transcript(window)
    window.transcript.messageAction.emit("next", second.id)
    qtbot.waitUntil(lambda: window._branch[-1].id == second.id)
    assert len(saved_messages(paths, window.conversation_id)) == 3


def test_up_edits_the_last_question_and_sends_a_new_version(
    qtbot: QtBot, open_window: Callable[..., MainWindow], paths: AppPaths
) -> None:
    window = open_window()
    use_params(window, GenerationParams(temperature=0.0, max_tokens=8))
    reply_to(qtbot, window, lambda: send(qtbot, window, "What is 2 + 2?"))
    old_question = window._branch[0]
    box = window.findChild(QPlainTextEdit, "messageInput")
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Up)
    assert box.toPlainText() == "What is 2 + 2?"
    assert window.edit_banner.isVisible()

    box.selectAll()
    qtbot.keyClicks(box, "What is 3 + 3?")
    reply_to(qtbot, window, lambda: qtbot.keyClick(box, Qt.Key.Key_Return))
    question, _reply = window._branch
    assert question.content == "What is 3 + 3?"
    assert question.sibling_ids == (old_question.id, question.id)
    assert "What is 2 + 2?" not in transcript(window)
    assert not window.edit_banner.isVisible()
    assert len(saved_messages(paths, window.conversation_id)) == 4


def test_escape_cancels_an_edit(qtbot: QtBot, open_window: Callable[..., MainWindow]) -> None:
    window = open_window()
    use_params(window, GenerationParams(temperature=0.0, max_tokens=4))
    reply_to(qtbot, window, lambda: send(qtbot, window, "Hello!"))
    window.transcript.messageAction.emit("edit", window._branch[0].id)
    box = window.findChild(QPlainTextEdit, "messageInput")
    assert box.toPlainText() == "Hello!"
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert not window.edit_banner.isVisible()
    assert box.toPlainText() == ""


def test_continue_a_reply_cut_at_the_length_limit(
    qtbot: QtBot, open_window: Callable[..., MainWindow]
) -> None:
    window = open_window()
    use_params(window, GenerationParams(temperature=0.0, max_tokens=6))
    reply_to(qtbot, window, lambda: send(qtbot, window, "Write a long poem about the sea."))
    cut = window._branch[-1]
    assert cut.finish_reason == "length"
    assert "Continue" in transcript(window)

    reply_to(qtbot, window, lambda: window.transcript.messageAction.emit("continue", cut.id))
    continued = window._branch[-1]
    assert continued.id == cut.id
    assert len(continued.content) > len(cut.content)
    assert continued.content.startswith(cut.content)


def test_delete_a_message_after_confirming(
    qtbot: QtBot, open_window: Callable[..., MainWindow], paths: AppPaths
) -> None:
    window = open_window()
    use_params(window, GenerationParams(temperature=0.0, max_tokens=4))
    reply_to(qtbot, window, lambda: send(qtbot, window, "Say one."))
    reply_to(qtbot, window, lambda: send(qtbot, window, "Say two."))
    second_question = window._branch[2]

    window.transcript.messageAction.emit("delete", second_question.id)
    confirm = window.findChild(QMessageBox, "confirmDeleteMessage")
    qtbot.waitUntil(confirm.isVisible)
    confirm.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: len(window._branch) == 2)
    assert "Say two." not in transcript(window)
    assert len(saved_messages(paths, window.conversation_id)) == 2


def test_the_context_meter_moves_while_a_reply_streams(
    qtbot: QtBot, open_window: Callable[..., MainWindow]
) -> None:
    window = open_window()
    use_params(window, GenerationParams(temperature=0.7, seed=5, max_tokens=120))
    meter = window.status.context_meter
    seen_while_streaming: list[int] = []

    def start() -> None:
        send(qtbot, window, "Write a long story about a dragon.")
        qtbot.waitUntil(lambda: meter.value() > 0, timeout=REPLY_MS)
        seen_while_streaming.append(meter.value())
        qtbot.waitUntil(lambda: meter.value() > seen_while_streaming[0] + 20, timeout=REPLY_MS)
        assert window.generating  # it moved during the reply, not only at the end
        assert meter.maximum() == 4096

    reply_to(qtbot, window, start)
    reply = window._branch[-1]
    assert meter.value() == reply.prompt_tokens + reply.completion_tokens


def test_search_finds_a_message_and_jumps_to_it(
    qtbot: QtBot, open_window: Callable[..., MainWindow], paths: AppPaths
) -> None:
    with HistoryStore.open(paths.database) as store:
        for index in range(30):
            conversation = store.create_conversation(f"Chat {index}")
            store.add_message(conversation.id, "user", f"Question number {index}")
            store.add_message(conversation.id, "assistant", f"Answer number {index}")
        target = store.create_conversation("Trip")
        store.add_message(target.id, "user", "我们明天去长城旅行吗？")
        hit = store.add_message(target.id, "assistant", "是的，长城旅行很好。")
        store.create_conversation("Latest")  # opened at start, so the jump is a real change
    window = open_window()
    conversations = window.findChild(ConversationList, "conversationList")
    qtbot.waitUntil(lambda: conversations.count() == 32)

    qtbot.keyClick(window.transcript, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    field = conversations.findChild(QLineEdit, "conversationSearch")
    assert field.hasFocus()
    field.insert("长城旅行")  # as an input method types it (QTest types ASCII only)
    qtbot.waitUntil(conversations.searching)
    results = conversations.results_view
    qtbot.waitUntil(lambda: results.model().rowCount() == 1)
    conversations.messageRequested.emit(target.id, hit.id)
    qtbot.waitUntil(lambda: window.conversation_id == target.id)
    qtbot.waitUntil(lambda: "长城旅行很好" in transcript(window))


def test_generation_settings_are_kept_per_conversation(
    qtbot: QtBot, open_window: Callable[..., MainWindow]
) -> None:
    window = open_window()
    use_params(window, GenerationParams(temperature=0.0, max_tokens=4))
    reply_to(qtbot, window, lambda: send(qtbot, window, "Hi."))
    conversation_id = window.conversation_id

    window.findChild(object, "generationSettingsAction").trigger()
    dialog = window.findChild(QDialog, "generationDialog")
    qtbot.waitUntil(dialog.isVisible)
    dialog.findChild(QPlainTextEdit, "systemPrompt").setPlainText("Answer like a pirate.")
    temperature = next(
        box for box in dialog.findChildren(QDoubleSpinBox) if box.objectName() == "temperature"
    )
    temperature.setValue(0.3)
    top_k = next(box for box in dialog.findChildren(QSpinBox) if box.objectName() == "topK")
    top_k.setValue(12)
    dialog.accept()

    def saved() -> bool:
        conversation = window.bridge.service.conversation(conversation_id)
        return conversation.system_prompt == "Answer like a pirate."

    qtbot.waitUntil(saved)
    settings = window.bridge.service.conversation(conversation_id).settings
    assert settings["temperature"] == pytest.approx(0.3)
    assert settings["top_k"] == 12
    # New chats keep the defaults: the box "for new chats too" was not ticked.
    assert window.bridge.service.settings.generation.temperature == 0.0


def test_code_highlighting_is_ready_before_the_first_reply(
    qtbot: QtBot, open_window: Callable[..., MainWindow]
) -> None:
    from desktop_llm.ui import markdown_render

    markdown_render._lexer.cache_clear()
    open_window(wait_for_model=False)
    # Compiled off the GUI thread at start, so a reply's first code block does not stall it.
    qtbot.waitUntil(
        lambda: markdown_render._lexer.cache_info().currsize
        >= len(markdown_render.COMMON_LANGUAGES)
    )
