"""Settings: where models go, which Hub (or mirror) to use, and the Hugging Face token."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Slot
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from desktop_llm.chat import hub_conventions as conventions
from desktop_llm.chat.model_manager import HubSources
from desktop_llm.settings import DEFAULT_HUB_ENDPOINT
from desktop_llm.ui.models_bridge import HubState, ModelsBridge


class HubSettingsTab(QWidget):
    def __init__(self, bridge: ModelsBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self.models_dir = QLineEdit(str(bridge.models_dir))
        self.models_dir.setObjectName("modelsFolder")
        browse = QPushButton(self.tr("Choose…"))
        browse.clicked.connect(self._on_browse)
        self.endpoint = QLineEdit(bridge.hub_endpoint)
        self.endpoint.setObjectName("hubEndpoint")
        # Empty means "not chosen": HF_ENDPOINT, else the Hub (the placeholder shows which).
        self.endpoint.setPlaceholderText(DEFAULT_HUB_ENDPOINT)
        self.token = QLineEdit()
        self.token.setObjectName("hubToken")
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText(self.tr("hf_… (only for gated or private models)"))
        self.clear_token = QPushButton(self.tr("Forget token"))
        self.clear_token.setObjectName("clearTokenButton")
        self.save_button = QPushButton(self.tr("Save"))
        self.save_button.setObjectName("saveHubSettingsButton")
        self.note = QLabel()
        self.note.setObjectName("hubSettingsNote")
        self.note.setWordWrap(True)
        # Where the endpoint and token in use come from (settings, HF_* variables, keyring).
        self.sources = QLabel()
        self.sources.setObjectName("hubSources")
        self.sources.setWordWrap(True)

        folder_row = QHBoxLayout()
        folder_row.addWidget(self.models_dir, 1)
        folder_row.addWidget(browse)
        token_row = QHBoxLayout()
        token_row.addWidget(self.token, 1)
        token_row.addWidget(self.clear_token)
        form = QFormLayout(self)
        form.addRow(self.tr("Models folder:"), folder_row)
        form.addRow(self.tr("Hub endpoint:"), self.endpoint)
        form.addRow(self.tr("Hugging Face token:"), token_row)
        form.addRow(self.sources)
        form.addRow(self.note)
        form.addRow(self.save_button)

        self.save_button.clicked.connect(self.save)
        self.clear_token.clicked.connect(lambda: self._save(token=""))
        bridge.hub_state(self._show_state)

    def _show_state(self, state: HubState, saved: bool = False) -> None:
        endpoint = state.sources.endpoint
        self.endpoint.setPlaceholderText(endpoint.value or DEFAULT_HUB_ENDPOINT)
        self.sources.setText(describe_sources(state.sources))
        self.note.setText((self.tr("Saved. ") if saved else "") + state.token_location)

    @Slot()
    def _on_browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Models folder"), self.models_dir.text()
        )
        if folder:
            self.models_dir.setText(folder)

    @Slot()
    def save(self) -> None:
        self._save(token=self.token.text().strip() or None)

    def _save(self, *, token: str | None) -> None:
        folder = self.models_dir.text().strip()
        if folder == str(self._bridge.default_models_dir):
            folder = ""  # the default stays "default", and follows the data folder
        self.token.clear()  # the token never stays in a widget longer than needed
        self._bridge.save_hub_settings(
            endpoint=self.endpoint.text().strip() or None,
            models_dir=folder or None,
            token=token,
            on_done=lambda state: self._show_state(state, saved=True),
        )


def describe_sources(sources: HubSources) -> str:
    """Which endpoint and token are used, and why, in a sentence or three."""
    translate = QCoreApplication.translate
    endpoint_from = {
        conventions.FROM_SETTINGS: translate("HubSettingsTab", "chosen here"),
        conventions.FROM_HF_ENDPOINT: translate("HubSettingsTab", "from the HF_ENDPOINT variable"),
        conventions.FROM_DEFAULT: translate("HubSettingsTab", "the default"),
    }[sources.endpoint.source]
    token_from = {
        conventions.FROM_KEYRING: translate("HubSettingsTab", "the one saved here"),
        conventions.FROM_HF_TOKEN: translate("HubSettingsTab", "from the HF_TOKEN variable"),
        conventions.FROM_TOKEN_FILE: translate(
            "HubSettingsTab", "the one saved by `hf auth login`"
        ),
        conventions.NOWHERE: translate("HubSettingsTab", "none"),
    }[sources.token.source]
    lines = [
        translate("HubSettingsTab", "Endpoint in use: {0} ({1}).").format(
            sources.endpoint.value, endpoint_from
        ),
        translate("HubSettingsTab", "Token in use: {0}.").format(token_from),
    ]
    if sources.offline:
        lines.append(
            translate("HubSettingsTab", "HF_HUB_OFFLINE is set: the Hub is not contacted.")
        )
    return " ".join(lines)
