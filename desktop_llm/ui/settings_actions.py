"""The window's settings dialogs: generation settings and presets, prompt templates,
preferences. Each reads its values on the GUI thread and saves them off it."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QWidget

from desktop_llm.chat import ConversationRecord, GenerationParams
from desktop_llm.chat.presets import (
    Preset,
    PromptTemplate,
    delete_preset,
    prompt_templates,
    save_preset,
)
from desktop_llm.settings import Settings
from desktop_llm.ui.chat_bridge import ChatBridge
from desktop_llm.ui.generation_dialog import GenerationDialog
from desktop_llm.ui.message_input import MessageInput
from desktop_llm.ui.preferences_dialog import PreferencesDialog
from desktop_llm.ui.prompt_templates import PromptTemplatesDialog, TemplateMenu


class SettingsActions(QObject):
    def __init__(
        self, bridge: ChatBridge, message_input: MessageInput, window: QWidget
    ) -> None:
        super().__init__(window)
        self._bridge = bridge
        self._window = window
        self._input = message_input
        settings = bridge.service.settings
        message_input.set_ctrl_enter_sends(settings.ctrl_enter_sends)
        self.template_menu = TemplateMenu(message_input, window)
        self.template_menu.set_templates(prompt_templates(settings))
        self.template_menu.manageRequested.connect(self.edit_templates)

    @property
    def _settings(self) -> Settings:
        return self._bridge.service.settings

    @Slot()
    def edit_generation(self, conversation: ConversationRecord | None) -> GenerationDialog:
        """The conversation's sampling settings and system prompt (the defaults for new chats
        when there is no conversation yet)."""
        settings = self._settings
        if conversation is None:
            params, system = settings.generation, settings.system_prompt
        else:
            params = GenerationParams.from_dict(conversation.settings)
            system = conversation.system_prompt
        dialog = GenerationDialog(params, system, settings.presets, self._window)
        dialog.presetSaved.connect(self._save_preset)
        dialog.presetDeleted.connect(self._delete_preset)

        def accepted() -> None:
            chosen, prompt = dialog.params(), dialog.system_prompt()
            if conversation is not None:
                self._bridge.set_generation(conversation.id, chosen, prompt)
            if conversation is None or dialog.use_for_new_chats():
                self._bridge.update_settings(
                    lambda current: replace(current, generation=chosen, system_prompt=prompt)
                )

        dialog.accepted.connect(accepted)
        dialog.open()
        return dialog

    def _save_preset(self, preset: Preset) -> None:
        self._bridge.update_settings(lambda current: replace(
            current, presets=save_preset(current.presets, preset.name, preset.params)
        ))

    def _delete_preset(self, name: str) -> None:
        self._bridge.update_settings(
            lambda current: replace(current, presets=delete_preset(current.presets, name))
        )

    @Slot()
    def edit_templates(self) -> PromptTemplatesDialog:
        dialog = PromptTemplatesDialog(prompt_templates(self._settings), self._window)

        def accepted() -> None:
            templates: tuple[PromptTemplate, ...] = tuple(dialog.templates())
            self.template_menu.set_templates(templates)
            self._bridge.update_settings(
                lambda current: replace(current, prompt_templates=templates)
            )

        dialog.accepted.connect(accepted)
        dialog.open()
        return dialog

    @Slot()
    def edit_preferences(self) -> PreferencesDialog:
        settings = self._settings
        dialog = PreferencesDialog(settings.ctrl_enter_sends, settings.context_overflow,
                                   self._window, language=settings.language)

        def accepted() -> None:
            ctrl_enter, overflow = dialog.ctrl_enter_sends(), dialog.context_overflow()
            language = dialog.language()
            self._input.set_ctrl_enter_sends(ctrl_enter)
            # The language is read at the next start (ui/translations.py), as the dialog says.
            self._bridge.update_settings(lambda current: replace(
                current, ctrl_enter_sends=ctrl_enter, context_overflow=overflow,
                language=language,
            ))

        dialog.accepted.connect(accepted)
        dialog.open()
        return dialog
