"""App-wide preferences: the interface's language, which key sends a message, and what happens
when a conversation no longer fits the model's context."""

from __future__ import annotations

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop_llm.settings import Overflow
from desktop_llm.ui.dialog_parts import ok_cancel_buttons


class PreferencesDialog(QDialog):
    """Read ``ctrl_enter_sends()``, ``context_overflow()`` and ``language()`` after OK, on the
    GUI thread."""

    def __init__(
        self,
        ctrl_enter_sends: bool,
        context_overflow: Overflow,
        parent: QWidget | None = None,
        *,
        language: str = "system",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("preferencesDialog")
        self.setWindowTitle(self.tr("Preferences"))

        # The languages are named in their own language, so anyone finds theirs.
        self.language_choice = QComboBox()
        self.language_choice.setObjectName("languageChoice")
        system = QLocale.system()
        system_name = (
            system.nativeLanguageName() if system.language() != QLocale.Language.C
            else "English"
        )
        self.language_choice.addItem(self.tr("System ({0})").format(system_name), "system")
        self.language_choice.addItem("English", "en")
        self.language_choice.addItem("简体中文", "zh_CN")
        self.language_choice.setCurrentIndex(
            max(0, self.language_choice.findData(language))
        )
        restart = QLabel(self.tr("A new language applies when desktop-llm is next started."))
        restart.setObjectName("languageRestartNote")
        restart.setWordWrap(True)
        language_form = QFormLayout()
        language_form.addRow(self.tr("Language:"), self.language_choice)
        language_form.addRow("", restart)

        self.ctrl_enter = QCheckBox(self.tr("Ctrl+Enter sends (Enter makes a new line)"))
        self.ctrl_enter.setObjectName("ctrlEnterSends")
        self.ctrl_enter.setChecked(ctrl_enter_sends)
        self.ctrl_enter.setToolTip(self.tr(
            "Off: Enter sends and Shift+Enter makes a new line. On: for writing long "
            "messages, where Enter should only start a new line."
        ))

        self.drop_oldest = QRadioButton(
            self.tr("Drop the oldest messages, keep the system prompt")
        )
        self.drop_oldest.setObjectName("overflowDropOldest")
        self.stop = QRadioButton(self.tr("Stop and tell me"))
        self.stop.setObjectName("overflowStop")
        self._overflow = QButtonGroup(self)
        self._overflow.addButton(self.drop_oldest)
        self._overflow.addButton(self.stop)
        (self.stop if context_overflow == "stop" else self.drop_oldest).setChecked(True)
        explained = QLabel(self.tr(
            "With the first choice, the messages the model no longer sees are marked in the "
            "conversation. A new chat, or a longer context, gives the model room again."
        ))
        explained.setWordWrap(True)
        group = QGroupBox(self.tr("When a conversation no longer fits the model's context"))
        inside = QVBoxLayout(group)
        inside.addWidget(self.drop_oldest)
        inside.addWidget(self.stop)
        inside.addWidget(explained)

        buttons = ok_cancel_buttons(self)
        layout = QVBoxLayout(self)
        layout.addLayout(language_form)
        layout.addWidget(self.ctrl_enter)
        layout.addWidget(group)
        layout.addWidget(buttons)

    def ctrl_enter_sends(self) -> bool:
        return self.ctrl_enter.isChecked()

    def context_overflow(self) -> Overflow:
        return "stop" if self.stop.isChecked() else "drop_oldest"

    def language(self) -> str:
        """One of settings.LANGUAGE_CHOICES."""
        return str(self.language_choice.currentData())
