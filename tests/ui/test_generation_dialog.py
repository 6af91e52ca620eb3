"""The generation settings dialog, driven as a user does: presets fill the fields, an edit
shows "Custom", presets are saved and deleted inside the dialog, and what it returns is what
the fields show."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QDoubleSpinBox,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from desktop_llm.chat import GenerationParams
from desktop_llm.chat.presets import BUILTIN_PRESETS, Preset
from desktop_llm.ui.generation_dialog import GenerationDialog

pytestmark = pytest.mark.gui

MINE = Preset("Mine", GenerationParams(temperature=0.3, stop=("END",)))
EVERYTHING = GenerationParams(
    temperature=1.25,
    top_k=12,
    top_p=0.9,
    min_p=0.025,
    typical_p=0.8,
    repeat_penalty=1.15,
    presence_penalty=0.5,
    frequency_penalty=-0.3,
    mirostat_mode=2,
    mirostat_tau=4.5,
    mirostat_eta=0.125,
    seed=1234,
    max_tokens=300,
    stop=("###", "User:"),
)


def open_dialog(
    qtbot: QtBot, params: GenerationParams, system: str = "Be brief.",
    presets: tuple[Preset, ...] = (MINE,),
) -> GenerationDialog:
    dialog = GenerationDialog(params, system, presets)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def child(dialog: QWidget, kind: type, name: str):  # type: ignore[no-untyped-def]
    found = dialog.findChild(kind, name)
    assert found is not None, name
    return found


def combo_texts(combo: QComboBox) -> list[str]:
    return [combo.itemText(i) for i in range(combo.count())]


def test_every_field_shows_the_conversation_settings_and_gives_them_back(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot, EVERYTHING, "You answer in haiku.\nAlways.")
    assert child(dialog, QDoubleSpinBox, "temperature").value() == 1.25
    assert child(dialog, QSpinBox, "topK").value() == 12
    assert child(dialog, QComboBox, "mirostatMode").currentText() == "Mirostat 2.0"
    assert child(dialog, QLineEdit, "seed").text() == "1234"
    assert child(dialog, QLineEdit, "maxTokens").text() == "300"
    assert child(dialog, QPlainTextEdit, "stopStrings").toPlainText() == "###\nUser:"
    assert dialog.params() == EVERYTHING
    assert dialog.system_prompt() == "You answer in haiku.\nAlways."
    presets = child(dialog, QComboBox, "presetCombo")
    assert presets.currentText() == "Custom"  # matches no preset
    assert combo_texts(presets) == ["Precise", "Balanced", "Creative", "Mine", "Custom"]


def test_blank_seed_and_maximum_mean_random_and_until_the_context_is_full(
    qtbot: QtBot,
) -> None:
    dialog = open_dialog(qtbot, EVERYTHING)
    for name in ("seed", "maxTokens"):
        field = child(dialog, QLineEdit, name)
        field.selectAll()
        qtbot.keyClick(field, Qt.Key.Key_Delete)
    assert dialog.params().seed is None
    assert dialog.params().max_tokens is None
    stop = child(dialog, QPlainTextEdit, "stopStrings")
    stop.clear()
    qtbot.keyClicks(stop, "Observation:")
    assert dialog.params().stop == ("Observation:",)


def test_choosing_a_preset_fills_the_fields_and_an_edit_makes_it_custom(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot, GenerationParams())
    presets = child(dialog, QComboBox, "presetCombo")
    temperature = child(dialog, QDoubleSpinBox, "temperature")
    assert presets.currentText() == "Balanced"  # today's defaults
    assert "Custom" not in combo_texts(presets)

    presets.setCurrentIndex(presets.findText("Precise"))
    assert temperature.value() == 0.0
    assert dialog.params() == next(p for p in BUILTIN_PRESETS if p.name == "Precise").params

    presets.setCurrentIndex(presets.findText("Mine"))
    assert dialog.params() == MINE.params
    assert child(dialog, QPlainTextEdit, "stopStrings").toPlainText() == "END"

    temperature.setFocus()
    qtbot.keyClick(temperature, Qt.Key.Key_Up)  # one step warmer
    assert presets.currentText() == "Custom"
    assert dialog.params().temperature == 0.35
    qtbot.keyClick(temperature, Qt.Key.Key_Down)  # back to the preset's values
    assert presets.currentText() == "Mine"
    assert "Custom" not in combo_texts(presets)


def test_mirostat_settings_only_while_mirostat_is_on(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot, GenerationParams())
    mode = child(dialog, QComboBox, "mirostatMode")
    tau = child(dialog, QDoubleSpinBox, "mirostatTau")
    assert not tau.isEnabled()
    mode.setCurrentIndex(mode.findData(1))
    assert tau.isEnabled() and child(dialog, QDoubleSpinBox, "mirostatEta").isEnabled()
    assert dialog.params().mirostat_mode == 1


def test_saving_a_preset_asks_its_name_in_the_dialog(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot, GenerationParams(temperature=0.9, seed=7))
    qtbot.mouseClick(child(dialog, QWidget, "savePresetButton"), Qt.MouseButton.LeftButton)
    name = child(dialog, QLineEdit, "presetName")
    assert name.isVisible() and dialog.focusWidget() is name
    qtbot.keyClicks(name, "Warm and repeatable")
    with qtbot.waitSignal(dialog.presetSaved) as saved:
        qtbot.keyClick(name, Qt.Key.Key_Return)  # saves the preset, not the dialog
    preset = saved.args[0]
    assert preset == Preset("Warm and repeatable", GenerationParams(temperature=0.9, seed=7))
    assert dialog.isVisible() and not name.isVisible()
    assert child(dialog, QComboBox, "presetCombo").currentText() == "Warm and repeatable"
    assert dialog.user_presets() == (MINE, preset)

    delete = child(dialog, QWidget, "deletePresetButton")
    assert delete.isEnabled()
    with qtbot.waitSignal(dialog.presetDeleted) as deleted:
        qtbot.mouseClick(delete, Qt.MouseButton.LeftButton)
    assert deleted.args == ["Warm and repeatable"]
    assert child(dialog, QComboBox, "presetCombo").currentText() == "Custom"
    assert dialog.user_presets() == (MINE,)
    assert dialog.params() == GenerationParams(temperature=0.9, seed=7)  # fields kept


def test_a_builtin_name_is_refused_in_words_and_built_ins_cannot_be_deleted(
    qtbot: QtBot,
) -> None:
    dialog = open_dialog(qtbot, GenerationParams())
    assert not child(dialog, QWidget, "deletePresetButton").isEnabled()  # "Balanced"
    qtbot.mouseClick(child(dialog, QWidget, "savePresetButton"), Qt.MouseButton.LeftButton)
    name = child(dialog, QLineEdit, "presetName")
    qtbot.keyClicks(name, "creative")
    with qtbot.assertNotEmitted(dialog.presetSaved):
        qtbot.keyClick(name, Qt.Key.Key_Return)
    message = dialog.findChild(QWidget, "presetMessage")
    assert message.isVisible()
    assert "“Creative” is a built-in preset and cannot be changed" in message.text()
    assert name.isVisible() and dialog.isVisible()
    # Saving under the name of one's own preset says it replaces it.
    name.clear()
    qtbot.keyClicks(name, "Mine")
    assert "replaces your preset “Mine”" in message.text()
    qtbot.mouseClick(child(dialog, QWidget, "cancelSavePreset"), Qt.MouseButton.LeftButton)
    assert not name.isVisible()
    # With the name row closed, Enter accepts the dialog again.
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(child(dialog, QLineEdit, "seed"), Qt.Key.Key_Return)


def test_a_maximum_of_zero_is_explained_and_blocks_ok(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot, GenerationParams())
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    maximum = child(dialog, QLineEdit, "maxTokens")
    qtbot.keyClicks(maximum, "0")
    problem = child(dialog, QWidget, "fieldProblem")
    assert not ok.isEnabled()
    assert problem.isVisible() and "maximum number of tokens" in problem.text()
    qtbot.keyClick(maximum, Qt.Key.Key_Backspace)
    qtbot.keyClicks(maximum, "512")
    assert ok.isEnabled() and not problem.isVisible()
    assert dialog.params().max_tokens == 512
    qtbot.keyClicks(child(dialog, QLineEdit, "seed"), "abc")  # not even typed
    assert dialog.params().seed is None


def test_every_field_explains_itself(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot, GenerationParams())
    inputs = [
        w for w in dialog.findChildren(QWidget)
        if isinstance(w, QDoubleSpinBox | QSpinBox | QLineEdit | QPlainTextEdit | QComboBox)
        and w.objectName() and w.objectName() != "presetName"
        and not w.objectName().startswith("qt_")  # a spin box's own line edit
    ]
    assert len(inputs) == 16
    missing = [w.objectName() for w in inputs if len(w.toolTip().split()) < 6]
    assert missing == []


def test_ok_gives_the_choice_and_for_new_chats(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = open_dialog(qtbot, GenerationParams(), "Old prompt")
    system = child(dialog, QPlainTextEdit, "systemPrompt")
    system.selectAll()
    qtbot.keyClicks(system, "  Answer like a pirate.  ")
    box = child(dialog, QWidget, "useForNewChats")
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    dialog.grab().save(str(tmp_path / "generation_dialog.png"))
    assert (tmp_path / "generation_dialog.png").stat().st_size > 0
    with qtbot.waitSignal(dialog.accepted):
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.system_prompt() == "Answer like a pirate."
    assert dialog.use_for_new_chats()
    assert dialog.params() == GenerationParams()
