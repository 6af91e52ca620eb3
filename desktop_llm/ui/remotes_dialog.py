"""Settings > Remote servers: add and remove OpenAI-compatible servers, with an API key."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_llm.chat.remotes import RemoteModels
from desktop_llm.settings import RemoteEndpoint
from desktop_llm.ui.locale_format import number
from desktop_llm.ui.remotes_bridge import RemotesBridge

# The servers list's columns.
_NAME, _ADDRESS, _KEY, _MODELS = range(4)


class RemotesDialog(QDialog):
    def __init__(self, bridge: RemotesBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("remotesDialog")
        self.setWindowTitle(self.tr("Remote servers"))
        self._bridge = bridge
        intro = QLabel(self.tr(
            "Chat with models on OpenAI-compatible servers (vLLM, llama-server, Ollama, …). "
            "Their models appear in the model list as NAME/MODEL. Adding a server under a name "
            "already saved replaces it, and its API key."
        ))
        intro.setWordWrap(True)
        self.servers = QTreeWidget()
        self.servers.setObjectName("remoteServers")
        self.servers.setHeaderLabels(
            [self.tr("Name"), self.tr("Address"), self.tr("API key"), self.tr("Models")]
        )
        self.servers.setRootIsDecorated(False)
        header = self.servers.header()
        header.setStretchLastSection(False)
        for column in (_NAME, _KEY, _MODELS):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(_ADDRESS, QHeaderView.ResizeMode.Stretch)
        # What each server answered when last asked, by name (None: not asked yet).
        self._answers: dict[str, RemoteModels] = {}
        self.remove_button = QPushButton(self.tr("Remove"))
        self.remove_button.setObjectName("removeRemoteButton")
        self.remove_button.setEnabled(False)
        self.name_field = QLineEdit()
        self.name_field.setObjectName("remoteName")
        self.name_field.setPlaceholderText("gpu")
        self.url_field = QLineEdit()
        self.url_field.setObjectName("remoteUrl")
        self.url_field.setPlaceholderText("http://gpu-box:8000/v1")
        self.key_field = QLineEdit()
        self.key_field.setObjectName("remoteKey")
        self.key_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_field.setPlaceholderText(self.tr("optional; kept in the system keyring"))
        self.add_button = QPushButton(self.tr("Add"))
        self.add_button.setObjectName("addRemoteButton")
        self.add_button.setEnabled(False)
        self.result_label = QLabel()
        self.result_label.setObjectName("remoteResult")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow(self.tr("Name:"), self.name_field)
        form.addRow(self.tr("Address:"), self.url_field)
        form.addRow(self.tr("API key:"), self.key_field)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.remove_button)
        add_row = QHBoxLayout()
        add_row.addStretch(1)
        add_row.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.servers)
        layout.addLayout(row)
        layout.addLayout(form)
        layout.addLayout(add_row)
        layout.addWidget(self.result_label)
        layout.addWidget(buttons)
        self.resize(560, 420)

        self.servers.itemSelectionChanged.connect(self._on_selection)
        self.name_field.textChanged.connect(self._on_fields_changed)
        self.url_field.textChanged.connect(self._on_fields_changed)
        self.add_button.clicked.connect(self._on_add)
        self.remove_button.clicked.connect(self._on_remove)
        bridge.serversChanged.connect(self._show_servers)
        bridge.serverAdded.connect(self._on_added)
        bridge.modelsChanged.connect(self._show_models)
        bridge.failed.connect(self._on_failed)
        bridge.load_servers()
        bridge.refresh()  # opened to see the servers: each is asked how it is now

    @Slot(list)
    def _show_servers(self, servers: list[tuple[RemoteEndpoint, bool]]) -> None:
        self.servers.clear()
        for remote, has_key in servers:
            key = self.tr("saved") if has_key else self.tr("none")
            item = QTreeWidgetItem(self.servers, [remote.name, remote.base_url, key, ""])
            item.setToolTip(_ADDRESS, remote.base_url)
            self._show_answer(item, self._answers.get(remote.name))
        self._on_selection()

    @Slot(list)
    def _show_models(self, servers: list[RemoteModels]) -> None:
        self._answers = {server.remote.name: server for server in servers}
        for index in range(self.servers.topLevelItemCount()):
            item = self.servers.topLevelItem(index)
            self._show_answer(item, self._answers.get(item.text(_NAME)))

    def _show_answer(self, item: QTreeWidgetItem, answer: RemoteModels | None) -> None:
        if answer is None:
            item.setText(_MODELS, self.tr("asking…"))
            item.setToolTip(_MODELS, "")
        elif answer.error is not None:
            item.setText(_MODELS, self.tr("not available"))
            item.setToolTip(_MODELS, answer.error)
        else:
            count = len(answer.models)
            item.setText(
                _MODELS, self.tr("1 model") if count == 1
                else self.tr("{0} models").format(number(count))
            )
            item.setToolTip(_MODELS, "\n".join(model.id for model in answer.models))

    @Slot()
    def _on_selection(self) -> None:
        selected = self.servers.selectedItems()
        self.remove_button.setEnabled(bool(selected))
        if selected:
            # Added again under its name, a server is replaced: this is how its key changes.
            self.name_field.setText(selected[0].text(_NAME))
            self.url_field.setText(selected[0].text(_ADDRESS))

    @Slot()
    def _on_fields_changed(self) -> None:
        self.add_button.setEnabled(
            bool(self.name_field.text().strip()) and bool(self.url_field.text().strip())
        )

    @Slot()
    def _on_add(self) -> None:
        self.add_button.setEnabled(False)
        self.result_label.setText(self.tr("Asking the server for its models…"))
        self._bridge.add(
            self.name_field.text().strip(), self.url_field.text().strip(),
            self.key_field.text().strip() or None,
        )

    @Slot(object, bool)
    def _on_added(self, models: RemoteModels, key_kept: bool) -> None:
        self.key_field.clear()
        self.name_field.clear()
        self.url_field.clear()
        if models.error is not None:
            text = self.tr("Saved {0}, but: {1}").format(models.remote.name, models.error)
        else:
            ids = ", ".join(model.id for model in models.models) or self.tr("none")
            text = self.tr("Saved {0}. Its models: {1}").format(models.remote.name, ids)
        if not key_kept:
            text += " " + self.tr(
                "No system keyring is available: the API key is kept only until the app quits."
            )
        self.result_label.setText(text)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._on_fields_changed()
        self.result_label.setText(message)

    @Slot()
    def _on_remove(self) -> None:
        selected = self.servers.selectedItems()
        if selected:
            self._bridge.remove(selected[0].text(_NAME))
