"""The window's File menu: export a conversation or several, back up all of them, import files
(also those dropped on the window).

Each action has a method taking a path (``export_conversation_to``, ``export_to_folder``,
``back_up_to``, ``import_paths``); the file dialogs are a thin front that calls it, and tests
call it directly. The work runs off the GUI thread (``ChatBridge``'s transfer thread); results
show in the status bar, and a refusal as one line in the window's error banner. Files appear
whole or not at all, and an import is one transaction per file (the chat service's promise).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QMimeData, QObject, QStandardPaths, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QStatusBar, QWidget

from desktop_llm.chat import ConversationRecord
from desktop_llm.transcripts.file_names import export_file_name
from desktop_llm.transcripts.formats import FORMATS, ExportFormat, format_for_path
from desktop_llm.transcripts.importing import ImportReport
from desktop_llm.ui.chat_bridge import ChatBridge, Exported
from desktop_llm.ui.export_dialog import ExportDialog

IMPORT_SUFFIXES = (".json", ".zip")
RESULT_MS = 15_000  # how long a result stays in the status bar


def dropped_imports(mime: QMimeData) -> list[Path]:
    """The files among what is being dragged in that an import may read (.json, .zip)."""
    paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
    return [p for p in paths if p.suffix.lower() in IMPORT_SUFFIXES and not p.is_dir()]


class _ImportBatch:
    """Files imported together: the first conversation they bring is the one to open."""

    def __init__(self) -> None:
        self.opened = False


class TransferActions(QObject):
    failed = Signal(str)  # one line for the window's error banner
    conversationImported = Signal(int)  # the first conversation an import brought, to open

    def __init__(self, bridge: ChatBridge, status: QStatusBar, window: QWidget) -> None:
        super().__init__(window)
        self._bridge = bridge
        self._status = status
        self._window = window
        documents = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation
        )
        # Where the last file went: the next dialog starts there (for this session).
        self._folder = Path(documents) if documents and Path(documents).is_dir() else Path.home()
        self._format = FORMATS["md"]
        bridge.transferProgress.connect(self._on_progress)

    def format_labels(self) -> list[tuple[ExportFormat, str]]:
        """Every export format with its label in the user's language."""
        labels = {
            "md": self.tr("Markdown"),
            "html": self.tr("Web page (HTML)"),
            "json": self.tr("JSON (every branch)"),
            "txt": self.tr("Plain text"),
            "pdf": self.tr("PDF"),
        }
        return [(fmt, labels.get(key, fmt.label)) for key, fmt in FORMATS.items()]

    # One conversation ---------------------------------------------------------------------------

    def export_conversation(self, conversation: ConversationRecord) -> QFileDialog:
        """Ask where to save ``conversation``; the chosen filter is the format."""
        choices = self.format_labels()
        filters = [f"{label} (*{fmt.extension})" for fmt, label in choices]
        formats = [fmt for fmt, _label in choices]
        dialog = QFileDialog(self._window, self.tr("Export conversation"))
        dialog.setObjectName("exportFileDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.setNameFilters(filters)
        dialog.setDirectory(str(self._folder))
        chosen = formats.index(self._format)
        dialog.selectNameFilter(filters[chosen])
        dialog.setDefaultSuffix(self._format.extension.lstrip("."))
        dialog.selectFile(export_file_name(conversation, self._format))

        def filter_changed(name_filter: str) -> None:
            fmt = formats[filters.index(name_filter)] if name_filter in filters else None
            if fmt is None:
                return
            dialog.setDefaultSuffix(fmt.extension.lstrip("."))
            # The name typed so far follows the format (the Qt dialog; native ones may not).
            dialog.selectFile(export_file_name(conversation, fmt))

        def file_chosen(name: str) -> None:
            by_filter = dict(zip(filters, formats, strict=True)).get(dialog.selectedNameFilter())
            path = Path(name)
            # An extension typed by hand wins over the filter left as it was.
            fmt = format_for_path(path) or by_filter or self._format
            if format_for_path(path) is None:
                path = path.with_name(path.name + fmt.extension)
            self.export_conversation_to(conversation.id, path, fmt)

        dialog.filterSelected.connect(filter_changed)
        dialog.fileSelected.connect(file_chosen)
        dialog.open()
        return dialog

    def export_conversation_to(
        self, conversation_id: int, path: Path, fmt: ExportFormat
    ) -> None:
        """Write one conversation to the file ``path`` (off the GUI thread)."""
        path = Path(path)
        self._folder, self._format = path.parent, fmt
        self._status.showMessage(self.tr("Exporting to {0}…").format(path))
        self._bridge.export_conversations(
            [conversation_id], fmt, path, self._on_exported, self._on_failed
        )

    # Several conversations ----------------------------------------------------------------------

    def export_several(
        self, conversations: Sequence[ConversationRecord], current_id: int | None
    ) -> ExportDialog:
        """A checklist of ``conversations`` (the current one ticked), a format and a folder."""
        dialog = ExportDialog(
            conversations, current_id, self.format_labels(), self._folder, self._window
        )
        dialog.format_box.setCurrentIndex(list(FORMATS.values()).index(self._format))
        dialog.accepted.connect(lambda: self.export_to_folder(
            dialog.chosen_ids(), dialog.chosen_format(), dialog.folder()
        ))
        dialog.open()
        return dialog

    def export_to_folder(
        self, conversation_ids: Sequence[int], fmt: ExportFormat, folder: Path
    ) -> None:
        """One file per conversation in ``folder`` (created if need be)."""
        folder = Path(folder)
        self._folder, self._format = folder, fmt
        self._status.showMessage(self.tr("Exporting to {0}…").format(folder))
        self._bridge.export_conversations(
            list(conversation_ids), fmt, folder, self._on_exported, self._on_failed,
            into_folder=True,
        )

    @Slot(object)
    def _on_exported(self, exported: Exported) -> None:
        paths = exported.paths
        if len(paths) == 1:
            message = self.tr("Exported to {0}").format(paths[0])
        else:
            message = self.tr("Exported {0} conversations to {1}").format(
                len(paths), paths[0].parent if paths else self._folder
            )
        self._status.showMessage(message, RESULT_MS)
        if exported.note:
            self.failed.emit(exported.note)

    # Backup -------------------------------------------------------------------------------------

    def back_up(self) -> QFileDialog:
        """Ask where to save the zip of every conversation."""
        dialog = QFileDialog(self._window, self.tr("Back up all conversations"))
        dialog.setObjectName("backupFileDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilters([self.tr("Zip archive (*.zip)")])
        dialog.setDefaultSuffix("zip")
        dialog.setDirectory(str(self._folder))
        dialog.selectFile(f"desktop-llm-backup-{datetime.now():%Y-%m-%d}.zip")
        dialog.fileSelected.connect(lambda name: self.back_up_to(Path(name)))
        dialog.open()
        return dialog

    def back_up_to(self, path: Path) -> None:
        path = Path(path)
        self._folder = path.parent
        self._status.showMessage(self.tr("Backing up to {0}…").format(path))

        def done(count: int) -> None:
            message = (
                self.tr("Backed up 1 conversation to {0}").format(path) if count == 1
                else self.tr("Backed up {0} conversations to {1}").format(count, path)
            )
            self._status.showMessage(message, RESULT_MS)

        self._bridge.back_up(path, done, self._on_failed)

    # Import -------------------------------------------------------------------------------------

    def import_files(self) -> QFileDialog:
        """Ask for files to import (several at once)."""
        dialog = QFileDialog(self._window, self.tr("Import conversations"))
        dialog.setObjectName("importFileDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.setNameFilters([
            self.tr("Conversations and backups (*.json *.zip)"), self.tr("All files (*)")
        ])
        dialog.setDirectory(str(self._folder))
        dialog.filesSelected.connect(lambda names: self.import_paths([Path(n) for n in names]))
        dialog.open()
        return dialog

    def import_paths(self, paths: Sequence[Path]) -> None:
        """Import each file in its own transaction, in order; the first conversation they
        bring is opened once it is in."""
        paths = [Path(p) for p in paths]
        if not paths:
            return
        self._folder = paths[0].parent
        batch = _ImportBatch()
        for path in paths:
            self._status.showMessage(self.tr("Importing {0}…").format(path.name))
            self._bridge.import_file(
                path,
                lambda report: self._on_imported(report, batch),
                lambda message, path=path: self._on_failed(
                    # The import's refusals name the file; anything else gets its name here.
                    message if path.name in message
                    else self.tr("{0}: {1}").format(path.name, message)
                ),
            )

    def _on_imported(self, report: ImportReport, batch: _ImportBatch) -> None:
        # The report's own sentence: the command line says the same.
        self._status.showMessage(report.summary(), RESULT_MS)
        self._bridge.refresh_conversations()
        if report.conversation_ids and not batch.opened:
            batch.opened = True
            self.conversationImported.emit(report.conversation_ids[0])

    # Progress and failures ----------------------------------------------------------------------

    @Slot(str, int, int)
    def _on_progress(self, what: str, done: int, total: int) -> None:
        if what == "backup":
            self._status.showMessage(self.tr("Backing up… {0}/{1}").format(done, total))
        else:  # an import's total is known only at its end
            self._status.showMessage(self.tr("Importing… {0} conversations read").format(done))

    def _on_failed(self, message: str) -> None:
        self._status.clearMessage()
        self.failed.emit(message)
