"""Settings > API server settings: who may connect, the port, the API key, the web origins
allowed (CORS) and whether API chats are saved.

What could not serve (another computer allowed without a key, an origin that is not one) is
said here, under the fields, with OK disabled: never later, when the switch is turned on.
The switch saves what OK accepts, and restarts a running server with it.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_llm.chat.serving import (
    EVERY_ADDRESS,
    ServeSetup,
    new_api_key,
    parse_origins,
    reachable_url,
)
from desktop_llm.errors import DesktopLLMError
from desktop_llm.serve.options import DEFAULT_HOST
from desktop_llm.ui.dialog_parts import ok_cancel_buttons, problem_label
from desktop_llm.ui.serve_switch import ServeSwitch

# The choices of "Who may connect", by the address each listens on ("": typed).
_THIS_COMPUTER, _NETWORK, _TYPED = 0, 1, 2


class ServeSettingsDialog(QDialog):
    def __init__(self, switch: ServeSwitch, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("serveSettingsDialog")
        self.setWindowTitle(self.tr("API server settings"))
        self._switch = switch
        self._loaded = False  # the saved settings are asked off the GUI thread
        intro = QLabel(self.tr(
            "Settings > Serve the loaded model answers OpenAI API requests from other programs "
            "with the model loaded here. Changes made while serving restart the server."
        ))
        intro.setWordWrap(True)

        self.who = QComboBox()
        self.who.setObjectName("serveWho")
        self.who.addItems([
            self.tr("This computer only"),
            self.tr("Other computers on the network"),
            self.tr("Only through this address:"),
        ])
        self.host_field = QLineEdit()
        self.host_field.setObjectName("serveHost")
        self.host_field.setPlaceholderText("192.168.1.20")
        self.port_field = QSpinBox()
        self.port_field.setObjectName("servePort")
        self.port_field.setRange(0, 65535)
        self.port_field.setSpecialValueText(self.tr("Any free port"))
        self.key_field = QLineEdit()
        self.key_field.setObjectName("serveKey")
        self.key_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_field.setPlaceholderText(self.tr("none; needed for other computers"))
        self.show_key = QCheckBox(self.tr("Show"))
        self.show_key.setObjectName("serveShowKey")
        self.generate_button = QPushButton(self.tr("Generate"))
        self.generate_button.setObjectName("serveGenerateKey")
        self.generate_button.setToolTip(self.tr("Put a new random key in the field"))
        self.copy_key_button = QPushButton(self.tr("Copy"))
        self.copy_key_button.setObjectName("serveCopyKey")
        self.copy_key_button.setToolTip(self.tr("Copy the key, to give it to a program"))
        self.key_note = QLabel()
        self.key_note.setObjectName("serveKeyNote")
        self.key_note.setWordWrap(True)
        self.origins_field = QPlainTextEdit()
        self.origins_field.setObjectName("serveOrigins")
        self.origins_field.setPlaceholderText(self.tr(
            "https://example.com, one per line or separated by commas. "
            "None: web pages may not call the API."
        ))
        self.origins_field.setTabChangesFocus(True)
        self.origins_field.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        self.save_history = QCheckBox(self.tr("Save API chats in the history"))
        self.save_history.setObjectName("serveSaveHistory")
        self.address_label = QLabel()
        self.address_label.setObjectName("serveAddress")
        self.copy_address_button = QPushButton(self.tr("Copy the address"))
        self.copy_address_button.setObjectName("serveCopyAddress")
        self.problem = problem_label("serveProblem")
        self.buttons = ok_cancel_buttons(self)
        self._ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self._ok.setEnabled(False)  # until the saved settings are in the fields

        who_row = QHBoxLayout()
        who_row.addWidget(self.who)
        who_row.addWidget(self.host_field, 1)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_field, 1)
        key_row.addWidget(self.show_key)
        key_buttons = QHBoxLayout()
        key_buttons.addWidget(self.generate_button)
        key_buttons.addWidget(self.copy_key_button)
        key_buttons.addStretch(1)
        address_row = QHBoxLayout()
        address_row.addWidget(self.address_label, 1)
        address_row.addWidget(self.copy_address_button)
        form = QFormLayout()
        form.addRow(self.tr("Who may connect:"), who_row)
        form.addRow(self.tr("Port:"), self.port_field)
        form.addRow(self.tr("API key:"), key_row)
        form.addRow("", key_buttons)
        form.addRow("", self.key_note)
        form.addRow(self.tr("Allowed web origins (CORS):"), self.origins_field)
        form.addRow("", self.save_history)
        form.addRow(self.tr("Programs connect to:"), address_row)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(620)

        self._on_who_changed()
        self.who.currentIndexChanged.connect(self._on_who_changed)
        self.host_field.textChanged.connect(self._on_changed)
        self.port_field.valueChanged.connect(self._on_changed)
        self.key_field.textChanged.connect(self._on_changed)
        self.origins_field.textChanged.connect(self._on_changed)
        self.show_key.toggled.connect(self._on_show_key)
        self.generate_button.clicked.connect(self._on_generate)
        self.copy_key_button.clicked.connect(self._on_copy_key)
        self.copy_address_button.clicked.connect(self._on_copy_address)
        switch.setupLoaded.connect(self._show_setup)
        switch.load_setup()

    def setup(self) -> ServeSetup:
        """What the fields say (origins that do not parse raise their sentence)."""
        return ServeSetup(
            host=self._host(),
            port=self.port_field.value(),
            api_key=self.key_field.text().strip() or None,
            cors_origins=parse_origins(self.origins_field.toPlainText()),
            save_history=self.save_history.isChecked(),
        )

    def accept(self) -> None:
        try:
            setup = self.setup()
        except DesktopLLMError:
            return  # OK is disabled meanwhile; Enter in a field comes here too
        if setup.problem() is None:
            self._switch.apply(setup)
            super().accept()

    def _host(self) -> str:
        index = self.who.currentIndex()
        if index == _THIS_COMPUTER:
            return DEFAULT_HOST
        if index == _NETWORK:
            return EVERY_ADDRESS
        return self.host_field.text().strip()

    @Slot(object, bool)
    def _show_setup(self, setup: ServeSetup, key_kept: bool) -> None:
        self._switch.setupLoaded.disconnect(self._show_setup)
        if setup.host == DEFAULT_HOST:
            self.who.setCurrentIndex(_THIS_COMPUTER)
        elif setup.host == EVERY_ADDRESS:
            self.who.setCurrentIndex(_NETWORK)
        else:
            self.who.setCurrentIndex(_TYPED)
            self.host_field.setText(setup.host)
        self.port_field.setValue(setup.port)
        self.key_field.setText(setup.api_key or "")
        self.origins_field.setPlainText("\n".join(setup.cors_origins))
        self.save_history.setChecked(setup.save_history)
        self.key_note.setText(
            self.tr("Kept in the system keyring, not in the settings file.") if key_kept
            else self.tr("No system keyring is available: the API key is kept only until the "
                         "app quits.")
        )
        self._loaded = True
        self._on_changed()

    @Slot()
    def _on_who_changed(self) -> None:
        typed = self.who.currentIndex() == _TYPED
        self.host_field.setVisible(typed)
        if typed:
            self.host_field.setFocus()
        self._on_changed()

    @Slot()
    def _on_changed(self) -> None:
        if not self._loaded:
            return
        try:
            problem = self.setup().problem()
        except DesktopLLMError as error:
            problem = str(error)
        self.problem.setText(problem or "")
        if self.problem.isHidden() == (problem is not None):
            self.problem.setVisible(problem is not None)
            QTimer.singleShot(0, self._fit)
        self._ok.setEnabled(problem is None)
        host = self._host() or DEFAULT_HOST
        port = self.port_field.value()
        self.address_label.setText(
            reachable_url(host, port) if port else self.tr("the port chosen when it starts")
        )
        self.copy_address_button.setEnabled(bool(port))
        has_key = bool(self.key_field.text().strip())
        self.copy_key_button.setEnabled(has_key)

    @Slot()
    def _fit(self) -> None:
        # A wrapped sentence needs a height for its width, which a window's minimum size
        # does not count: grow the dialog until it fits (never shrink what the user sized).
        needed = self.heightForWidth(self.width())
        if needed > self.height():
            self.resize(self.width(), needed)

    @Slot(bool)
    def _on_show_key(self, shown: bool) -> None:
        self.key_field.setEchoMode(
            QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        )

    @Slot()
    def _on_generate(self) -> None:
        self.key_field.setText(new_api_key())

    @Slot()
    def _on_copy_key(self) -> None:
        QGuiApplication.clipboard().setText(self.key_field.text().strip())

    @Slot()
    def _on_copy_address(self) -> None:
        QGuiApplication.clipboard().setText(self.address_label.text())
