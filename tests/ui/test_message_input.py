"""The message box's keys: which Enter sends, Up to edit the last message, and a template put
in around what was typed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop_llm.ui.message_input import MessageInput

pytestmark = pytest.mark.gui
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def box(qtbot: QtBot) -> MessageInput:
    widget = MessageInput()
    qtbot.addWidget(widget)
    widget.show()
    widget.setFocus()
    return widget


def test_enter_sends_and_shift_enter_makes_a_new_line(qtbot: QtBot, box: MessageInput) -> None:
    assert "Enter to send" in box.placeholderText()
    qtbot.keyClicks(box, "first line")
    with qtbot.assertNotEmitted(box.submitted):
        qtbot.keyClick(box, Qt.Key.Key_Return, SHIFT)
    qtbot.keyClicks(box, "second line")
    with qtbot.waitSignal(box.submitted) as sent:
        qtbot.keyClick(box, Qt.Key.Key_Return)
    assert sent.args == ["first line\nsecond line"]
    with qtbot.waitSignal(box.submitted):
        qtbot.keyClick(box, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)


def test_with_ctrl_enter_sends_enter_makes_a_new_line(qtbot: QtBot, box: MessageInput) -> None:
    box.set_ctrl_enter_sends(True)
    assert "Ctrl+Enter to send" in box.placeholderText()
    qtbot.keyClicks(box, "one")
    with qtbot.assertNotEmitted(box.submitted):
        qtbot.keyClick(box, Qt.Key.Key_Return)
        qtbot.keyClicks(box, "two")
        qtbot.keyClick(box, Qt.Key.Key_Return, SHIFT)
        qtbot.keyClicks(box, "three")
    assert box.toPlainText() == "one\ntwo\nthree"
    with qtbot.waitSignal(box.submitted) as sent:
        qtbot.keyClick(box, Qt.Key.Key_Return, CTRL)
    assert sent.args == ["one\ntwo\nthree"]
    box.set_ctrl_enter_sends(False)
    assert not box.ctrl_enter_sends()
    with qtbot.waitSignal(box.submitted):
        qtbot.keyClick(box, Qt.Key.Key_Return)


def test_blank_text_is_never_sent(qtbot: QtBot, box: MessageInput) -> None:
    qtbot.keyClicks(box, "   ")
    with qtbot.assertNotEmitted(box.submitted):
        qtbot.keyClick(box, Qt.Key.Key_Return)


def test_up_in_an_empty_box_asks_to_edit_the_last_message(
    qtbot: QtBot, box: MessageInput
) -> None:
    with qtbot.waitSignal(box.editLastRequested):
        qtbot.keyClick(box, Qt.Key.Key_Up)
    qtbot.keyClicks(box, "line one")
    qtbot.keyClick(box, Qt.Key.Key_Return, SHIFT)
    qtbot.keyClicks(box, "two")
    with qtbot.assertNotEmitted(box.editLastRequested):
        qtbot.keyClick(box, Qt.Key.Key_Up)  # moves the cursor up a line instead
    assert box.textCursor().blockNumber() == 0
    box.clear()
    with qtbot.assertNotEmitted(box.editLastRequested):
        qtbot.keyClick(box, Qt.Key.Key_Up, SHIFT)  # selection keys stay the text's


def test_a_template_goes_around_the_typed_text_in_one_undo_step(
    qtbot: QtBot, box: MessageInput
) -> None:
    box.insertPlainText("猫 🐈 sleeps")  # pasted: QTest cannot type a character beyond U+FFFF
    box.insert_template("Translate into French:\n{{input}}\n(keep the emoji)")
    assert box.toPlainText() == "Translate into French:\n猫 🐈 sleeps\n(keep the emoji)"
    # The cursor follows the typed text (the emoji counts as one character to the user).
    qtbot.keyClicks(box, " all day")
    assert box.toPlainText() == (
        "Translate into French:\n猫 🐈 sleeps all day\n(keep the emoji)"
    )
    box.undo()
    box.undo()
    assert box.toPlainText() == "猫 🐈 sleeps"
    # An empty box: the cursor waits where the question goes.
    box.clear()
    box.insert_template("Q: {{input}}\nA:")
    qtbot.keyClicks(box, "why?")
    assert box.toPlainText() == "Q: why?\nA:"
