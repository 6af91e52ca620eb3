"""Settings: where models go, which Hub (or mirror) to use, and the Hugging Face token."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from desktop_llm.settings import DEFAULT_HUB_ENDPOINT
from desktop_llm.ui.models.formatting import tr
from desktop_llm.ui.models_bridge import ModelsBridge


class HubSettingsTab(QWidget):
    def __init__(self, bridge: ModelsBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self.models_dir = QLineEdit(str(bridge.models_dir))
        self.models_dir.setObjectName("modelsFolder")
        browse = QPushButton(tr("Choose…"))
        browse.clicked.connect(self._on_browse)
        self.endpoint = QLineEdit(bridge.hub_endpoint)
        self.endpoint.setObjectName("hubEndpoint")
        self.endpoint.setPlaceholderText(DEFAULT_HUB_ENDPOINT)
        self.token = QLineEdit()
        self.token.setObjectName("hubToken")
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText(tr("hf_… (only for gated or private models)"))
        self.clear_token = QPushButton(tr("Forget token"))
        self.clear_token.setObjectName("clearTokenButton")
        self.save_button = QPushButton(tr("Save"))
        self.save_button.setObjectName("saveHubSettingsButton")
        self.note = QLabel()
        self.note.setObjectName("hubSettingsNote")
        self.note.setWordWrap(True)

        folder_row = QHBoxLayout()
        folder_row.addWidget(self.models_dir, 1)
        folder_row.addWidget(browse)
        token_row = QHBoxLayout()
        token_row.addWidget(self.token, 1)
        token_row.addWidget(self.clear_token)
        form = QFormLayout(self)
        form.addRow(tr("Models folder:"), folder_row)
        form.addRow(tr("Hub endpoint:"), self.endpoint)
        form.addRow(tr("Hugging Face token:"), token_row)
        form.addRow(self.note)
        form.addRow(self.save_button)

        self.save_button.clicked.connect(self.save)
        self.clear_token.clicked.connect(lambda: self._save(token=""))
        bridge.token_location(self._show_token_state)

    def _show_token_state(self, location: str) -> None:
        self.note.setText(location)

    @Slot()
    def _on_browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("Models folder"), self.models_dir.text())
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
            endpoint=self.endpoint.text().strip() or DEFAULT_HUB_ENDPOINT,
            models_dir=folder or None,
            token=token,
            on_done=lambda location: self.note.setText(tr("Saved. ") + location),
        )
