"""The model manager window (objectName ``modelBrowser``), opened from the main window."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QDialog, QTabWidget, QVBoxLayout, QWidget

from desktop_llm.chat import ModelFile
from desktop_llm.ui.models.convert_dialog import ConvertDialog
from desktop_llm.ui.models.discover_tab import DiscoverTab
from desktop_llm.ui.models.downloads_tab import DownloadsTab
from desktop_llm.ui.models.hub_settings_tab import HubSettingsTab
from desktop_llm.ui.models.installed_tab import InstalledTab
from desktop_llm.ui.models_bridge import ModelsBridge


class ModelBrowser(QDialog):
    useRequested = Signal(str)  # an installed model's name, to chat with

    def __init__(self, bridge: ModelsBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelBrowser")
        self.setWindowTitle(self.tr("Models"))
        self.resize(980, 640)
        self.bridge = bridge
        self.convert_dialog: ConvertDialog | None = None
        self.discover = DiscoverTab(bridge)
        self.downloads = DownloadsTab(bridge)
        self.installed = InstalledTab(bridge)
        self.settings = HubSettingsTab(bridge)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("modelTabs")
        self.tabs.addTab(self.discover, self.tr("Discover"))
        self.tabs.addTab(self.downloads, self.tr("Downloads"))
        self.tabs.addTab(self.installed, self.tr("Installed"))
        self.tabs.addTab(self.settings, self.tr("Settings"))
        QVBoxLayout(self).addWidget(self.tabs)

        self.discover.downloadRequested.connect(self._on_download_requested)
        self.installed.useRequested.connect(self.useRequested)
        self.installed.convertRequested.connect(self.open_convert_dialog)
        self.installed.quantizeRequested.connect(self.open_quantize_dialog)
        self.downloads.tokenNeeded.connect(self.ask_for_token)
        bridge.start_downloads()

    @Slot()
    def ask_for_token(self) -> None:
        """Take the user to the token field, with the reason already on screen."""
        self.tabs.setCurrentWidget(self.settings)
        self.settings.token.setFocus()
        self.settings.note.setText(
            self.tr(
                "This model needs a Hugging Face token: paste it here and press Save, then "
                "resume the download."
            )
        )

    @Slot()
    def open_convert_dialog(self) -> ConvertDialog:
        dialog = self._conversion_dialog()
        dialog.convert_folder()
        return dialog

    @Slot(str)
    def open_quantize_dialog(self, model_name: str) -> ConvertDialog:
        dialog = self._conversion_dialog()
        dialog.quantize_model(model_name)
        return dialog

    def _conversion_dialog(self) -> ConvertDialog:
        """One dialog, kept: closing it while a conversion runs leaves the job going."""
        if self.convert_dialog is None:
            self.convert_dialog = ConvertDialog(self.bridge, self)
            self.convert_dialog.useRequested.connect(self.useRequested)
        self.convert_dialog.show()
        self.convert_dialog.raise_()
        return self.convert_dialog

    @Slot(str, object)
    def _on_download_requested(self, repo_id: str, model: ModelFile) -> None:
        self.tabs.setCurrentWidget(self.downloads)

        def started(job_id: str) -> None:
            self.downloads.select_job(job_id)

        self.bridge.download(repo_id, model, started, self.downloads.problem.setText)
