"""A conversation's generation settings: its system prompt, every sampling parameter, and the
presets that fill them (built-in ones and the user's, saved and deleted from here)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_llm.chat import GenerationParams
from desktop_llm.chat.presets import (
    Preset,
    PresetError,
    all_presets,
    delete_preset,
    find_preset,
    save_preset,
)
from desktop_llm.ui.dialog_parts import ok_cancel_buttons, problem_label

MAX_SEED = 2**31 - 1
MAX_TOKENS = 1 << 20


class GenerationDialog(QDialog):
    """Opened with a conversation's settings; ``params()`` and ``system_prompt()`` are what
    the user chose. Presets saved or deleted here are announced at once (the window stores
    them): they outlive a Cancel of the dialog, as a file saved from a dialog does."""

    presetSaved = Signal(object)  # Preset
    presetDeleted = Signal(str)  # its name

    def __init__(
        self,
        params: GenerationParams,
        system_prompt: str,
        user_presets: Sequence[Preset],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("generationDialog")
        self.setWindowTitle(self.tr("Generation settings"))
        self.setMinimumWidth(600)
        self._user_presets = tuple(user_presets)
        self._filling = False

        self.system = QPlainTextEdit(system_prompt)
        self.system.setObjectName("systemPrompt")
        self.system.setPlaceholderText(self.tr("No system prompt"))
        self.system.setToolTip(
            self.tr("Instructions the model reads before the conversation, in every turn.")
        )
        self.system.setTabChangesFocus(True)
        self.system.setFixedHeight(84)

        self._build_preset_row()
        self._build_fields()

        self.for_new_chats = QCheckBox(self.tr("Use these settings for new chats too"))
        self.for_new_chats.setObjectName("useForNewChats")
        self.problem = problem_label("fieldProblem")
        self.buttons = ok_cancel_buttons(self)
        self._ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("System prompt:")))
        layout.addWidget(self.system)
        layout.addLayout(self._preset_row)
        layout.addWidget(self.save_row)
        layout.addWidget(self.preset_message)
        layout.addLayout(self._fields)
        layout.addWidget(self.for_new_chats)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

        self._fill(params)

    # What the user chose

    def params(self) -> GenerationParams:
        seed, max_tokens = self.seed.text().strip(), self.max_tokens.text().strip()
        return GenerationParams(
            temperature=_value(self.temperature),
            top_k=self.top_k.value(),
            top_p=_value(self.top_p),
            min_p=_value(self.min_p),
            typical_p=_value(self.typical_p),
            repeat_penalty=_value(self.repeat_penalty),
            presence_penalty=_value(self.presence_penalty),
            frequency_penalty=_value(self.frequency_penalty),
            mirostat_mode=self.mirostat_mode.currentData(),
            mirostat_tau=_value(self.mirostat_tau),
            mirostat_eta=_value(self.mirostat_eta),
            seed=int(seed) if seed and self.seed.hasAcceptableInput() else None,
            max_tokens=(
                int(max_tokens) if max_tokens and self.max_tokens.hasAcceptableInput() else None
            ),
            stop=tuple(line for line in self.stop.toPlainText().split("\n") if line.strip()),
        )

    def system_prompt(self) -> str:
        return self.system.toPlainText().strip()

    def use_for_new_chats(self) -> bool:
        return self.for_new_chats.isChecked()

    def user_presets(self) -> tuple[Preset, ...]:
        """The user's presets as this dialog left them (after its saves and deletes)."""
        return self._user_presets

    def current_preset(self) -> Preset | None:
        """The preset the fields match, or None ("Custom")."""
        name = self.preset.currentData()
        return next((p for p in all_presets(self._user_presets) if p.name == name), None)

    # Building

    def _build_preset_row(self) -> None:
        self.preset = QComboBox()
        self.preset.setObjectName("presetCombo")
        self.preset.setToolTip(
            self.tr("Fills every sampling field below; “Custom” once you change one of them.")
        )
        self.preset.setMinimumContentsLength(14)
        self.preset.currentIndexChanged.connect(self._on_preset_chosen)
        self.save_preset_button = QPushButton(self.tr("Save as preset…"))
        self.save_preset_button.setObjectName("savePresetButton")
        self.save_preset_button.setAutoDefault(False)
        self.save_preset_button.clicked.connect(self._on_save_preset_asked)
        self.delete_preset_button = QPushButton(self.tr("Delete preset"))
        self.delete_preset_button.setObjectName("deletePresetButton")
        self.delete_preset_button.setAutoDefault(False)
        self.delete_preset_button.clicked.connect(self._on_delete_preset)
        self._preset_row = QHBoxLayout()
        self._preset_row.addWidget(QLabel(self.tr("Preset:")))
        self._preset_row.addWidget(self.preset, 1)
        self._preset_row.addWidget(self.save_preset_button)
        self._preset_row.addWidget(self.delete_preset_button)

        # Asked here, not in a second modal window: the name, then Save or Cancel.
        self.save_row = QWidget()
        self.preset_name = QLineEdit()
        self.preset_name.setObjectName("presetName")
        self.preset_name.setPlaceholderText(self.tr("Name of the new preset"))
        self.preset_name.textChanged.connect(self._on_preset_name_edited)
        self.confirm_save = QPushButton(self.tr("Save"))
        self.confirm_save.setObjectName("confirmSavePreset")
        self.confirm_save.clicked.connect(self._on_save_preset)
        self.cancel_save = QPushButton(self.tr("Cancel"))
        self.cancel_save.setObjectName("cancelSavePreset")
        self.cancel_save.setAutoDefault(False)
        self.cancel_save.clicked.connect(self._close_save_row)
        row = QHBoxLayout(self.save_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel(self.tr("Preset name:")))
        row.addWidget(self.preset_name, 1)
        row.addWidget(self.confirm_save)
        row.addWidget(self.cancel_save)
        self.save_row.hide()
        self.preset_message = QLabel()
        self.preset_message.setObjectName("presetMessage")
        self.preset_message.setWordWrap(True)
        self.preset_message.hide()

    def _build_fields(self) -> None:
        self.temperature = _real(0.0, 5.0, 0.05, 2, "temperature", self.tr(
            "How adventurous the choice of each word is: 0 always takes the most likely one "
            "(the same answer every time), higher values give more varied text."
        ))
        self.top_k = QSpinBox()
        self.top_k.setObjectName("topK")
        self.top_k.setRange(0, 1000)
        self.top_k.setSpecialValueText(self.tr("Off"))
        self.top_k.setToolTip(self.tr(
            "Only the k most likely next tokens are considered; Off considers them all."
        ))
        self.top_p = _real(0.0, 1.0, 0.01, 2, "topP", self.tr(
            "Only the most likely tokens whose probabilities add up to this share are "
            "considered; 1 turns it off."
        ))
        self.min_p = _real(0.0, 1.0, 0.01, 3, "minP", self.tr(
            "Tokens less likely than this fraction of the most likely token's probability are "
            "left out; 0 turns it off."
        ))
        self.typical_p = _real(0.0, 1.0, 0.01, 2, "typicalP", self.tr(
            "Keeps the tokens whose surprise is closest to the average (locally typical "
            "sampling); 1 turns it off."
        ))
        self.repeat_penalty = _real(0.0, 3.0, 0.05, 2, "repeatPenalty", self.tr(
            "Makes tokens that already appeared recently less likely, against loops; "
            "1 turns it off."
        ))
        self.presence_penalty = _real(-2.0, 2.0, 0.1, 2, "presencePenalty", self.tr(
            "Lowers every token that already appeared by the same amount, nudging the model "
            "towards new topics; 0 turns it off."
        ))
        self.frequency_penalty = _real(-2.0, 2.0, 0.1, 2, "frequencyPenalty", self.tr(
            "Lowers tokens in proportion to how often they already appeared, against "
            "repeated words; 0 turns it off."
        ))
        self.mirostat_mode = QComboBox()
        self.mirostat_mode.setObjectName("mirostatMode")
        # Mirostat modes as llama.cpp numbers them.
        for mode, label in ((0, self.tr("Off")), (1, "Mirostat"), (2, "Mirostat 2.0")):
            self.mirostat_mode.addItem(label, mode)
        self.mirostat_mode.setToolTip(self.tr(
            "Mirostat steers the text towards a steady level of surprise and replaces top-k, "
            "top-p, min-p and typical-p while it is on."
        ))
        self.mirostat_tau = _real(0.0, 20.0, 0.5, 2, "mirostatTau", self.tr(
            "Mirostat's target surprise: lower is more focused and coherent, higher more "
            "diverse."
        ))
        self.mirostat_eta = _real(0.0, 1.0, 0.01, 3, "mirostatEta", self.tr(
            "How fast Mirostat corrects itself towards its target: higher reacts faster."
        ))
        self.seed = _optional_whole_number(0, MAX_SEED, "seed", self.tr("Random"), self.tr(
            "The same seed with the same settings and question gives the same reply; "
            "blank picks a new random one each time."
        ))
        self.max_tokens = _optional_whole_number(
            1, MAX_TOKENS, "maxTokens", self.tr("Until the context is full"), self.tr(
                "The longest reply, in tokens; blank lets the reply go on until the model "
                "ends it or the context is full."
            ),
        )
        self.stop = QPlainTextEdit()
        self.stop.setObjectName("stopStrings")
        self.stop.setTabChangesFocus(True)
        self.stop.setPlaceholderText(self.tr("One per line"))
        self.stop.setFixedHeight(64)
        self.stop.setToolTip(self.tr(
            "The reply ends as soon as the model writes one of these texts (one per line), "
            "besides the model's own end of turn."
        ))

        sampling = QGroupBox(self.tr("Sampling"))
        form = QFormLayout(sampling)
        form.addRow(self.tr("Temperature:"), self.temperature)
        form.addRow(self.tr("Top-k:"), self.top_k)
        form.addRow(self.tr("Top-p:"), self.top_p)
        form.addRow(self.tr("Min-p:"), self.min_p)
        form.addRow(self.tr("Typical-p:"), self.typical_p)
        penalties = QGroupBox(self.tr("Repetition"))
        form = QFormLayout(penalties)
        form.addRow(self.tr("Repeat penalty:"), self.repeat_penalty)
        form.addRow(self.tr("Presence penalty:"), self.presence_penalty)
        form.addRow(self.tr("Frequency penalty:"), self.frequency_penalty)
        mirostat = QGroupBox(self.tr("Mirostat"))
        form = QFormLayout(mirostat)
        form.addRow(self.tr("Mode:"), self.mirostat_mode)
        form.addRow(self.tr("Target (tau):"), self.mirostat_tau)
        form.addRow(self.tr("Learning rate (eta):"), self.mirostat_eta)
        length = QGroupBox(self.tr("Length and stopping"))
        form = QFormLayout(length)
        form.addRow(self.tr("Seed:"), self.seed)
        form.addRow(self.tr("Maximum tokens:"), self.max_tokens)
        form.addRow(self.tr("Stop strings:"), self.stop)

        self._fields = QGridLayout()
        self._fields.addWidget(sampling, 0, 0)
        self._fields.addWidget(penalties, 0, 1)
        self._fields.addWidget(mirostat, 1, 0)
        self._fields.addWidget(length, 1, 1)

        for spin in (
            self.temperature, self.top_k, self.top_p, self.min_p, self.typical_p,
            self.repeat_penalty, self.presence_penalty, self.frequency_penalty,
            self.mirostat_tau, self.mirostat_eta,
        ):
            spin.valueChanged.connect(self._on_field_edited)
        self.mirostat_mode.currentIndexChanged.connect(self._on_field_edited)
        for line in (self.seed, self.max_tokens):
            line.textChanged.connect(self._on_field_edited)
        self.stop.textChanged.connect(self._on_field_edited)

    # Presets

    def _fill(self, params: GenerationParams) -> None:
        self._filling = True
        try:
            self.temperature.setValue(params.temperature)
            self.top_k.setValue(max(params.top_k, 0))
            self.top_p.setValue(params.top_p)
            self.min_p.setValue(params.min_p)
            self.typical_p.setValue(params.typical_p)
            self.repeat_penalty.setValue(params.repeat_penalty)
            self.presence_penalty.setValue(params.presence_penalty)
            self.frequency_penalty.setValue(params.frequency_penalty)
            self.mirostat_mode.setCurrentIndex(max(self.mirostat_mode.findData(
                params.mirostat_mode
            ), 0))
            self.mirostat_tau.setValue(params.mirostat_tau)
            self.mirostat_eta.setValue(params.mirostat_eta)
            self.seed.setText("" if params.seed is None else str(params.seed))
            self.max_tokens.setText("" if params.max_tokens is None else str(params.max_tokens))
            self.stop.setPlainText("\n".join(params.stop))
        finally:
            self._filling = False
        self._on_field_edited()

    def _show_presets(self, chosen: str | None) -> None:
        """The combo lists every preset, and "Custom" only while the fields match none."""
        self.preset.blockSignals(True)
        try:
            self.preset.clear()
            for preset in all_presets(self._user_presets):
                self.preset.addItem(self._preset_label(preset), preset.name)
                if preset.builtin:
                    self.preset.setItemData(
                        self.preset.count() - 1,
                        self.tr("Built-in preset"),
                        Qt.ItemDataRole.ToolTipRole,
                    )
            if chosen is None:
                self.preset.addItem(self.tr("Custom"), None)
                self.preset.setCurrentIndex(self.preset.count() - 1)
            else:
                self.preset.setCurrentIndex(self.preset.findData(chosen))
        finally:
            self.preset.blockSignals(False)
        current = self.current_preset()
        self.delete_preset_button.setEnabled(current is not None and not current.builtin)

    def _preset_label(self, preset: Preset) -> str:
        """A built-in preset's name in the interface's language (its data stays the name)."""
        if not preset.builtin:
            return preset.name
        return {
            "Precise": self.tr("Precise"),
            "Balanced": self.tr("Balanced"),
            "Creative": self.tr("Creative"),
        }.get(preset.name, preset.name)

    @Slot()
    def _on_field_edited(self) -> None:
        if self._filling:
            return
        miro = self.mirostat_mode.currentData() != 0
        self.mirostat_tau.setEnabled(miro)
        self.mirostat_eta.setEnabled(miro)
        self._check_fields()
        params = self.params()
        # The preset shown stays if it still matches (a user preset may equal a built-in).
        current = self.current_preset()
        if current is None or current.params != params:
            current = find_preset(params, self._user_presets)
        self._show_presets(None if current is None else current.name)

    @Slot(int)
    def _on_preset_chosen(self, index: int) -> None:
        preset = self.current_preset()
        if preset is not None:
            self._fill(preset.params)
            self._show_presets(preset.name)

    @Slot()
    def _on_save_preset_asked(self) -> None:
        current = self.current_preset()
        self.preset_name.setText(current.name if current and not current.builtin else "")
        self.save_row.show()
        self.preset_message.hide()
        # Enter in the name field saves the preset, not the whole dialog.
        self.confirm_save.setDefault(True)
        self.preset_name.setFocus()

    @Slot()
    def _close_save_row(self) -> None:
        self.save_row.hide()
        self.preset_message.hide()
        self._ok.setDefault(True)

    @Slot(str)
    def _on_preset_name_edited(self, name: str) -> None:
        if any(p.name == name.strip() for p in self._user_presets):
            self._say(self.tr("Saving replaces your preset “{0}”.").format(name.strip()))
        else:
            self.preset_message.hide()

    @Slot()
    def _on_save_preset(self) -> None:
        if not self.save_row.isVisible():
            return
        params = self.params()
        try:
            self._user_presets = save_preset(self._user_presets, self.preset_name.text(), params)
        except PresetError as error:
            self._say(str(error))
            self.preset_name.setFocus()
            self.preset_name.selectAll()
            return
        name = self.preset_name.text().strip()
        self._close_save_row()
        self._show_presets(name)
        self.presetSaved.emit(next(p for p in self._user_presets if p.name == name))

    @Slot()
    def _on_delete_preset(self) -> None:
        current = self.current_preset()
        if current is None or current.builtin:
            return
        self._user_presets = delete_preset(self._user_presets, current.name)
        self._on_field_edited()
        self.presetDeleted.emit(current.name)

    def _say(self, text: str) -> None:
        self.preset_message.setText(text)
        self.preset_message.show()

    def _check_fields(self) -> None:
        problems = []
        if self.seed.text() and not self.seed.hasAcceptableInput():
            problems.append(self.tr(
                "The seed is a whole number from 0 to {0}, or blank for a random one."
            ).format(MAX_SEED))
        if self.max_tokens.text() and not self.max_tokens.hasAcceptableInput():
            problems.append(self.tr(
                "The maximum number of tokens is a whole number from 1 to {0}, or blank."
            ).format(MAX_TOKENS))
        self.problem.setText("\n".join(problems))
        self.problem.setVisible(bool(problems))
        self._ok.setEnabled(not problems)


def _optional_whole_number(
    low: int, high: int, name: str, placeholder: str, tooltip: str
) -> QLineEdit:
    """A whole number from ``low`` to ``high``, or blank (the placeholder says what that is)."""
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setValidator(QIntValidator(low, high, edit))
    edit.setPlaceholderText(placeholder)
    edit.setToolTip(tooltip)
    return edit


def _real(
    low: float, high: float, step: float, decimals: int, name: str, tooltip: str
) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setObjectName(name)
    spin.setRange(low, high)
    spin.setSingleStep(step)
    spin.setDecimals(decimals)
    spin.setToolTip(tooltip)
    return spin


def _value(spin: QDoubleSpinBox) -> float:
    """The number shown, without the binary noise of the spin box's rounding (0.7, not
    0.7000000000000001), so it equals a preset's value."""
    return round(spin.value(), spin.decimals())
