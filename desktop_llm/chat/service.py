"""ChatService: history -> engine -> storage. The GUI and the command line both use it.

Storage calls are quick and synchronous (the GUI runs them off its thread); generation runs
in the engine process and reports through callbacks called on the engine's reader thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from desktop_llm.chat.branches import descendants, find_message, path_to, turns_for
from desktop_llm.chat.library import ModelChoice, ModelLibrary
from desktop_llm.chat.model_manager import ModelManager
from desktop_llm.chat.reasoning import OPEN_TAG, split_reasoning
from desktop_llm.chat.remotes import RemoteChoice, Remotes
from desktop_llm.chat.reply_writer import ReplyWriter
from desktop_llm.chat.safe_mode import SafeModeStatus, remember_safe_mode, safe_mode_status
from desktop_llm.chat.titles import DEFAULT_TITLE, title_from_message
from desktop_llm.engine.client import EngineEvent, EngineProcess, Generation
from desktop_llm.engine.machine import DeviceMemory
from desktop_llm.engine.seam import ChatEngine
from desktop_llm.engine.types import (
    BackendInfo,
    ChatTurn,
    GenerationParams,
    GenerationProgress,
    GenerationResult,
    LoadedModel,
    LoadSettings,
)
from desktop_llm.errors import (
    ConversationDeletedError,
    DesktopLLMError,
    ExportError,
    NoModelLoadedError,
    StorageBusyError,
)
from desktop_llm.i18n import translate
from desktop_llm.paths import AppPaths
from desktop_llm.remote import RemoteEngine
from desktop_llm.settings import Settings, load_settings, save_settings
from desktop_llm.storage import (
    ConversationRecord,
    HistoryStore,
    ImportedConversation,
    MessageRecord,
    ModelRecord,
    SearchHit,
)
from desktop_llm.transcripts import exporting
from desktop_llm.transcripts.backup_export import write_backup
from desktop_llm.transcripts.exporting import PDF_NEEDS_QT
from desktop_llm.transcripts.file_names import export_file_name
from desktop_llm.transcripts.formats import ExportFormat, PdfWriter, export_format
from desktop_llm.transcripts.importing import ImportReport, open_import
from desktop_llm.transcripts.staging import staged_conversations
from desktop_llm.transcripts.transcript import Transcript

logger = logging.getLogger(__name__)
T = TypeVar("T")
# Each try waits SQLite's busy timeout (10 s): a minute in all.
_FINAL_SAVE_TRIES = 6

# How long a caller may wait for the engine process to start and describe itself.
ENGINE_START_TIMEOUT = 120.0


class ModelSupersededError(DesktopLLMError):
    """A model chosen and then replaced by another choice before it was ready: it was set
    aside, nothing changed; not a failure to show."""


@dataclass(eq=False)
class Reply:
    """A reply on its way: already in the database, filled in while it streams."""

    conversation: ConversationRecord
    # The question answered (for a regenerated or continued reply, the one it answers).
    user_message: MessageRecord
    message: MessageRecord
    generation: Generation | None
    done: Future[MessageRecord]
    writer: ReplyWriter
    # The message behind each non-system turn sent, to mark what the model no longer sees.
    turn_ids: list[int] = field(default_factory=list)
    # Reasoning a continued reply already had: kept in front of what the continuation adds.
    reasoning: str = ""
    # The last word from the engine on the prompt's size and the reply's length.
    progress: GenerationProgress | None = None
    # Its conversation was deleted: the reply stops quietly and nothing more is written.
    discarded: bool = False

    def cancel(self) -> None:
        if self.generation is not None:
            self.generation.cancel()

    def discard(self) -> None:
        self.discarded = True
        self.writer.stop_saving()
        self.cancel()


class ChatService:
    def __init__(
        self,
        store: HistoryStore,
        engine: EngineProcess,
        paths: AppPaths,
        settings: Settings | None = None,
    ) -> None:
        self._store = store
        self._engine = engine
        self.paths = paths
        self.library = ModelLibrary(store.models)
        self.settings = settings if settings is not None else load_settings(paths.settings_file)
        self._settings_lock = threading.Lock()
        self.models = ModelManager(
            self.library, paths, lambda: self.settings, device_memory=self.device_memory
        )
        self._model: ModelChoice | RemoteChoice | None = None
        # Choosing a model and a remote model's check ending take turns: the check makes its
        # model current only if it is still the one chosen.
        self._model_lock = threading.Lock()
        self.remotes = Remotes(
            lambda: self.settings, self.update_settings, streaming=self._remote_engines
        )
        # The current remote model's engine and description, once its server confirmed it.
        self._remote: tuple[RemoteChoice, RemoteEngine, LoadedModel] | None = None
        # Engines of remote models chosen before, with replies still streaming: they finish
        # (a switch of model does not cut them), and closing stops them.
        self._retired_remotes: list[RemoteEngine] = []
        # Replies still streaming, by conversation: deleting one stops its replies first.
        self._streaming: dict[int, set[Reply]] = {}
        self._streaming_lock = threading.Lock()
        self._engine_listeners: list[Callable[[EngineEvent], None]] = []
        self._apply_safe_mode()
        engine.add_listener(self._on_engine_event)

    @classmethod
    def open(cls, paths: AppPaths) -> ChatService:
        """Open the history and mark replies a crash cut off. The engine process starts at
        the first request that needs it (a load, the backend's description)."""
        paths.ensure()
        store = HistoryStore.open(paths.database)
        try:
            recovered = store.recover_interrupted()
            if recovered:
                logger.warning("marked %d reply(ies) cut off by a crash as interrupted", recovered)
            # Saved KV states of conversations live in the cache folder: a long chat opened
            # again after a restart is not read again by the model.
            engine = EngineProcess(state_dir=paths.model_states_dir)
            service = cls(store, engine, paths)
            service.library.register_bundled()
        except BaseException:
            store.close()
            raise
        return service

    def __enter__(self) -> ChatService:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop any reply and download, free the model, close the database. Safe twice."""
        self.models.close()
        for engine in self._remote_engines():
            engine.shutdown()
        self._engine.shutdown()
        self._store.close()

    # Settings -------------------------------------------------------------------------------

    def update_settings(self, change: Callable[[Settings], Settings]) -> Settings:
        """Change the settings as one operation: threads changing different fields never
        undo each other. Returns the settings saved."""
        with self._settings_lock:
            self.settings = change(self.settings)
            save_settings(self.settings, self.paths.settings_file)
            self._apply_safe_mode()
            return self.settings

    # The engine -------------------------------------------------------------------------------

    def safe_mode(self) -> SafeModeStatus:
        return safe_mode_status(self.settings)

    def add_engine_listener(self, listener: Callable[[EngineEvent], None]) -> None:
        """``listener`` hears of crashes and safe mode, on the engine's reader thread."""
        self._engine_listeners.append(listener)

    @property
    def engine_pid(self) -> int | None:
        return self._engine.pid

    def _apply_safe_mode(self) -> None:
        status = safe_mode_status(self.settings)
        self._engine.set_safe_mode(status.on, retry_in_safe_mode=status.retry_on_crash)

    def _on_engine_event(self, event: EngineEvent) -> None:
        if event.kind == "safe_mode":
            # Proved by a crash and a working retry: remembered for this machine's CPU.
            self.update_settings(lambda settings: remember_safe_mode(settings, event.message))
        for listener in list(self._engine_listeners):
            listener(event)

    # Conversations ----------------------------------------------------------------------------

    def conversations(self) -> list[ConversationRecord]:
        return self._store.list_conversations()

    def conversation(self, conversation_id: int) -> ConversationRecord:
        return self._store.get_conversation(conversation_id)

    def messages(self, conversation_id: int) -> list[MessageRecord]:
        return self._store.list_messages(conversation_id)

    def new_conversation(self, *, system_prompt: str | None = None) -> ConversationRecord:
        model = self._model
        return self._store.create_conversation(
            DEFAULT_TITLE,
            model=model.name if model else None,
            system_prompt=self.settings.system_prompt if system_prompt is None else system_prompt,
            settings=self.settings.generation.to_dict(),
        )

    def set_system_prompt(self, conversation_id: int, system_prompt: str) -> ConversationRecord:
        return self._store.update_conversation(conversation_id, system_prompt=system_prompt)

    def rename_conversation(self, conversation_id: int, title: str) -> ConversationRecord:
        return self._store.rename_conversation(conversation_id, title)

    def branch(self, conversation_id: int) -> list[MessageRecord]:
        """The messages of the branch shown, first to last, each with its other versions."""
        return self._store.branch(conversation_id)

    def select_branch(self, conversation_id: int, message_id: int) -> list[MessageRecord]:
        """Show the branch through ``message_id`` (a version chosen with the arrows)."""
        return self._store.select_branch(conversation_id, message_id)

    def delete_message(self, conversation_id: int, message_id: int) -> None:
        """Delete a message and everything that follows from it; a reply streaming there
        stops quietly first."""
        doomed = descendants(self._store.list_messages(conversation_id), message_id)
        with self._streaming_lock:
            streaming = self._streaming.get(conversation_id, set())
            replies = {reply for reply in streaming if reply.message.id in doomed}
            streaming -= replies
        for reply in replies:
            reply.discard()
        self._store.delete_message(message_id)

    def search(self, query: str, *, limit: int = 50) -> list[SearchHit]:
        """Conversations whose messages or title hold ``query`` (taken literally)."""
        return self._store.search(query, limit=limit)

    def set_pinned(self, conversation_id: int, pinned: bool) -> ConversationRecord:
        return self._store.set_pinned(conversation_id, pinned)

    def set_generation(
        self, conversation_id: int, params: GenerationParams, system_prompt: str
    ) -> ConversationRecord:
        """The conversation's own sampling settings and system prompt, used from its next reply."""
        return self._store.update_conversation(
            conversation_id, settings=params.to_dict(), system_prompt=system_prompt
        )

    def delete_conversation(self, conversation_id: int) -> None:
        """Delete it and everything in it; a reply still streaming there stops quietly (its
        ``done`` fails with ConversationDeletedError, which is no error to show)."""
        with self._streaming_lock:
            replies = self._streaming.pop(conversation_id, set())
        for reply in replies:
            reply.discard()
        self._store.delete_conversation(conversation_id)

    # Export -----------------------------------------------------------------------------------

    def transcript(self, conversation_id: int) -> Transcript:
        """The conversation with every message of every branch: what an exporter is given.

        Replies saved before reasoning had a column of its own still hold ``<think>`` in their
        text: they are split here as the window splits them, so every export shows the same."""
        conversation = self._store.get_conversation(conversation_id)
        messages = tuple(
            _reasoning_apart(message) for message in self._store.list_messages(conversation_id)
        )
        return Transcript(conversation, messages)

    def export(
        self,
        conversation_ids: Sequence[int],
        fmt: ExportFormat | str,
        path: Path,
        *,
        pdf_writer: PdfWriter | None = None,
    ) -> list[Path]:
        """Export conversations; returns the files written.

        One conversation goes to the file ``path`` (or, when ``path`` is a folder, to a file
        named after it inside). Several go into the folder ``path`` (created if need be), one
        file each, named by ``export_file_name``. PDF needs ``pdf_writer`` (the window's). Every
        id is checked before anything is written; each file appears whole or not at all."""
        found = export_format(fmt) if isinstance(fmt, str) else fmt
        if not found.is_text and pdf_writer is None:
            raise ExportError(translate("Export", PDF_NEEDS_QT))
        ids = list(dict.fromkeys(conversation_ids))
        if not ids:
            raise ExportError(translate("Export", "No conversation was chosen to export."))
        conversations = [self._store.get_conversation(i) for i in ids]
        path = Path(path)
        several = len(ids) > 1
        if several:
            try:
                path.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise ExportError(translate(
                    "Export", "Could not create the folder {path} ({problem})."
                ).format(path=path, problem=error.strerror or error)) from error
        written = []
        for conversation in conversations:
            target = path
            if several or path.is_dir():
                target = path / export_file_name(conversation, found)
            exporting.write(self.transcript(conversation.id), found, target, pdf_writer=pdf_writer)
            written.append(target)
        return written

    def backup(self, path: Path, progress: Callable[[int, int], None] | None = None) -> int:
        """Every conversation as our JSON, in one zip at ``path`` written whole or not at all;
        returns how many. Read one conversation at a time: memory stays flat however many
        there are. ``progress(done, total)`` is called after each."""
        return write_backup(Path(path), self._store.conversation_ids(), self.transcript, progress)

    # Import -----------------------------------------------------------------------------------

    def import_file(
        self, path: Path, progress: Callable[[int], None] | None = None
    ) -> ImportReport:
        """Import every conversation of the file at ``path``: our JSON or backup zip,
        OpenAI-style messages, a ChatGPT export (its conversations.json or its zip).

        One transaction for the whole file: a file refused anywhere (ImportRefusedError, one
        line) leaves nothing behind. ``progress(count)`` is called after each conversation.
        """
        with open_import(Path(path)) as source, staged_conversations() as staged:
            # Read and checked whole before the history is locked (see staging.py).
            for conversation in source.conversations():
                if not conversation.title.strip():
                    conversation = replace(conversation, title=_imported_title(conversation))
                staged.add(conversation)
                if progress is not None:
                    progress(len(staged))
            with self._store.importing() as importer:
                ids = tuple(importer.add(conversation) for conversation in staged)
        return source.report(ids)

    # Models -----------------------------------------------------------------------------------

    def backend_info(self) -> Future[BackendInfo]:
        """What the llama.cpp build can do, from the engine process (started if need be)."""
        return self._engine.backend_info()

    def device_memory(self) -> tuple[DeviceMemory, ...]:
        return self._engine.devices().result(timeout=ENGINE_START_TIMEOUT)

    def installed_models(self) -> list[ModelRecord]:
        return self.library.models()

    @property
    def current_model(self) -> ModelChoice | RemoteChoice | None:
        """The model asked for last (it may still be loading)."""
        return self._model

    @property
    def loaded_model(self) -> LoadedModel | None:
        model, remote = self._model, self._remote
        if isinstance(model, RemoteChoice):
            return remote[2] if remote is not None and remote[0] is model else None
        return self._engine.loaded

    def default_model(self) -> ModelChoice | RemoteChoice | None:
        preferred = self.settings.default_model
        remote = self.remotes.resolve(preferred) if preferred else None
        return remote or self.library.default(preferred)

    def load_model(
        self, name_or_path: str | Path, settings: LoadSettings | None = None
    ) -> Future[LoadedModel]:
        """Make a model current: a local one is loaded by the engine process; a remote one
        (``NAME/MODEL_ID``) is checked on its server. The future settles when it is ready."""
        remote = self.remotes.resolve(str(name_or_path))
        if remote is not None:
            return self._use_remote(remote)
        choice = self.library.resolve(str(name_or_path))
        with self._model_lock:
            # A remote check ending now unloads before this load is asked, or sees it chosen.
            self._model = choice
        loading = self._engine.load(choice.path, settings or self.settings.load)
        # Our own future settles only after the state below is updated: a caller woken by
        # ``.result()`` must already see a failed model forgotten.
        settled: Future[LoadedModel] = Future()

        def settle(done: Future[LoadedModel]) -> None:
            error = done.exception()
            if error is None:
                settled.set_result(done.result())
                return
            # A model that failed to load is not "current": sending is refused with a
            # reason instead of saving a question no model will answer.
            if self._model is choice:
                self._model = None
            settled.set_exception(error)

        loading.add_done_callback(settle)
        return settled

    def _use_remote(self, choice: RemoteChoice) -> Future[LoadedModel]:
        with self._model_lock:
            self._model = choice
        settled: Future[LoadedModel] = Future()

        def check() -> None:
            try:
                engine = self.remotes.engine_for(choice)
            except BaseException as error:
                with self._model_lock:
                    superseded = self._model is not choice
                    if not superseded:
                        self._model = None
                settled.set_exception(self._superseded(choice) if superseded else error)
                return
            loaded = LoadedModel(
                path=Path(choice.name), n_ctx=engine.n_ctx or 0, n_layers=None,
                gpu_layers=None, chat_template=None, settings=self.settings.load,
                remote_url=engine.base_url,
            )
            with self._model_lock:
                superseded = self._model is not choice
                if not superseded:
                    previous = self._remote
                    self._remote = (choice, engine, loaded)
                    if previous is not None:
                        self._retired_remotes = [
                            *(old for old in self._retired_remotes if old.busy), previous[1]
                        ]
                    # The local model is not needed meanwhile: its memory goes back to the
                    # machine.
                    self._engine.unload()
            if superseded:
                # Another model was chosen meanwhile: it stays; this engine never served.
                engine.shutdown()
                settled.set_exception(self._superseded(choice))
                return
            settled.set_result(loaded)

        threading.Thread(target=check, name="remote-model-check", daemon=True).start()
        return settled

    @staticmethod
    def _superseded(choice: RemoteChoice) -> ModelSupersededError:
        return ModelSupersededError(translate(
            "Remote", "The model {name} was not put to use: another model was chosen meanwhile."
        ).format(name=choice.name))

    def _remote_engines(self) -> list[RemoteEngine]:
        """The remote engines that may be streaming: the current one and retired ones."""
        remote = self._remote
        return [*self._retired_remotes, *([remote[1]] if remote is not None else [])]

    def _engine_for(self, model: ModelChoice | RemoteChoice) -> ChatEngine:
        """The engine that answers for ``model``: the engine process, or its server."""
        if isinstance(model, RemoteChoice):
            remote = self._remote
            if remote is None or remote[0] is not model:
                raise NoModelLoadedError(translate(
                    "Remote", "The model {name} is not ready yet; wait until it is checked."
                ).format(name=model.name))
            return remote[1]
        return self._engine

    # Chat -------------------------------------------------------------------------------------

    def send(
        self,
        conversation_id: int | None,
        text: str,
        *,
        params: GenerationParams | None = None,
        system_prompt: str | None = None,
        on_text: Callable[[str], None] | None = None,
        on_progress: Callable[[GenerationProgress], None] | None = None,
    ) -> Reply:
        """Save the question at the end of the branch shown, then queue the reply; the
        callbacks run on the engine's reader thread.

        ``conversation_id=None`` starts a conversation (with ``system_prompt``, or the
        default one from the settings).
        """
        text = self._question_text(text)
        model = self._require_model()
        conversation = (
            self.new_conversation(system_prompt=system_prompt) if conversation_id is None
            else self._store.get_conversation(conversation_id)
        )
        user_message = self._store.add_message(conversation.id, "user", text)
        return self._answer(conversation, model, user_message, params, on_text, on_progress)

    def edit_message(
        self,
        conversation_id: int,
        message_id: int,
        text: str,
        *,
        on_text: Callable[[str], None] | None = None,
        on_progress: Callable[[GenerationProgress], None] | None = None,
    ) -> Reply:
        """Send a new version of a question: the old one and its replies stay as a branch."""
        text = self._question_text(text)
        model = self._require_model()
        conversation = self._store.get_conversation(conversation_id)
        original = find_message(self._store.list_messages(conversation_id), message_id)
        if original.role != "user":
            raise DesktopLLMError(
                translate("Conversations", "Only your own messages can be edited.")
            )
        user_message = self._store.add_message(
            conversation_id, "user", text, parent_id=original.parent_id
        )
        return self._answer(conversation, model, user_message, None, on_text, on_progress)

    def regenerate(
        self,
        conversation_id: int,
        message_id: int | None = None,
        *,
        params: GenerationParams | None = None,
        on_text: Callable[[str], None] | None = None,
        on_progress: Callable[[GenerationProgress], None] | None = None,
    ) -> Reply:
        """A new version of a reply (the last of the branch shown when ``message_id`` is None);
        the earlier versions stay, browsable as branches."""
        model = self._require_model()
        conversation = self._store.get_conversation(conversation_id)
        if message_id is None:
            branch = self._store.branch(conversation_id)
            question = next((m for m in reversed(branch) if m.role == "user"), None)
        else:
            messages = self._store.list_messages(conversation_id)
            reply = find_message(messages, message_id)
            if reply.role != "assistant" or reply.parent_id is None:
                raise DesktopLLMError(translate(
                    "Conversations", "Only a reply of the model can be regenerated."
                ))
            question = find_message(messages, reply.parent_id)
        if question is None:
            raise DesktopLLMError(translate(
                "Conversations", "There is no question in this conversation to answer again."
            ))
        return self._answer(conversation, model, question, params, on_text, on_progress)

    def continue_reply(
        self,
        conversation_id: int,
        message_id: int,
        *,
        on_text: Callable[[str], None] | None = None,
        on_progress: Callable[[GenerationProgress], None] | None = None,
    ) -> Reply:
        """Let a reply cut off by the length limit go on where it stopped, in the same message."""
        model = self._require_model()
        if isinstance(model, RemoteChoice):
            # The OpenAI API has no standard way to go on from a reply's last word: a server
            # would answer the cut reply with a new one, written into the same message.
            raise DesktopLLMError(translate(
                "Remote",
                "A reply of a model on a remote server cannot be continued where it stopped; "
                "regenerate it, or raise its maximum length.",
            ))
        conversation = self._store.get_conversation(conversation_id)
        messages = self._store.list_messages(conversation_id)
        reply = find_message(messages, message_id)
        if reply.role != "assistant" or reply.streaming:
            raise DesktopLLMError(translate(
                "Conversations", "Only a finished reply of the model can be continued."
            ))
        if reply.finish_reason == "stop":
            raise DesktopLLMError(translate(
                "Conversations", "This reply is complete; regenerate it to get another version."
            ))
        if reply.parent_id is None:
            raise DesktopLLMError(translate(
                "Conversations", "This reply answers no question; it cannot be continued."
            ))
        if any(message.parent_id == reply.id for message in messages):
            # Continuing it would take the messages that follow it out of the branch shown.
            raise DesktopLLMError(translate(
                "Conversations", "Only the last reply of a conversation can be continued."
            ))
        question = find_message(messages, reply.parent_id)
        resumed = self._store.resume_reply(message_id)
        return self._answer(
            conversation, model, question, None, on_text, on_progress, continuing=resumed
        )

    def stop(self) -> None:
        """Stop the replies of the history being generated (the API server's go on);
        returns at once, from any thread."""
        with self._streaming_lock:
            replies = [reply for replies in self._streaming.values() for reply in replies]
        for reply in replies:
            reply.cancel()

    def generate_unsaved(
        self,
        turns: Sequence[ChatTurn],
        params: GenerationParams,
        on_text: Callable[[str], None],
    ) -> Generation:
        """A reply to turns written elsewhere (the API server's clients), by the current
        model's engine, queued in order with the window's replies; nothing is saved. A
        conversation that does not fit the context is refused, not shortened."""
        model = self._require_model()
        return self._engine_for(model).generate(turns, params, on_text, overflow="stop")

    def save_exchange(
        self, turns: Sequence[ChatTurn], params: GenerationParams, result: GenerationResult
    ) -> ConversationRecord:
        """Save a conversation written elsewhere (an API client's) and the reply it got as a
        new conversation of the history: system turns as its system prompt, the others as
        its messages, the reply with its figures."""
        model = self._model
        name = model.name if model is not None else None
        first = next((turn.content for turn in turns if turn.role == "user"), "")
        conversation = self._store.create_conversation(
            title_from_message(first) if first.strip() else DEFAULT_TITLE,
            model=name,
            system_prompt="\n\n".join(t.content for t in turns if t.role == "system"),
            settings=params.to_dict(),
        )
        for turn in turns:
            if turn.role != "system":
                self._store.add_message(conversation.id, turn.role, turn.content, model=(
                    name if turn.role == "assistant" else None
                ))
        reply = self._store.start_reply(conversation.id, model=name)
        reasoning, answer = split_reasoning(result.text)
        self._store.finish_reply(
            reply.id, content=answer, reasoning=reasoning, **_outcome(result)
        )
        return self._store.get_conversation(conversation.id)

    def complete_unsaved(
        self, prompt: str, params: GenerationParams, on_text: Callable[[str], None]
    ) -> Generation:
        """The continuation of a plain text, without the chat template (the API server's
        /v1/completions), queued likewise and not saved; a remote model's server continues
        it (its /completions). ``NotImplementedError`` for an engine that cannot."""
        engine = self._engine_for(self._require_model())
        if not isinstance(engine, EngineProcess | RemoteEngine):
            raise NotImplementedError("raw completions are answered by local and remote models")
        return engine.complete(prompt, params, on_text)

    def _question_text(self, text: str) -> str:
        if not text.strip():
            raise DesktopLLMError(translate("Conversations", "The message is empty."))
        return text

    def _require_model(self) -> ModelChoice:
        # Read once: a failed load clears it from the engine's thread at any moment.
        model = self._model
        if model is None:
            raise NoModelLoadedError(
                translate("Engine", "No model is loaded. Choose a model first.")
            )
        self._engine_for(model)  # a remote model still being checked is refused here too
        return model

    def _answer(
        self,
        conversation: ConversationRecord,
        model: ModelChoice,
        question: MessageRecord,
        params: GenerationParams | None,
        on_text: Callable[[str], None] | None,
        on_progress: Callable[[GenerationProgress], None] | None,
        *,
        continuing: MessageRecord | None = None,
    ) -> Reply:
        """Queue the model's answer to ``question`` (the end of the branch it is sent)."""
        engine = self._engine_for(model)
        params = params or GenerationParams.from_dict(conversation.settings)
        messages = self._store.list_messages(conversation.id)
        path = path_to(messages, question.id)
        # Cut off while still thinking: the thought goes on, inside its open <think> block.
        thinking = (
            continuing is not None and not continuing.content.strip() and bool(continuing.reasoning)
        )
        if continuing is not None and not thinking:
            path.append(continuing)
        turns, turn_ids = turns_for(conversation.system_prompt, path)
        if continuing is not None and thinking:
            turns.append(ChatTurn("assistant", OPEN_TAG + continuing.reasoning))
            turn_ids.append(continuing.id)
        if conversation.title == DEFAULT_TITLE and question.role == "user":
            self._store.rename_conversation(conversation.id, title_from_message(question.content))
        conversation = self._store.update_conversation(
            conversation.id, model=model.name, settings=params.to_dict()
        )
        if continuing is None:
            message = self._store.start_reply(conversation.id, model=model.name,
                                              parent_id=question.id)
            prefix = ""
        else:
            message = continuing
            prefix = OPEN_TAG + continuing.reasoning if thinking else continuing.content
        writer = ReplyWriter(self._store, message.id, forward=on_text, prefix=prefix)
        # Reasoning kept in front of what the reply adds (a thought in progress is in the prefix).
        earlier_reasoning = continuing.reasoning if continuing and not thinking else ""
        started = Reply(
            conversation, question, message, None, Future(), writer,
            turn_ids=turn_ids, reasoning=earlier_reasoning,
        )

        def progress(update: GenerationProgress) -> None:
            started.progress = update
            if on_progress is not None:
                on_progress(update)

        started.generation = engine.generate(
            turns, params, writer.on_text, on_progress=progress,
            overflow=self.settings.context_overflow,
        )
        with self._streaming_lock:
            self._streaming.setdefault(conversation.id, set()).add(started)
        started.generation.future.add_done_callback(
            lambda finished: self._finish(started, finished)
        )
        if continuing is None:
            self._count_tokens_later({question.id: question.content})
        return started

    def count_missing_tokens(self, messages: list[MessageRecord]) -> None:
        """Count, in the background, the messages that have no token count yet (histories
        from before counts were kept, imported ones). Needs a loaded model; best effort."""
        missing = {
            m.id: m.content for m in messages
            if m.token_count is None and m.content.strip() and not m.streaming
        }
        if missing and self.loaded_model is not None:
            self._count_tokens_later(missing)

    def _count_tokens_later(self, texts: dict[int, str]) -> None:
        """Store each message's own token count once the engine has counted it (best effort:
        a count lost to an engine restart only leaves a number out of the transcript)."""
        ids = list(texts)
        model = self._model
        try:
            engine = self._engine_for(model) if model is not None else self._engine
        except NoModelLoadedError:
            return
        counting = engine.count_tokens([texts[i] for i in ids])

        def store(done: Future[list[int]]) -> None:
            if done.exception() is not None:
                return
            try:
                self._store.set_token_counts(dict(zip(ids, done.result(), strict=True)))
            except DesktopLLMError:
                logger.debug("token counts not stored", exc_info=True)

        counting.add_done_callback(store)

    def _finish(self, reply: Reply, finished: Future[GenerationResult]) -> None:
        # Whatever happened, the reply is closed in the database and ``done`` resolves:
        # a reply left open would keep the window waiting forever.
        writer, done = reply.writer, reply.done
        with self._streaming_lock:
            streaming = self._streaming.get(reply.conversation.id)
            if streaming is not None:
                streaming.discard(reply)
                if not streaming:
                    del self._streaming[reply.conversation.id]
        if reply.discarded:
            done.set_exception(ConversationDeletedError(translate(
                "Conversations", "The conversation was deleted; its reply was stopped."
            )))
            return
        try:
            result = finished.result()
            text = writer.prefix + result.text
        except BaseException as error:
            if not isinstance(error, DesktopLLMError):
                logger.error("generation failed", exc_info=error)
            text = writer.text
            result = GenerationResult.cut_short(
                text, "error", error=str(error) or type(error).__name__
            )
        reasoning, answer = split_reasoning(text)
        if reply.reasoning:
            reasoning = "\n\n".join(part for part in (reply.reasoning, reasoning) if part)
        seen = reply.turn_ids[result.dropped_turns:] if result.dropped_turns else []
        # What the model wrote, counted as it wrote it (a continuation adds to the earlier count).
        tokens = result.completion_tokens + (reply.message.token_count or 0)
        try:
            if tokens:
                _when_free(lambda: self._store.set_token_counts({reply.message.id: tokens}))
            record = _when_free(lambda: self._store.finish_reply(
                reply.message.id,
                content=answer,
                reasoning=reasoning,
                context_from_id=seen[0] if seen else None,
                **_outcome(result),
            ))
        except BaseException as error:
            done.set_exception(error)
            return
        done.set_result(record)


def _outcome(result: GenerationResult) -> dict[str, Any]:
    """How a reply ended and its figures, as ``HistoryStore.finish_reply`` takes them."""
    return {
        "finish_reason": result.finish_reason,
        "prompt_tokens": result.prompt_tokens or None,
        "completion_tokens": result.completion_tokens,
        "tokens_per_second": result.tokens_per_second,
        "time_to_first_token": result.time_to_first_token,
        "error": result.error,
    }


def _reasoning_apart(message: MessageRecord) -> MessageRecord:
    if message.role != "assistant" or message.reasoning:
        return message
    reasoning, answer = split_reasoning(message.content)
    return replace(message, reasoning=reasoning, content=answer) if reasoning else message


def _when_free(save: Callable[[], T]) -> T:
    """A reply's last save outwaits a long import holding the history (each try waits the busy
    timeout): losing the end of a reply is worse than finishing it late."""
    for _ in range(_FINAL_SAVE_TRIES - 1):
        try:
            return save()
        except StorageBusyError:
            logger.warning("the history is busy; trying the reply's last save again")
    return save()


def _imported_title(conversation: ImportedConversation) -> str:
    """A title for a conversation whose file has none, made as for a new chat."""
    first = next((m.content for m in conversation.messages if m.role == "user"), "")
    return title_from_message(first)
