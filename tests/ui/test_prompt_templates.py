"""Prompt templates (written in their dialog, put in with Ctrl+/ at the message box) and the
app-wide preferences dialog, driven as a user does."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QDialogButtonBox,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from desktop_llm.chat.presets import STARTER_TEMPLATES, PromptTemplate
from desktop_llm.ui.message_input import MessageInput
from desktop_llm.ui.preferences_dialog import PreferencesDialog
from desktop_llm.ui.prompt_templates import PromptTemplatesDialog, TemplateMenu

pytestmark = pytest.mark.gui


def ok_button(dialog: QWidget) -> QPushButton:
    return dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)


def test_writing_renaming_and_deleting_templates(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = PromptTemplatesDialog(STARTER_TEMPLATES)
    qtbot.addWidget(dialog)
    dialog.open()
    listing = dialog.findChild(QListWidget, "templateList")
    name = dialog.findChild(QLineEdit, "templateName")
    text = dialog.findChild(QPlainTextEdit, "templateText")
    assert listing.count() == len(STARTER_TEMPLATES)
    assert name.text() == STARTER_TEMPLATES[0].name
    assert text.toPlainText() == STARTER_TEMPLATES[0].text

    qtbot.mouseClick(dialog.findChild(QPushButton, "addTemplate"), Qt.MouseButton.LeftButton)
    assert name.text() == "New template" and name.selectedText() == "New template"
    qtbot.keyClicks(name, "Explain to a child")
    text.selectAll()
    qtbot.keyClicks(text, "Explain this to a ten-year-old: {{input}}")
    assert listing.currentItem().text() == "Explain to a child"

    listing.setCurrentRow(0)  # delete the step-by-step starter
    qtbot.mouseClick(dialog.findChild(QPushButton, "deleteTemplate"), Qt.MouseButton.LeftButton)
    dialog.grab().save(str(tmp_path / "templates.png"))
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
    assert dialog.templates() == (
        *STARTER_TEMPLATES[1:],
        PromptTemplate("Explain to a child", "Explain this to a ten-year-old: {{input}}"),
    )


def test_a_template_without_a_name_or_with_a_taken_one_cannot_be_saved(qtbot: QtBot) -> None:
    dialog = PromptTemplatesDialog((PromptTemplate("A", "a"), PromptTemplate("B", "b")))
    qtbot.addWidget(dialog)
    dialog.open()
    name = dialog.findChild(QLineEdit, "templateName")
    problem = dialog.findChild(QWidget, "templateProblem")
    name.selectAll()
    qtbot.keyClick(name, Qt.Key.Key_Delete)
    assert not ok_button(dialog).isEnabled()
    assert problem.text() == "Every template needs a name."
    qtbot.keyClicks(name, "B")
    assert not ok_button(dialog).isEnabled()
    assert "Two templates are called “B”" in problem.text()
    qtbot.keyClicks(name, "2")
    assert ok_button(dialog).isEnabled() and not problem.isVisible()
    assert [t.name for t in dialog.templates()] == ["B2", "B"]


@pytest.mark.qt_log_ignore("This plugin does not support grabbing the keyboard")
def test_ctrl_slash_offers_the_templates_and_puts_one_in(qtbot: QtBot, tmp_path: Path) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    box = MessageInput()
    QVBoxLayout(window).addWidget(box)
    menu = TemplateMenu(box, window)
    menu.set_templates(STARTER_TEMPLATES)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    qtbot.keyClicks(box, "Is 91 a prime number?")

    qtbot.keyClick(box, Qt.Key.Key_Slash, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(menu.isVisible)
    names = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert names == [t.name for t in STARTER_TEMPLATES] + ["Edit templates…"]
    menu.grab().save(str(tmp_path / "template_menu.png"))
    qtbot.keyClick(menu, Qt.Key.Key_Down)  # the first template, "Step by step"
    qtbot.keyClick(menu, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not menu.isVisible())
    step_by_step = STARTER_TEMPLATES[0].text
    assert box.toPlainText() == step_by_step.replace("{{input}}", "Is 91 a prime number?")

    # "Edit templates…" asks the window to open the dialog.
    with qtbot.waitSignal(menu.manageRequested):
        menu.findChild(QAction, "editTemplatesAction").trigger()


def test_with_no_templates_the_menu_says_so(qtbot: QtBot) -> None:
    box = MessageInput()
    qtbot.addWidget(box)
    menu = TemplateMenu(box)
    menu.set_templates(())
    first = menu.actions()[0]
    assert first.text() == "No templates yet" and not first.isEnabled()


def test_preferences_give_the_keys_and_the_overflow_strategy(
    qtbot: QtBot, tmp_path: Path
) -> None:
    dialog = PreferencesDialog(False, "drop_oldest")
    qtbot.addWidget(dialog)
    dialog.open()
    ctrl_enter = dialog.findChild(QCheckBox, "ctrlEnterSends")
    drop, stop = (dialog.findChild(QRadioButton, n) for n in ("overflowDropOldest", "overflowStop"))
    assert not ctrl_enter.isChecked() and drop.isChecked() and not stop.isChecked()
    assert (dialog.ctrl_enter_sends(), dialog.context_overflow()) == (False, "drop_oldest")
    assert ctrl_enter.text() == "Ctrl+Enter sends (Enter makes a new line)"
    assert drop.text() == "Drop the oldest messages, keep the system prompt"
    assert stop.text() == "Stop and tell me"

    ctrl_enter.setFocus()
    qtbot.keyClick(ctrl_enter, Qt.Key.Key_Space)
    qtbot.mouseClick(stop, Qt.MouseButton.LeftButton, pos=QPoint(8, stop.height() // 2))
    dialog.grab().save(str(tmp_path / "preferences.png"))
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
    assert (dialog.ctrl_enter_sends(), dialog.context_overflow()) == (True, "stop")
    assert not drop.isChecked()

    again = PreferencesDialog(True, "stop")
    qtbot.addWidget(again)
    assert again.ctrl_enter_sends() and again.context_overflow() == "stop"
