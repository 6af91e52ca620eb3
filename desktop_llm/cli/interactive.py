"""``desktop-llm chat`` on a terminal with no PROMPT: a chat session, as ``ollama run`` has.

Each turn is saved in the history like one sent from the window. Ctrl+C during a reply stops
that reply (its text so far is kept); at the prompt it clears the line, and a second one in a
row leaves, as do /exit and Ctrl+D.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from desktop_llm.cli.chat_options import generation_params, load_model, wait_for_reply
from desktop_llm.cli.line_reader import LineReader
from desktop_llm.cli.output import write_through
from desktop_llm.errors import DesktopLLMError
from desktop_llm.keyboard_interrupts import interruptible

if TYPE_CHECKING:
    from desktop_llm.chat import GenerationParams
    from desktop_llm.chat.service import ChatService, Reply

HISTORY_FILE_NAME = "chat-input-history"

HELP = """\
Commands:
  /new             start a new conversation
  /model NAME      switch to an installed model (or a .gguf path)
  /system TEXT     set the system prompt (/system alone shows it)
  /regenerate      answer the last question again (the earlier reply stays as a version)
  /help            this list
  /exit            leave (also Ctrl+D, or Ctrl+C twice)
A line \"\"\" starts a message of several lines; another \"\"\" sends it.
Ctrl+C stops a reply; its text so far is kept."""

EXIT_COMMANDS = ("/exit", "/quit", "/bye")


def _note(text: str) -> None:
    """Messages of the session itself go to stderr: stdout holds only what the model wrote."""
    print(text, file=sys.stderr, flush=True)


class ChatSession:
    def __init__(
        self,
        service: ChatService,
        reader: LineReader,
        *,
        model: str | None,
        conversation_id: int | None,
        system_prompt: str | None,
        overrides: dict[str, Any],
    ) -> None:
        self._service = service
        self._reader = reader
        self._model_name = model
        self._conversation_id = conversation_id
        # For conversations this session starts (/new); None = the settings' default.
        self._system_prompt = system_prompt
        self._overrides = overrides
        self._commands: dict[str, Callable[[str], bool]] = {
            "/new": self._new,
            "/model": self._model,
            "/system": self._system,
            "/regenerate": self._regenerate,
            "/help": self._help,
            **{name: self._exit for name in EXIT_COMMANDS},
        }

    def run(self) -> int:
        choice = load_model(self._service, self._model_name)
        if self._conversation_id is not None and self._system_prompt is not None:
            self._service.set_system_prompt(self._conversation_id, self._system_prompt)
        where = (
            f"conversation {self._conversation_id}" if self._conversation_id is not None
            else "a new conversation"
        )
        _note(f"Chatting with {choice.name} in {where}. /help for commands, /exit to leave.")
        interrupted = False  # the last thing typed was Ctrl+C: a second one leaves
        while True:
            try:
                try:
                    with interruptible():
                        line = self._reader.read_message()
                except EOFError:  # Ctrl+D
                    print(file=sys.stderr)
                    return 0
                interrupted = False
                if not self._handle(line):
                    return 0
            except KeyboardInterrupt:
                if interrupted:
                    return 0
                interrupted = True
                try:
                    _note("\n(Ctrl+C again or /exit to leave)")
                except KeyboardInterrupt:  # pressed twice before the note was out
                    return 0

    # One line ---------------------------------------------------------------------------------

    def _handle(self, line: str) -> bool:
        """Act on one message or command; False when the session ends."""
        command, _, argument = line.strip().partition(" ")
        try:
            if command.startswith("/") and "\n" not in line:
                action = self._commands.get(command.lower())
                if action is None:
                    _note(f"Unknown command {command}: type /help for the commands.")
                    return True
                return action(argument.strip())
            if line.strip():
                self._stream(lambda on_text: self._service.send(
                    self._conversation_id, line, params=self._params(),
                    system_prompt=self._system_prompt, on_text=on_text,
                ))
        except DesktopLLMError as error:
            _note(f"desktop-llm: {error}")
        except KeyboardInterrupt:
            # Between two steps (a reply being queued): whatever started is stopped.
            self._service.stop()
            _note("\n(stopped)")
        return True

    def _params(self) -> GenerationParams:
        return generation_params(self._service, self._conversation_id, self._overrides)

    def _stream(self, start: Callable[[Callable[[str], None]], Reply]) -> None:
        """Start a reply, show it as it comes, and wait for it; Ctrl+C stops it."""
        reply = start(write_through)
        self._conversation_id = reply.conversation.id
        message, interrupted = wait_for_reply(reply, interruptible)
        sys.stdout.write("\n")
        sys.stdout.flush()
        if message.finish_reason == "error":
            _note(f"desktop-llm: {message.error or 'the model stopped with an error'}")
        elif interrupted or message.finish_reason == "cancelled":
            _note("(reply stopped)")
        elif message.finish_reason == "length":
            _note("(cut off at the length limit)")

    # Commands ---------------------------------------------------------------------------------

    def _new(self, _argument: str) -> bool:
        self._conversation_id = None
        _note("New conversation.")
        return True

    def _model(self, name: str) -> bool:
        if not name:
            current = self._service.current_model
            _note(f"Model: {current.name if current else 'none'}")
            return True
        previous = self._service.current_model
        try:
            choice = load_model(self._service, name)
        except DesktopLLMError:
            if previous is not None and self._service.current_model is None:
                # The new one failed to load: the session goes on with the one it had.
                self._service.load_model(previous.reference).result()
            raise
        self._model_name = name
        _note(f"Using {choice.name}.")
        return True

    def _system(self, text: str) -> bool:
        if not text:
            shown = self._system_prompt
            if shown is None:
                shown = self._service.settings.system_prompt
            if self._conversation_id is not None:
                shown = self._service.conversation(self._conversation_id).system_prompt
            _note(f"System prompt: {shown}" if shown else "No system prompt.")
            return True
        self._system_prompt = text
        if self._conversation_id is not None:
            self._service.set_system_prompt(self._conversation_id, text)
        _note("System prompt set.")
        return True

    def _regenerate(self, _argument: str) -> bool:
        conversation_id = self._conversation_id
        if conversation_id is None:
            _note("Nothing to regenerate yet: ask something first.")
            return True
        self._stream(lambda on_text: self._service.regenerate(
            conversation_id, params=self._params(), on_text=on_text
        ))
        return True

    def _help(self, _argument: str) -> bool:
        _note(HELP)
        return True

    def _exit(self, _argument: str) -> bool:
        return False


def run_session(
    service: ChatService,
    *,
    model: str | None,
    conversation_id: int | None,
    system_prompt: str | None,
    overrides: dict[str, Any],
) -> int:
    reader = LineReader(service.paths.data_dir / HISTORY_FILE_NAME)
    try:
        return ChatSession(
            service, reader, model=model, conversation_id=conversation_id,
            system_prompt=system_prompt, overrides=overrides,
        ).run()
    finally:
        reader.close()
