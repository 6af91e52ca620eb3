"""The main window: conversations on the left, the chat on the right, status at the bottom."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, QSettings, QSignalBlocker, Qt, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop_llm.chat import (
    BackendInfo,
    ConversationRecord,
    GenerationProgress,
    LoadedModel,
    MessageRecord,
    ModelRecord,
)
from desktop_llm.chat.remotes import RemoteModels
from desktop_llm.chat.service import Reply
from desktop_llm.chat.serving import ServeSetup
from desktop_llm.ui.chat_bridge import ChatBridge
from desktop_llm.ui.conversation_list import ConversationList
from desktop_llm.ui.gui_thread_gc import GuiThreadCollector
from desktop_llm.ui.markdown_render import warm_up_highlighting
from desktop_llm.ui.message_input import MessageInput
from desktop_llm.ui.model_selector import ModelSelector
from desktop_llm.ui.models_bridge import ModelsBridge
from desktop_llm.ui.remotes_bridge import RemotesBridge
from desktop_llm.ui.serve_switch import ServeSwitch
from desktop_llm.ui.settings_actions import SettingsActions
from desktop_llm.ui.status_bar import ChatStatusBar
from desktop_llm.ui.transcript_view import TranscriptView
from desktop_llm.ui.transfer_actions import TransferActions, dropped_imports

if TYPE_CHECKING:
    from desktop_llm.ui.models.browser import ModelBrowser


class MainWindow(QMainWindow):
    # Emitted on the GUI thread once closing has stopped the engine and closed the history.
    shutDown = Signal()
    _shutdownDone = Signal()

    def __init__(
        self, bridge: ChatBridge, models_bridge: ModelsBridge, state_file: Path
    ) -> None:
        super().__init__()
        self._backend: BackendInfo | None = None
        self._shutdown_thread: threading.Thread | None = None
        self._shut_down = False
        self.models_bridge = models_bridge
        self.model_browser: ModelBrowser | None = None
        self.setAcceptDrops(True)
        self.setObjectName("mainWindow")
        self.setWindowTitle("desktop-llm")
        self.bridge = bridge
        self._state = QSettings(str(state_file), QSettings.Format.IniFormat)
        self._conversation_id: int | None = None
        self._active_request: int | None = None
        self._reply_conversation: int | None = None
        self._opened_recent = False
        self._question = ""
        self._splitter_restored = False
        self._conversation: ConversationRecord | None = None
        # The branch shown, first message to last, as the history last described it.
        self._branch: list[MessageRecord] = []
        # The user message being edited (its new version is sent as a branch beside it).
        self._editing: int | None = None
        # A search hit to scroll to once its conversation is shown.
        self._scroll_to: int | None = None

        self.new_chat_button = QPushButton(self.tr("New chat"))
        self.new_chat_button.setObjectName("newChatButton")
        self.conversation_list = ConversationList()
        self.model_selector = ModelSelector()
        self.model_selector.setMinimumContentsLength(24)
        self.model_selector.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.models_button = QPushButton(self.tr("Models…"))
        self.models_button.setObjectName("modelsButton")
        self.models_button.setToolTip(self.tr("Find, download and manage models"))
        self.model_settings_button = QPushButton(self.tr("Settings…"))
        self.model_settings_button.setObjectName("modelSettingsButton")
        self.model_settings_button.setToolTip(
            self.tr("Context length, GPU layers and threads for loading the model")
        )
        self.model_state = QLabel(self.tr("No model loaded"))
        self.model_state.setObjectName("modelState")
        self.transcript = TranscriptView()
        self.error_banner = QLabel()
        self.error_banner.setObjectName("errorBanner")
        self.error_banner.setWordWrap(True)
        self.error_banner.setStyleSheet(
            "background:#fef2f2; color:#991b1b; border:1px solid #fecaca; padding:6px;"
        )
        self.error_banner.hide()
        self.edit_banner = QLabel(
            self.tr("Editing your message: send it as a new version, or press Esc to cancel.")
        )
        self.edit_banner.setObjectName("editBanner")
        # The theme's own colours, so it reads in dark mode too.
        self.edit_banner.setStyleSheet(
            "background: palette(alternate-base); color: palette(text);"
            " border: 1px solid palette(highlight); padding: 4px;"
        )
        self.edit_banner.hide()
        self.message_input = MessageInput()
        self.send_button = QPushButton(self.tr("Send"))
        self.send_button.setObjectName("sendButton")
        self.send_button.setDefault(True)
        self.stop_button = QPushButton(self.tr("Stop"))
        self.stop_button.setObjectName("stopButton")
        self.stop_button.setEnabled(False)
        self.status = ChatStatusBar()
        self.setStatusBar(self.status)
        self.garbage_collector = GuiThreadCollector(self)
        self.settings_actions = SettingsActions(bridge, self.message_input, self)
        self.transfers = TransferActions(bridge, self.status, self)
        self.serve_switch = ServeSwitch(bridge.service, self)
        # The model selector lists the installed models, then each remote server's.
        self.remotes_bridge = RemotesBridge(bridge.service, self)
        self._local_models: list[ModelRecord] = []
        self._remote_models: list[RemoteModels] = []
        self._lay_out()
        self._build_menus()
        self._connect()
        self._restore_state()
        self.message_input.setFocus()
        bridge.refresh_conversations()
        bridge.refresh_models()
        self.remotes_bridge.refresh()
        bridge.describe_backend()
        bridge.run_in_background(warm_up_highlighting, lambda _warmed: None)
        self.status.show_safe_mode(bridge.service.safe_mode())
        if bridge.service.settings.serve_at_start:
            self.serve_action.setChecked(True)  # left on: programs count on it being there

    def _lay_out(self) -> None:
        sidebar = QWidget()
        side = QVBoxLayout(sidebar)
        side.setContentsMargins(6, 6, 0, 6)
        side.addWidget(self.new_chat_button)
        side.addWidget(self.conversation_list)

        chat = QWidget()
        column = QVBoxLayout(chat)
        column.setContentsMargins(0, 6, 6, 6)
        model_row = QHBoxLayout()
        model_row.addWidget(QLabel(self.tr("Model:")))
        model_row.addWidget(self.model_selector, 1)
        model_row.addWidget(self.model_state)
        model_row.addWidget(self.model_settings_button)
        model_row.addWidget(self.models_button)
        column.addLayout(model_row)
        column.addWidget(self.transcript, 1)
        column.addWidget(self.error_banner)
        column.addWidget(self.edit_banner)
        input_row = QHBoxLayout()
        input_row.addWidget(self.message_input, 1)
        buttons = QVBoxLayout()
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        input_row.addLayout(buttons)
        column.addLayout(input_row)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(sidebar)
        self.splitter.addWidget(chat)
        self._chat_column = chat
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([240, 760])
        self.setCentralWidget(self.splitter)

    def _build_menus(self) -> None:
        """Every action with its shortcut, so the keyboard is discoverable from the menus."""
        def action(menu_name: str, text: str, slot: object, shortcut: object = None,
                   name: str = "") -> QAction:
            created = QAction(text, self)
            if shortcut is not None:
                created.setShortcut(QKeySequence(shortcut))  # type: ignore[arg-type]
            created.setObjectName(name)
            created.triggered.connect(slot)
            menus[menu_name].addAction(created)
            return created

        bar = self.menuBar()
        menus = {
            "file": bar.addMenu(self.tr("&File")),
            "chat": bar.addMenu(self.tr("&Chat")),
            "settings": bar.addMenu(self.tr("&Settings")),
            "help": bar.addMenu(self.tr("&Help")),
        }
        action("file", self.tr("Import…"), self.transfers.import_files,
               "Ctrl+I", "importAction")
        menus["file"].addSeparator()
        action("file", self.tr("Export conversation…"), self.export_current,
               "Ctrl+E", "exportConversationAction")
        action("file", self.tr("Export conversations…"), self.export_several,
               None, "exportConversationsAction")
        action("file", self.tr("Back up all conversations…"), self.transfers.back_up,
               None, "backupAction")
        action("chat", self.tr("New chat"), self.start_new_chat,
               QKeySequence.StandardKey.New, "newChatAction")
        action("chat", self.tr("Search conversations"), self.conversation_list.focus_search,
               QKeySequence.StandardKey.Find, "searchAction")
        action("chat", self.tr("Regenerate the last reply"), self.regenerate_last,
               "Ctrl+R", "regenerateAction")
        action("chat", self.tr("Edit my last message"), self.edit_last_message,
               None, "editLastAction")
        menus["chat"].addAction(self.settings_actions.template_menu.menuAction())
        menus["chat"].addSeparator()
        action("chat", self.tr("Quit"), self.close, QKeySequence.StandardKey.Quit, "quitAction")
        action("settings", self.tr("Generation settings…"), self.edit_generation,
               "Ctrl+Shift+G", "generationSettingsAction")
        action("settings", self.tr("Prompt templates…"), self.settings_actions.edit_templates,
               None, "promptTemplatesAction")
        action("settings", self.tr("Model loading…"), self.edit_load_settings,
               None, "loadSettingsAction")
        action("settings", self.tr("Remote servers…"), self.edit_remotes,
               None, "remoteServersAction")
        action("settings", self.tr("Refresh remote models"), self.remotes_bridge.refresh,
               None, "refreshRemotesAction")
        action("settings", self.tr("Preferences…"), self.settings_actions.edit_preferences,
               QKeySequence.StandardKey.Preferences, "preferencesAction")
        menus["settings"].addSeparator()
        self.serve_action = QAction(self.tr("Serve the loaded model"), self)
        self.serve_action.setObjectName("serveAction")
        self.serve_action.setCheckable(True)
        self.serve_action.setToolTip(
            self.tr("Answer OpenAI API requests from other programs with the loaded model "
                    "(who may connect: Settings > API server settings)")
        )
        self.serve_action.toggled.connect(self.serve_switch.set_serving)
        # The user's choice (a start that failed unticks the switch without it) lasts.
        self.serve_action.toggled.connect(self._on_serve_toggled)
        menus["settings"].addAction(self.serve_action)
        self.serve_history_action = QAction(self.tr("Save API chats in the history"), self)
        self.serve_history_action.setObjectName("serveHistoryAction")
        self.serve_history_action.setCheckable(True)
        self.serve_history_action.setChecked(self.bridge.service.settings.serve_save_history)
        self.serve_history_action.toggled.connect(self._on_serve_history_toggled)
        menus["settings"].addAction(self.serve_history_action)
        action("settings", self.tr("API server settings…"), self.edit_serve_settings,
               None, "serveSettingsAction")
        about = action("help", self.tr("About desktop-llm"), self.show_about, None, "aboutAction")
        about.setMenuRole(QAction.MenuRole.AboutRole)  # macOS puts it in the application menu

    def _connect(self) -> None:
        bridge = self.bridge
        self.new_chat_button.clicked.connect(self.start_new_chat)
        self.send_button.clicked.connect(self.message_input.submit)
        self.message_input.submitted.connect(self._on_submitted)
        self.message_input.editLastRequested.connect(self.edit_last_message)
        self.stop_button.clicked.connect(self._on_stop_clicked)
        # Esc belongs to the chat side: in the sidebar it clears the search field instead.
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self._chat_column, self._on_escape)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.transcript.messageAction.connect(self._on_message_action)
        self.conversation_list.conversationSelected.connect(self._on_conversation_selected)
        self.conversation_list.renameRequested.connect(bridge.rename_conversation)
        self.conversation_list.deleteRequested.connect(self._on_delete_requested)
        self.conversation_list.pinRequested.connect(bridge.set_pinned)
        self.conversation_list.exportRequested.connect(self._on_export_requested)
        self.transfers.failed.connect(self.show_error)
        self.serve_switch.servingChanged.connect(self._on_serving_changed)
        self.serve_switch.statsChanged.connect(self.status.show_serve_stats)
        self.serve_switch.statsChanged.connect(self._on_serve_stats)
        self.serve_switch.failed.connect(self.show_error)
        self.serve_switch.setupSaved.connect(self._on_serve_setup_saved)
        copy_address = QAction(self.tr("Copy the address"), self.status.serve_label)
        copy_address.triggered.connect(
            lambda: QGuiApplication.clipboard().setText(self.serve_switch.address)
        )
        self.status.serve_label.addAction(copy_address)
        self.status.serve_label.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.transfers.conversationImported.connect(self._on_conversation_imported)
        self.conversation_list.searchRequested.connect(bridge.search)
        self.conversation_list.messageRequested.connect(self._on_search_hit)
        bridge.searchFinished.connect(self.conversation_list.show_search_results)
        bridge.replyProgress.connect(self._on_reply_progress)
        self.model_selector.activated.connect(self._on_model_chosen)
        self.model_selector.popupAboutToShow.connect(self.remotes_bridge.refresh_if_stale)
        self.model_settings_button.clicked.connect(self.edit_load_settings)
        self.models_button.clicked.connect(self.open_model_browser)
        self.models_bridge.installedChanged.connect(bridge.refresh_models)
        self.models_bridge.failed.connect(self.show_error)
        bridge.conversationsChanged.connect(self._on_conversations_changed)
        bridge.conversationLoaded.connect(self._on_conversation_loaded)
        bridge.modelsChanged.connect(self._on_models_changed)
        self.remotes_bridge.modelsChanged.connect(self._on_remote_models_changed)
        bridge.modelLoading.connect(self._on_model_loading)
        bridge.modelLoaded.connect(self._on_model_loaded)
        bridge.modelFailed.connect(self._on_model_failed)
        bridge.replyStarted.connect(self._on_reply_started)
        bridge.replyText.connect(self._on_reply_text)
        bridge.replyFinished.connect(self._on_reply_finished)
        bridge.replyFailed.connect(self._on_reply_failed)
        bridge.replyDiscarded.connect(self._on_reply_discarded)
        bridge.failed.connect(self.show_error)
        bridge.backendReady.connect(self._on_backend_ready)
        bridge.engineStopped.connect(self.status.show_engine_problem)
        bridge.safeModeChanged.connect(self.status.show_safe_mode)
        self._shutdownDone.connect(self._on_shutdown_done)

    # State ----------------------------------------------------------------------------------

    @property
    def conversation_id(self) -> int | None:
        return self._conversation_id

    @property
    def generating(self) -> bool:
        return self._active_request is not None

    def _set_generating(self, request_id: int | None) -> None:
        self._active_request = request_id
        self.send_button.setEnabled(request_id is None)
        self.stop_button.setEnabled(request_id is not None)

    def show_error(self, message: str) -> None:
        self.error_banner.setText(message)
        self.error_banner.show()

    def _restore_state(self) -> None:
        geometry = self._state.value("geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1000, 700)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # Restored once the window has its real width, or the splitter rescales the sidebar.
        splitter = self._state.value("splitter")
        if splitter is not None and not self._splitter_restored:
            self.splitter.restoreState(splitter)
        self._splitter_restored = True

    def _save_state(self) -> None:
        self._state.setValue("geometry", self.saveGeometry())
        self._state.setValue("splitter", self.splitter.saveState())
        self._state.sync()

    # Conversations --------------------------------------------------------------------------

    @Slot()
    def start_new_chat(self) -> None:
        self._conversation_id = None
        self._conversation = None
        self._branch = []
        self._stop_editing()
        self.conversation_list.clear_selection()
        self.transcript.clear()
        self.error_banner.hide()
        self.setWindowTitle("desktop-llm")
        self.message_input.setFocus()

    @Slot(list)
    def _on_conversations_changed(self, conversations: list[ConversationRecord]) -> None:
        self.conversation_list.set_conversations(conversations, self._conversation_id)
        if not self._opened_recent:
            self._opened_recent = True
            if conversations and self._conversation_id is None and not self.generating:
                self._on_conversation_selected(conversations[0].id)

    @Slot(int)
    def _on_conversation_selected(self, conversation_id: int) -> None:
        if conversation_id != self._conversation_id:
            self._stop_editing()
        self._conversation_id = conversation_id
        self.error_banner.hide()
        self.bridge.open_conversation(conversation_id)

    @Slot(int, object)
    def _on_search_hit(self, conversation_id: int, message_id: int | None) -> None:
        """Show the conversation on the branch holding the hit, scrolled to it."""
        if message_id is None:
            self._on_conversation_selected(conversation_id)
            return
        if conversation_id != self._conversation_id:
            self._stop_editing()
        self._conversation_id = conversation_id
        self._scroll_to = message_id
        self.error_banner.hide()
        self.bridge.select_branch(conversation_id, message_id)

    @Slot(object, list)
    def _on_conversation_loaded(
        self, conversation: ConversationRecord, messages: list[MessageRecord]
    ) -> None:
        if conversation.id != self._conversation_id:
            return
        if self.generating and self._reply_conversation == conversation.id:
            return  # the reply streaming here is drawn live; it reloads when it ends
        self._conversation = conversation
        self._branch = messages
        self.transcript.show_branch(messages)
        self.status.show_conversation(messages)
        if self._scroll_to is not None:
            self.transcript.scroll_to_message(self._scroll_to)
            self._scroll_to = None
        self.conversation_list.select_id(conversation.id)
        self.setWindowTitle(f"{conversation.title} — desktop-llm")

    @Slot(int)
    def _on_delete_requested(self, conversation_id: int) -> None:
        # A reply streaming there is stopped by the deletion itself (quietly).
        if conversation_id == self._conversation_id:
            self.start_new_chat()
        self.bridge.delete_conversation(conversation_id)

    # Export and import ----------------------------------------------------------------------

    @Slot()
    def export_current(self) -> None:
        """Ctrl+E: save the conversation shown, in the format the save dialog's filter names."""
        conversation_id = self._conversation_id
        record = None
        if conversation_id is not None:
            record = self.conversation_list.record_of(conversation_id) or self._conversation
        if record is None:
            self.status.showMessage(self.tr("Open a conversation to export it."), 5000)
            return
        self.transfers.export_conversation(record)

    @Slot()
    def export_several(self) -> None:
        self.transfers.export_several(self.conversation_list.records(), self._conversation_id)

    @Slot(int)
    def _on_export_requested(self, conversation_id: int) -> None:
        record = self.conversation_list.record_of(conversation_id)
        if record is not None:
            self.transfers.export_conversation(record)

    @Slot(int)
    def _on_conversation_imported(self, conversation_id: int) -> None:
        # Shown at once, unless the user is busy here: a reply streaming or a message being
        # edited stays on screen, and the import waits in the list.
        if not self.generating and self._editing is None:
            self._on_conversation_selected(conversation_id)

    # Models ---------------------------------------------------------------------------------

    @Slot(list)
    def _on_models_changed(self, models: list[ModelRecord]) -> None:
        self._local_models = models
        self._fill_model_selector()

    @Slot(list)
    def _on_remote_models_changed(self, servers: list[RemoteModels]) -> None:
        if servers == self._remote_models:
            return  # the same answer: the list (perhaps open) is left alone
        self._remote_models = servers
        self._fill_model_selector()

    def _fill_model_selector(self) -> None:
        current = self.bridge.service.current_model
        self.model_selector.blockSignals(True)
        self.model_selector.clear()
        for model in self._local_models:
            self.model_selector.addItem(model.name, str(model.path))
        for server in self._remote_models:
            for name in server.names():
                self.model_selector.addItem(name, name)
                self.model_selector.setItemData(
                    self.model_selector.count() - 1, server.remote.base_url,
                    Qt.ItemDataRole.ToolTipRole,
                )
            if server.error is not None:
                # Shown, not chosen: why this server's models are missing.
                self.model_selector.addItem(
                    self.tr("{0}: not available").format(server.remote.name), None
                )
                index = self.model_selector.count() - 1
                self.model_selector.setItemData(index, server.error, Qt.ItemDataRole.ToolTipRole)
                item = self.model_selector.model().item(index)  # type: ignore[attr-defined]
                item.setEnabled(False)
        if current is not None:
            index = self.model_selector.findText(current.name)
            self.model_selector.setCurrentIndex(index)
        self.model_selector.blockSignals(False)

    @Slot(int)
    def _on_model_chosen(self, index: int) -> None:
        name = self.model_selector.itemText(index)
        service = self.bridge.service
        current = service.current_model
        if name and (current is None or current.name != name or service.loaded_model is None):
            self.bridge.load_model(name)

    @Slot()
    def edit_remotes(self) -> QDialog:
        from desktop_llm.ui.remotes_dialog import RemotesDialog

        dialog = RemotesDialog(self.remotes_bridge, self)
        # Closed: the servers are asked again (a model added or removed there meanwhile).
        dialog.finished.connect(self.remotes_bridge.refresh)
        dialog.open()
        return dialog

    def load_default_model(self) -> None:
        self.bridge.run_in_background(self.bridge.service.default_model, self._on_default_model)

    def _on_default_model(self, choice: object) -> None:
        if choice is None:
            self.show_error(self.tr("No model is installed yet. Add a .gguf file to start."))
            return
        self.bridge.load_model(choice.name)  # type: ignore[attr-defined]

    @Slot()
    def show_about(self) -> None:
        from desktop_llm.ui.about_dialog import open_about_dialog

        open_about_dialog(self.bridge, self)

    @Slot()
    def open_model_browser(self) -> ModelBrowser:
        if self.model_browser is None:
            # Imported when first opened, as the dialogs below: the window shows sooner.
            from desktop_llm.ui.models.browser import ModelBrowser

            self.model_browser = ModelBrowser(self.models_bridge, self)
            self.model_browser.useRequested.connect(self.bridge.load_model)
        self.model_browser.show()
        self.model_browser.raise_()
        return self.model_browser

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if _dropped_models(mime) or dropped_imports(mime):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        """.gguf files and folders add models; .json and .zip files import conversations."""
        mime = event.mimeData()
        models, conversations = _dropped_models(mime), dropped_imports(mime)
        if not models and not conversations:
            return
        event.acceptProposedAction()
        if conversations:
            self.transfers.import_paths(conversations)
        if not models:
            return

        def done(problems: list[str]) -> None:
            if problems:
                self.show_error("\n".join(problems))

        self.models_bridge.import_paths(models, done)

    @Slot(object)
    def _on_backend_ready(self, backend: BackendInfo) -> None:
        self._backend = backend
        self.status.show_backend(backend)

    @Slot()
    def edit_load_settings(self) -> None:
        from desktop_llm.ui.load_settings_dialog import LoadSettingsDialog

        service = self.bridge.service
        dialog = LoadSettingsDialog(
            service.settings.load, self._backend, service.safe_mode(), self
        )
        dialog.accepted.connect(lambda: self.bridge.apply_load_settings(dialog.settings()))
        dialog.open()

    @Slot(str)
    def _on_model_loading(self, name: str) -> None:
        self.model_state.setText(self.tr("Loading…"))
        index = self.model_selector.findText(name)
        if index >= 0:
            self.model_selector.setCurrentIndex(index)
        self.status.show_model(None)

    @Slot(object)
    def _on_model_loaded(self, loaded: LoadedModel) -> None:
        # The selector shows what is loaded, even if the list was rebuilt during the load.
        current = self.bridge.service.current_model
        index = self.model_selector.findText(current.name) if current is not None else -1
        if index >= 0:
            self.model_selector.setCurrentIndex(index)
        self.model_state.setText(self.tr("Ready"))
        self.model_state.setToolTip(loaded.remote_url or str(loaded.path))
        self.status.show_model(loaded)
        self.status.clear_engine_problem()
        self.error_banner.hide()

    @Slot(str)
    def _on_model_failed(self, message: str) -> None:
        self.model_state.setText(self.tr("Not loaded"))
        self.status.show_model(None)
        self.show_error(message)

    # Replies --------------------------------------------------------------------------------

    @Slot(str)
    def _on_submitted(self, text: str) -> None:
        if self.generating:
            return
        self.error_banner.hide()
        self.message_input.clear()
        self._reply_conversation = self._conversation_id
        self._question = text
        editing, self._editing = self._editing, None
        self.edit_banner.hide()
        if editing is not None and self._conversation_id is not None:
            self.transcript.show_branch(self._branch_before(editing))
            self.transcript.begin_exchange(text)
            self._set_generating(self.bridge.edit_message(self._conversation_id, editing, text))
            return
        self.transcript.begin_exchange(text)
        self._set_generating(self.bridge.send(self._conversation_id, text))

    @Slot()
    def _on_stop_clicked(self) -> None:
        if self.generating:
            self.bridge.stop(self._active_request)

    @Slot()
    def _on_escape(self) -> None:
        """Esc stops a reply; with none streaming, it cancels an edit."""
        if self.generating:
            self._on_stop_clicked()
        elif self._editing is not None:
            self._stop_editing()
            self.message_input.clear()

    # Message actions --------------------------------------------------------------------------

    def _message(self, message_id: int) -> MessageRecord | None:
        return next((m for m in self._branch if m.id == message_id), None)

    def _branch_before(self, message_id: int) -> list[MessageRecord]:
        """The branch shown up to (not including) ``message_id``."""
        ids = [m.id for m in self._branch]
        return self._branch[: ids.index(message_id)] if message_id in ids else self._branch

    @Slot(str, int)
    def _on_message_action(self, action: str, message_id: int) -> None:
        conversation_id = self._conversation_id
        if conversation_id is None:
            return
        if action in ("previous", "next"):
            # The arrows name the version to show.
            if not self.generating:
                self.bridge.select_branch(conversation_id, message_id)
            return
        message = self._message(message_id)
        if message is None:
            return
        if action == "edit":
            self._start_editing(message)
        elif action == "delete":
            self._confirm_delete(message)
        elif self.generating:
            return
        elif action == "regenerate":
            self._regenerate(message)
        elif action == "continue":
            self.error_banner.hide()
            self.transcript.show_branch(self._branch_before(message.id))
            self.transcript.begin_reply(message.content)
            self._reply_conversation = conversation_id
            self._set_generating(self.bridge.continue_reply(conversation_id, message.id))

    def _regenerate(self, reply: MessageRecord) -> None:
        if self._conversation_id is None:
            return
        self.error_banner.hide()
        self.transcript.show_branch(self._branch_before(reply.id))
        self.transcript.begin_reply()
        self._reply_conversation = self._conversation_id
        self._set_generating(self.bridge.regenerate(self._conversation_id, reply.id))

    @Slot()
    def regenerate_last(self) -> None:
        last = next((m for m in reversed(self._branch) if m.role == "assistant"), None)
        if last is not None and not self.generating:
            self._regenerate(last)

    @Slot()
    def edit_last_message(self) -> None:
        last = next((m for m in reversed(self._branch) if m.role == "user"), None)
        if last is not None:
            self._start_editing(last)

    def _start_editing(self, message: MessageRecord) -> None:
        if message.role != "user":
            return
        self._editing = message.id
        self.message_input.setPlainText(message.content)
        self.message_input.moveCursor(self.message_input.textCursor().MoveOperation.End)
        self.message_input.setFocus()
        self.edit_banner.show()

    def _stop_editing(self) -> None:
        self._editing = None
        self.edit_banner.hide()

    def _confirm_delete(self, message: MessageRecord) -> None:
        conversation_id = self._conversation_id
        if conversation_id is None:
            return
        question = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Delete message"),
            self.tr("Delete this message and everything that follows it in this branch?"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        question.setObjectName("confirmDeleteMessage")
        question.setDefaultButton(QMessageBox.StandardButton.Cancel)

        def answered(button: int) -> None:
            if button == QMessageBox.StandardButton.Yes:
                if self._editing == message.id:
                    self._stop_editing()
                self.bridge.delete_message(conversation_id, message.id)

        question.finished.connect(answered)
        question.open()

    @Slot()
    def edit_generation(self) -> None:
        self.settings_actions.edit_generation(self._conversation)

    @Slot(int, object)
    def _on_reply_started(self, request_id: int, reply: Reply) -> None:
        if request_id != self._active_request:
            return
        new_conversation = self._conversation_id is None
        self._reply_conversation = reply.conversation.id
        if new_conversation:
            self._conversation_id = reply.conversation.id
        self.bridge.refresh_conversations()

    @Slot(int, object)
    def _on_reply_progress(self, request_id: int, progress: GenerationProgress) -> None:
        if request_id == self._active_request and self._reply_conversation == self._conversation_id:
            self.status.show_progress(progress)

    @Slot(int, str)
    def _on_reply_text(self, request_id: int, text: str) -> None:
        if request_id == self._active_request and self._reply_conversation == self._conversation_id:
            self.transcript.append_reply_text(text)

    @Slot(int, object)
    def _on_reply_finished(self, request_id: int, message: MessageRecord) -> None:
        if request_id != self._active_request:
            return
        self._set_generating(None)
        self.status.show_reply(message)
        if message.finish_reason != "error":
            self.status.clear_engine_problem()  # the engine is back and answering
        if message.conversation_id == self._conversation_id:
            self.bridge.open_conversation(message.conversation_id)
        self.bridge.refresh_conversations()

    @Slot(int)
    def _on_reply_discarded(self, request_id: int) -> None:
        # Its conversation or its message was deleted on purpose: stop waiting, say nothing,
        # and show what is left (the view ignored reloads while the reply streamed).
        if request_id == self._active_request:
            self._set_generating(None)
            if self._conversation_id is not None:
                self.bridge.open_conversation(self._conversation_id)

    @Slot(int, str)
    def _on_reply_failed(self, request_id: int, message: str) -> None:
        if request_id != self._active_request:
            return
        self._set_generating(None)
        self.show_error(message)
        if not self.message_input.toPlainText().strip():
            # The question was never saved: give it back rather than lose it.
            self.message_input.setPlainText(self._question)
        if self._conversation_id is not None:
            self.bridge.open_conversation(self._conversation_id)
        else:
            self.transcript.clear()

    # Closing --------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        """Hide at once; stop the reply, the engine and the history off the GUI thread (the
        engine may take seconds to exit), then close for good and emit ``shutDown``."""
        if self._shut_down:
            event.accept()
            return
        event.ignore()
        if self._shutdown_thread is not None:
            return
        self._save_state()
        self.hide()
        self._shutdown_thread = threading.Thread(
            target=self._shut_down_services, name="app-shutdown", daemon=True
        )
        self._shutdown_thread.start()

    def wait_for_shutdown(self, timeout: float | None = None) -> bool:
        """For tests and the command line: True once closing has finished its work."""
        thread = self._shutdown_thread
        if thread is None:
            return self._shut_down
        thread.join(timeout)
        return not thread.is_alive()

    def _shut_down_services(self) -> None:
        try:
            self.serve_switch.shutdown()  # API clients first: the engine goes next
            self.models_bridge.shutdown()
            self.remotes_bridge.shutdown()
            self.bridge.shutdown()
        finally:
            with contextlib.suppress(RuntimeError):  # the window itself is already gone
                self._shutdownDone.emit()

    @Slot(bool)
    def _on_serve_toggled(self, on: bool) -> None:
        if self.bridge.service.settings.serve_at_start != on:
            self.bridge.update_settings(lambda settings: replace(settings, serve_at_start=on))

    @Slot(bool)
    def _on_serve_history_toggled(self, on: bool) -> None:
        self.bridge.update_settings(lambda settings: replace(settings, serve_save_history=on))

    @Slot()
    def edit_serve_settings(self) -> QDialog:
        from desktop_llm.ui.serve_settings_dialog import ServeSettingsDialog

        dialog = ServeSettingsDialog(self.serve_switch, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    @Slot(object)
    def _on_serve_setup_saved(self, setup: ServeSetup) -> None:
        with QSignalBlocker(self.serve_history_action):  # saved already
            self.serve_history_action.setChecked(setup.save_history)

    @Slot(int, str)
    def _on_serve_stats(self, _served: int, _last_error: str) -> None:
        if self.serve_history_action.isChecked():
            self.bridge.refresh_conversations()  # an API chat was saved: list it

    @Slot(str)
    def _on_serving_changed(self, address: str) -> None:
        self.status.show_serving(address)
        with QSignalBlocker(self.serve_action):  # a failed start unticks it
            self.serve_action.setChecked(bool(address))

    @Slot()
    def _on_shutdown_done(self) -> None:
        self._shut_down = True
        self.garbage_collector.release()
        self.close()
        self.shutDown.emit()


def _dropped_models(mime: QMimeData) -> list[Path]:
    """The .gguf files and folders among what is being dragged in."""
    paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
    return [p for p in paths if p.is_dir() or p.suffix.lower() == ".gguf"]
