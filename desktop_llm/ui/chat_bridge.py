"""The GUI's side of the chat service: work off the GUI thread, results back as signals.

Storage calls run one at a time on a background thread (like Anki's task manager), replies
are written by the engine process, and everything they report reaches the GUI through
queued signals. Streamed text arrives already batched by the engine (about thirty pieces a
second), so each piece is one signal. Nothing here blocks the GUI thread.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QCoreApplication, QObject, Signal

from desktop_llm.chat import (
    BackendInfo,
    ConversationRecord,
    EngineEvent,
    GenerationParams,
    LoadedModel,
    LoadSettings,
    MessageRecord,
)
from desktop_llm.chat.service import (
    ENGINE_START_TIMEOUT,
    ChatService,
    ModelSupersededError,
    Reply,
)
from desktop_llm.errors import ConversationDeletedError, ExportError
from desktop_llm.settings import Settings
from desktop_llm.transcripts.formats import ExportFormat
from desktop_llm.transcripts.importing import ImportReport
from desktop_llm.transcripts.transcript import Transcript
from desktop_llm.ui.background import BackgroundTasks, describe_failure

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Exported:
    paths: list[Path]  # the files written, in the order asked for
    note: str | None = None  # something the user should know (a PDF missing a Chinese font)


class ChatBridge(QObject):
    conversationsChanged = Signal(list)  # list[ConversationRecord]
    conversationLoaded = Signal(object, list)  # ConversationRecord, list[MessageRecord]
    modelsChanged = Signal(list)  # list[ModelRecord]
    modelLoading = Signal(str)
    modelLoaded = Signal(object)  # LoadedModel
    modelFailed = Signal(str)
    replyStarted = Signal(int, object)  # request id, Reply
    replyText = Signal(int, str)
    replyProgress = Signal(int, object)  # request id, GenerationProgress
    replyFinished = Signal(int, object)  # request id, MessageRecord
    replyFailed = Signal(int, str)
    replyDiscarded = Signal(int)  # request id: its conversation was deleted; nothing to show
    failed = Signal(str)
    searchFinished = Signal(str, list)  # the query, list[SearchHit]
    backendReady = Signal(object)  # BackendInfo, once the engine process has described it
    engineStopped = Signal(str)  # a sentence: the engine crashed or was restarted
    safeModeChanged = Signal(object)  # SafeModeStatus
    # An export, backup or import under way: (what, done, total), from its worker thread.
    transferProgress = Signal(str, int, int)

    def __init__(self, service: ChatService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        # One thread: storage calls stay in the order they were asked for.
        self._tasks = BackgroundTasks("storage-tasks", parent=self)
        self._tasks.failed.connect(self.failed)
        # Exports, backups and imports may take seconds: their own thread, so opening a
        # conversation meanwhile does not wait behind them (SQLite's WAL lets both read).
        self._transfers = BackgroundTasks("transfer-tasks", parent=self)
        self._transfers.failed.connect(self.failed)
        self._request_ids = itertools.count(1)
        self._stop_requested: set[int] = set()
        self._lock = threading.Lock()
        self._closed = False
        service.add_engine_listener(self._on_engine_event)

    def describe_backend(self) -> None:
        """Ask the engine process what it runs on; ``backendReady`` answers."""

        def work() -> BackendInfo:
            return self.service.backend_info().result(timeout=ENGINE_START_TIMEOUT)

        self.run_in_background(work, self.backendReady.emit)

    def _on_engine_event(self, event: EngineEvent) -> None:
        # On the engine's reader thread: signals cross to the GUI thread queued.
        if event.kind == "stopped":
            self.engineStopped.emit(event.message)
        elif event.kind == "safe_mode":
            self.safeModeChanged.emit(self.service.safe_mode())

    def run_in_background(
        self,
        work: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        """Run ``work`` on the storage thread; call ``on_done`` with its result on this one."""
        self._tasks.run(work, on_done, on_error)

    # Conversations ------------------------------------------------------------------------

    def refresh_conversations(self) -> None:
        self.run_in_background(self.service.conversations, self.conversationsChanged.emit)

    def open_conversation(self, conversation_id: int) -> None:
        """Load the branch shown; ``conversationLoaded`` answers."""

        def work() -> tuple[ConversationRecord, list[MessageRecord]]:
            conversation = self.service.conversation(conversation_id)
            branch = self.service.branch(conversation_id)
            self.service.count_missing_tokens(branch)  # shown from the next redraw on
            return conversation, branch

        self.run_in_background(work, lambda loaded: self.conversationLoaded.emit(*loaded))

    def select_branch(self, conversation_id: int, message_id: int) -> None:
        """Show another version of a message (and what followed it)."""

        def work() -> tuple[ConversationRecord, list[MessageRecord]]:
            branch = self.service.select_branch(conversation_id, message_id)
            return self.service.conversation(conversation_id), branch

        self.run_in_background(work, lambda loaded: self.conversationLoaded.emit(*loaded))

    def delete_message(self, conversation_id: int, message_id: int) -> None:
        self.run_in_background(
            lambda: self.service.delete_message(conversation_id, message_id),
            lambda _deleted: self.open_conversation(conversation_id),
        )

    def set_pinned(self, conversation_id: int, pinned: bool) -> None:
        self.run_in_background(
            lambda: self.service.set_pinned(conversation_id, pinned),
            lambda _pinned: self.refresh_conversations(),
        )

    def search(self, query: str) -> None:
        """Search every conversation; ``searchFinished`` answers with the query it was for."""
        self.run_in_background(
            lambda: self.service.search(query),
            lambda hits: self.searchFinished.emit(query, hits),
        )

    def set_generation(
        self, conversation_id: int, params: GenerationParams, system_prompt: str
    ) -> None:
        self.run_in_background(
            lambda: self.service.set_generation(conversation_id, params, system_prompt),
            lambda _saved: self.open_conversation(conversation_id),
        )

    def update_settings(
        self, change: Callable[[Settings], Settings],
        on_done: Callable[[Settings], None] | None = None,
    ) -> None:
        """Change and save the settings off the GUI thread (the file write may be slow)."""
        self.run_in_background(
            lambda: self.service.update_settings(change), on_done or (lambda _saved: None)
        )

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        self.run_in_background(
            lambda: self.service.rename_conversation(conversation_id, title),
            lambda _renamed: self.refresh_conversations(),
        )

    def delete_conversation(self, conversation_id: int) -> None:
        self.run_in_background(
            lambda: self.service.delete_conversation(conversation_id),
            lambda _deleted: self.refresh_conversations(),
        )

    # Export, backup, import ------------------------------------------------------------------

    def export_conversations(
        self,
        conversation_ids: Sequence[int],
        fmt: ExportFormat,
        path: Path,
        on_done: Callable[[Exported], None],
        on_error: Callable[[str], None],
        *,
        into_folder: bool = False,
    ) -> None:
        """Write conversations in ``fmt`` (PDF drawn by Qt on the worker thread): one to the
        file ``path``, several (or any number with ``into_folder``) into the folder ``path``,
        created if need be."""
        ids = list(conversation_ids)

        def work() -> Exported:
            notes: list[str] = []

            def pdf(transcript: Transcript, target: Path) -> None:
                # Imported at the first PDF, not at start: the window shows sooner.
                from desktop_llm.ui.pdf_export import missing_font_warning, write_pdf

                write_pdf(transcript, target)
                note = missing_font_warning(transcript)
                if note and note not in notes:
                    notes.append(note)

            if into_folder:
                _make_folder(path)
            written = self.service.export(ids, fmt, path, pdf_writer=pdf)
            return Exported(written, notes[0] if notes else None)

        self._transfers.run(work, on_done, on_error)

    def back_up(
        self, path: Path, on_done: Callable[[int], None], on_error: Callable[[str], None]
    ) -> None:
        """Every conversation into the zip ``path``; ``on_done`` gets how many."""
        self._transfers.run(
            lambda: self.service.backup(path, self._progress("backup")), on_done, on_error
        )

    def import_file(
        self, path: Path, on_done: Callable[[ImportReport], None],
        on_error: Callable[[str], None],
    ) -> None:
        """One file in one transaction; ``on_done`` gets what it brought. Progress is the
        count so far (a file is read as it goes: its total is not known before the end)."""
        self._transfers.run(
            lambda: self.service.import_file(
                path, lambda done: self.transferProgress.emit("import", done, 0)
            ),
            on_done, on_error,
        )

    def _progress(self, what: str) -> Callable[[int, int], None]:
        return lambda done, total: self.transferProgress.emit(what, done, total)

    # Models -------------------------------------------------------------------------------

    def refresh_models(self) -> None:
        self.run_in_background(self.service.installed_models, self.modelsChanged.emit)

    def load_model(
        self, name: str, *, fallback: str | None = None, note: str | None = None
    ) -> None:
        """Load ``name``; if it fails, ``fallback`` (the installed default, when the default
        model is on a server that does not answer), with the reason kept on screen."""
        self.modelLoading.emit(name)

        def start() -> Future[LoadedModel]:
            return self.service.load_model(name)

        def watch(loading: Future[LoadedModel]) -> None:
            loading.add_done_callback(lambda done: self._model_done(name, done, fallback, note))

        self.run_in_background(start, watch, self.modelFailed.emit)

    def apply_load_settings(self, load: LoadSettings) -> None:
        """Save new load settings and reload the current model with them."""
        current = self.service.current_model
        def saved(_settings: object) -> None:
            self.safeModeChanged.emit(self.service.safe_mode())
            if current is not None:
                self.load_model(current.name)

        self.run_in_background(
            lambda: self.service.update_settings(lambda settings: replace(settings, load=load)),
            saved,
        )

    def _model_done(
        self, name: str, done: Future[LoadedModel], fallback: str | None, note: str | None
    ) -> None:
        try:
            loaded = done.result()
        except ModelSupersededError:
            return  # another model was chosen meanwhile: its own answer speaks for it
        except BaseException as error:
            message = describe_failure(error)
            if fallback is not None and fallback != name:
                self.load_model(fallback, note=message)
            else:
                self.modelFailed.emit(message)
            return
        self.modelLoaded.emit(loaded)
        if note is not None:
            # In place of the default: why stays on screen, and the default stays the default
            # for the next start (its server may be back by then).
            self.failed.emit(note)
            return
        if self.service.settings.default_model != name:
            self.service.update_settings(lambda settings: settings.with_default_model(name))

    # Replies ------------------------------------------------------------------------------

    def send(self, conversation_id: int | None, text: str) -> int:
        """Queue a question; the returned request id tags every signal about its reply."""
        return self._start_reply(
            lambda **callbacks: self.service.send(conversation_id, text, **callbacks)
        )

    def edit_message(self, conversation_id: int, message_id: int, text: str) -> int:
        """Send a new version of a question (the old one stays as a branch)."""
        return self._start_reply(
            lambda **callbacks: self.service.edit_message(
                conversation_id, message_id, text, **callbacks
            )
        )

    def regenerate(self, conversation_id: int, message_id: int | None = None) -> int:
        return self._start_reply(
            lambda **callbacks: self.service.regenerate(conversation_id, message_id, **callbacks)
        )

    def continue_reply(self, conversation_id: int, message_id: int) -> int:
        return self._start_reply(
            lambda **callbacks: self.service.continue_reply(
                conversation_id, message_id, **callbacks
            )
        )

    def _start_reply(self, begin: Callable[..., Reply]) -> int:
        request_id = next(self._request_ids)

        def start() -> Reply:
            reply = begin(
                on_text=lambda piece: self.replyText.emit(request_id, piece),
                on_progress=lambda progress: self.replyProgress.emit(request_id, progress),
            )
            reply.done.add_done_callback(lambda done: self._reply_done(request_id, done))
            with self._lock:
                if request_id in self._stop_requested:
                    reply.cancel()
            return reply

        self.run_in_background(
            start,
            lambda reply: self.replyStarted.emit(request_id, reply),
            lambda message: self.replyFailed.emit(request_id, message),
        )
        return request_id

    def stop(self, request_id: int | None = None) -> None:
        """Stop at the next token; a reply not started yet is stopped as soon as it starts."""
        if request_id is not None:
            with self._lock:
                self._stop_requested.add(request_id)
        self.service.stop()

    def _reply_done(
        self, request_id: int, done: Future[MessageRecord]
    ) -> None:
        with self._lock:
            self._stop_requested.discard(request_id)
        try:
            record = done.result()
        except ConversationDeletedError:
            self.replyDiscarded.emit(request_id)
            return
        except BaseException as error:
            self.replyFailed.emit(request_id, describe_failure(error))
            return
        self.replyFinished.emit(request_id, record)

    # Shutdown -----------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop generating, finish queued writes, free the model and close the database."""
        if self._closed:
            return
        self._closed = True
        self.service.stop()
        self._transfers.shutdown()  # an export or import under way ends first, whole
        self._tasks.shutdown()
        self.service.close()


def _make_folder(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ExportError(QCoreApplication.translate(
            "ChatBridge", "Could not create the folder {path} ({problem}); nothing was written."
        ).format(path=path, problem=error.strerror or error)) from error
