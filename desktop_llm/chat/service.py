"""ChatService: history -> engine -> storage. The GUI and the command line both use it.

Storage calls are quick and synchronous (the GUI runs them off its thread); generation runs
in the engine process and reports through callbacks called on the engine's reader thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from desktop_llm.chat.library import ModelChoice, ModelLibrary
from desktop_llm.chat.model_manager import ModelManager
from desktop_llm.chat.reply_writer import ReplyWriter
from desktop_llm.chat.safe_mode import SafeModeStatus, remember_safe_mode, safe_mode_status
from desktop_llm.chat.titles import DEFAULT_TITLE, title_from_message
from desktop_llm.engine.client import EngineEvent, EngineProcess, Generation
from desktop_llm.engine.machine import DeviceMemory
from desktop_llm.engine.types import (
    BackendInfo,
    ChatTurn,
    GenerationParams,
    GenerationResult,
    LoadedModel,
    LoadSettings,
)
from desktop_llm.errors import ConversationDeletedError, DesktopLLMError, NoModelLoadedError
from desktop_llm.paths import AppPaths
from desktop_llm.settings import Settings, load_settings, save_settings
from desktop_llm.storage import ConversationRecord, HistoryStore, MessageRecord, ModelRecord

logger = logging.getLogger(__name__)

# How long a caller may wait for the engine process to start and describe itself.
ENGINE_START_TIMEOUT = 120.0


@dataclass(eq=False)
class Reply:
    """A reply on its way: already in the database, filled in while it streams."""

    conversation: ConversationRecord
    user_message: MessageRecord
    message: MessageRecord
    generation: Generation
    done: Future[MessageRecord]
    writer: ReplyWriter
    # Its conversation was deleted: the reply stops quietly and nothing more is written.
    discarded: bool = False

    def cancel(self) -> None:
        self.generation.cancel()

    def discard(self) -> None:
        self.discarded = True
        self.writer.stop_saving()
        self.generation.cancel()


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
        self._model: ModelChoice | None = None
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
            service = cls(store, EngineProcess(), paths)
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

    def delete_conversation(self, conversation_id: int) -> None:
        """Delete it and everything in it; a reply still streaming there stops quietly (its
        ``done`` fails with ConversationDeletedError, which is no error to show)."""
        with self._streaming_lock:
            replies = self._streaming.pop(conversation_id, set())
        for reply in replies:
            reply.discard()
        self._store.delete_conversation(conversation_id)

    # Models -----------------------------------------------------------------------------------

    def backend_info(self) -> Future[BackendInfo]:
        """What the llama.cpp build can do, from the engine process (started if need be)."""
        return self._engine.backend_info()

    def device_memory(self) -> tuple[DeviceMemory, ...]:
        return self._engine.devices().result(timeout=ENGINE_START_TIMEOUT)

    def installed_models(self) -> list[ModelRecord]:
        return self.library.models()

    @property
    def current_model(self) -> ModelChoice | None:
        """The model asked for last (it may still be loading)."""
        return self._model

    @property
    def loaded_model(self) -> LoadedModel | None:
        return self._engine.loaded

    def default_model(self) -> ModelChoice | None:
        return self.library.default(self.settings.default_model)

    def load_model(
        self, name_or_path: str | Path, settings: LoadSettings | None = None
    ) -> Future[LoadedModel]:
        choice = self.library.resolve(str(name_or_path))
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

    # Chat -------------------------------------------------------------------------------------

    def send(
        self,
        conversation_id: int | None,
        text: str,
        *,
        params: GenerationParams | None = None,
        system_prompt: str | None = None,
        on_text: Callable[[str], None] | None = None,
    ) -> Reply:
        """Save the question, then queue the reply; ``on_text`` runs on the engine's reader
        thread.

        ``conversation_id=None`` starts a conversation (with ``system_prompt``, or the
        default one from the settings).
        """
        if not text.strip():
            raise DesktopLLMError("The message is empty.")
        # Read once: a failed load clears it from the engine's thread at any moment.
        model = self._model
        if model is None:
            raise NoModelLoadedError("No model is loaded. Choose a model first.")
        conversation = (
            self.new_conversation(system_prompt=system_prompt) if conversation_id is None
            else self._store.get_conversation(conversation_id)
        )
        params = params or GenerationParams.from_dict(conversation.settings)
        turns = self._turns(conversation)
        user_message = self._store.add_message(conversation.id, "user", text)
        turns.append(ChatTurn("user", text))
        if conversation.title == DEFAULT_TITLE:
            self._store.rename_conversation(conversation.id, title_from_message(text))
        conversation = self._store.update_conversation(
            conversation.id, model=model.name, settings=params.to_dict()
        )
        reply = self._store.start_reply(conversation.id, model=model.name)
        writer = ReplyWriter(self._store, reply.id, forward=on_text)
        generation = self._engine.generate(turns, params, writer.on_text)
        started = Reply(conversation, user_message, reply, generation, Future(), writer)
        with self._streaming_lock:
            self._streaming.setdefault(conversation.id, set()).add(started)
        generation.future.add_done_callback(lambda finished: self._finish(started, finished))
        return started

    def stop(self) -> None:
        """Stop the reply being generated; returns at once, from any thread."""
        self._engine.stop()

    def _turns(self, conversation: ConversationRecord) -> list[ChatTurn]:
        system = conversation.system_prompt
        turns = [ChatTurn("system", system)] if system else []
        for message in self._store.list_messages(conversation.id):
            if message.role == "system" or not message.content.strip():
                continue
            turns.append(ChatTurn(message.role, message.content))  # type: ignore[arg-type]
        return turns

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
            done.set_exception(ConversationDeletedError(
                "The conversation was deleted; its reply was stopped."
            ))
            return
        try:
            result = finished.result()
        except BaseException as error:
            if not isinstance(error, DesktopLLMError):
                logger.error("generation failed", exc_info=error)
            result = GenerationResult.cut_short(
                writer.text, "error", error=str(error) or type(error).__name__
            )
        try:
            record = self._store.finish_reply(
                reply.message.id,
                content=result.text,
                finish_reason=result.finish_reason,
                prompt_tokens=result.prompt_tokens or None,
                completion_tokens=result.completion_tokens,
                tokens_per_second=result.tokens_per_second,
                time_to_first_token=result.time_to_first_token,
                error=result.error,
            )
        except BaseException as error:
            done.set_exception(error)
            return
        done.set_result(record)
