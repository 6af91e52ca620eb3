"""Help → About: the version, the llama.cpp backend, the data folder, and the licenses of
every part the app ships with (their texts included).

The dialog opens at once; what takes time arrives later on the GUI thread: the backend is
asked of the engine process (which may still be starting) and the licenses are read from
the installed packages' metadata, both off the GUI thread.
"""

from __future__ import annotations

import platform
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Slot, qVersion
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_llm import __version__
from desktop_llm.chat import BackendInfo
from desktop_llm.chat.service import ENGINE_START_TIMEOUT
from desktop_llm.licenses import Component, components
from desktop_llm.ui.application import APP_NAME, app_icon
from desktop_llm.ui.chat_bridge import ChatBridge

_ICON_SIZE = 64


class AboutDialog(QDialog):
    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(self.tr("About desktop-llm"))
        self.data_dir = data_dir
        self._components: list[Component] = []

        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(_ICON_SIZE, _ICON_SIZE))
        title = QLabel(f"<b>{APP_NAME}</b> {__version__}")
        title.setObjectName("aboutTitle")
        title.setTextFormat(Qt.TextFormat.RichText)
        summary = QLabel(self.tr("An offline-first chat app for local language models."))
        summary.setWordWrap(True)
        heading = QHBoxLayout()
        heading.addWidget(icon)
        words = QVBoxLayout()
        words.addWidget(title)
        words.addWidget(summary)
        heading.addLayout(words, 1)

        self.backend_label = QLabel(self.tr("Asking the engine…"))
        self.backend_label.setObjectName("aboutBackend")
        self.backend_label.setWordWrap(True)
        self.backend_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.data_label = QLabel(str(data_dir))
        self.data_label.setObjectName("aboutDataFolder")
        self.data_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        open_folder = QPushButton(self.tr("Open"))
        open_folder.setObjectName("aboutOpenDataFolder")
        open_folder.clicked.connect(self._on_open_data_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.data_label, 1)
        folder_row.addWidget(open_folder)
        form = QFormLayout()
        form.addRow(self.tr("Version:"), QLabel(__version__))
        form.addRow(self.tr("Backend:"), self.backend_label)
        form.addRow(self.tr("Data folder:"), folder_row)
        form.addRow(
            self.tr("Runs on:"),
            QLabel(f"Python {platform.python_version()}, Qt {qVersion()}, "
                   f"{platform.system()} {platform.machine()}"),
        )

        self.parts = QTreeWidget()
        self.parts.setObjectName("aboutLicenses")
        self.parts.setRootIsDecorated(False)
        self.parts.setHeaderLabels([self.tr("Part"), self.tr("Version"), self.tr("License")])
        self.parts.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.parts.currentItemChanged.connect(self._on_part_chosen)
        self.license_text = QPlainTextEdit()
        self.license_text.setObjectName("aboutLicenseText")
        self.license_text.setReadOnly(True)
        self.license_text.setPlaceholderText(self.tr("Reading the licenses…"))
        licenses = QSplitter(Qt.Orientation.Vertical)
        licenses.addWidget(self.parts)
        licenses.addWidget(self.license_text)
        licenses.setSizes([220, 200])

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(heading)
        layout.addLayout(form)
        layout.addWidget(QLabel(self.tr("Parts and their licenses:")))
        layout.addWidget(licenses, 1)
        layout.addWidget(buttons)
        self.resize(640, 620)

    # Filled in as the answers arrive --------------------------------------------------------

    @Slot(object)
    def show_backend(self, backend: BackendInfo) -> None:
        if backend.gpu_offload_supported:
            text = self.tr("{0}, with GPU offload (llama-cpp-python {1})")
        else:
            text = self.tr("{0} (llama-cpp-python {1})")
        self.backend_label.setText(
            text.format(backend.backend, backend.llama_cpp_python_version)
        )

    @Slot(str)
    def show_backend_problem(self, message: str) -> None:
        self.backend_label.setText(self.tr("Unknown: {0}").format(message))

    @Slot(list)
    def show_components(self, parts: list[Component]) -> None:
        self._components = list(parts)
        self.parts.clear()
        for index, part in enumerate(parts):
            item = QTreeWidgetItem([part.name, part.version, part.license])
            item.setData(0, Qt.ItemDataRole.UserRole, index)
            self.parts.addTopLevelItem(item)
        self.license_text.setPlaceholderText("")
        if parts:
            self.parts.setCurrentItem(self.parts.topLevelItem(0))

    def component_names(self) -> list[str]:
        return [part.name for part in self._components]

    @Slot(QTreeWidgetItem, QTreeWidgetItem)
    def _on_part_chosen(self, item: QTreeWidgetItem | None, _previous: object) -> None:
        if item is None:
            return
        part = self._components[int(item.data(0, Qt.ItemDataRole.UserRole))]
        pieces = [part.note] if part.note else []
        for text in part.texts:
            pieces.append(f"── {text.title} ──\n\n{text.text.strip()}")
        if not part.texts:
            pieces.append(self.tr("No license text ships with this part; its license is {0}.")
                          .format(part.license))
        self.license_text.setPlainText("\n\n".join(pieces))

    @Slot()
    def _on_open_data_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.data_dir)))


def open_about_dialog(bridge: ChatBridge, parent: QWidget) -> AboutDialog:
    """What Help → About does: one dialog per window, shown at once, its backend and
    licenses filled in when they have been read off the GUI thread."""
    dialog = parent.findChild(AboutDialog)
    if dialog is None:
        dialog = AboutDialog(bridge.service.paths.data_dir, parent)
    service = bridge.service
    bridge.run_in_background(
        lambda: service.backend_info().result(timeout=ENGINE_START_TIMEOUT),
        dialog.show_backend,
        dialog.show_backend_problem,
    )
    if not dialog.component_names():
        bridge.run_in_background(components, dialog.show_components)
    dialog.show()
    dialog.raise_()
    return dialog
