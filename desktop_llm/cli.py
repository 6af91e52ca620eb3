"""The ``desktop-llm`` command line: a client of the same core the window uses.

Every failure is one line on stderr and a non-zero exit; details go to the log file.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from desktop_llm import __version__
from desktop_llm.errors import DesktopLLMError
from desktop_llm.logging_setup import configure_logging
from desktop_llm.paths import AppPaths, app_paths

if TYPE_CHECKING:
    from desktop_llm.chat.service import ChatService

logger = logging.getLogger(__name__)

EXIT_FAILURE = 1
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="desktop-llm",
        description="Chat with local GGUF language models. With no command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"desktop-llm {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    info = commands.add_parser("info", help="show version, backend and folders")
    info.add_argument("--json", action="store_true", help="print one JSON object")
    info.set_defaults(handler=_info)

    chat = commands.add_parser("chat", help="ask a model; the turn is saved in the history")
    chat.add_argument("prompt", metavar="PROMPT")
    chat.add_argument("--model", help="installed model name or a .gguf path")
    chat.add_argument("--conversation", type=int, metavar="ID", help="continue this conversation")
    chat.add_argument("--system", metavar="TEXT", help="system prompt")
    chat.add_argument("--temperature", type=float)
    chat.add_argument("--top-p", type=float, dest="top_p")
    chat.add_argument("--top-k", type=int, dest="top_k")
    chat.add_argument("--seed", type=int)
    chat.add_argument("--max-tokens", type=int, dest="max_tokens")
    chat.add_argument("--json", action="store_true", help="print one JSON object at the end")
    chat.set_defaults(handler=_chat)

    conversations = commands.add_parser("conversations", help="list or show saved conversations")
    conversation_commands = conversations.add_subparsers(dest="action", metavar="ACTION")
    conversation_commands.required = True
    listing = conversation_commands.add_parser("list", help="all conversations, newest first")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_conversations_list)
    show = conversation_commands.add_parser("show", help="one conversation with its messages")
    show.add_argument("id", type=int, metavar="ID")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_conversations_show)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if hasattr(sys.stdout, "reconfigure"):
        # A reply may hold characters the terminal's code page lacks (Windows): show a
        # placeholder rather than end the reply with an encoding error.
        sys.stdout.reconfigure(errors="replace")
    paths = app_paths().ensure()
    log_file = configure_logging(paths.logs_dir)
    handler: Callable[[argparse.Namespace, AppPaths], int] = args.handler
    try:
        return handler(args, paths)
    except DesktopLLMError as error:
        return _fail(str(error))
    except KeyboardInterrupt:
        return _fail("interrupted", EXIT_INTERRUPTED)
    except Exception as error:  # a traceback belongs in the log, not on the terminal
        logger.exception("command failed")
        return _fail(f"unexpected error: {error} (details in {log_file})")


def _fail(message: str, code: int = EXIT_FAILURE) -> int:
    print(f"desktop-llm: {message}", file=sys.stderr)
    return code


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _info(args: argparse.Namespace, paths: AppPaths) -> int:
    from desktop_llm.engine.backend import backend_info

    backend = backend_info()
    data = {
        "version": __version__,
        "backend": backend.backend,
        "gpu_offload": backend.gpu_offload_supported,
        "llama_cpp_python": backend.llama_cpp_python_version,
        "data_folder": str(paths.data_dir),
        "models_folder": str(paths.models_dir),
        "database": str(paths.database),
        "config_folder": str(paths.config_dir),
        "log_folder": str(paths.logs_dir),
    }
    if args.json:
        _print_json(data)
    else:
        width = max(len(key) for key in data)
        for key, value in data.items():
            print(f"{key.replace('_', ' '):<{width}}  {value}")
    return 0


def _chat(args: argparse.Namespace, paths: AppPaths) -> int:
    from desktop_llm.chat import GenerationParams

    with _open_service(paths) as service:
        choice = service.library.resolve(args.model) if args.model else service.default_model()
        if choice is None:
            raise DesktopLLMError("No model is installed. Pass --model PATH to a .gguf file.")
        service.load_model(str(choice.path)).result()

        if args.conversation is None:
            saved = service.settings.generation.to_dict()
        else:
            saved = service.conversation(args.conversation).settings
            if args.system is not None:
                service.set_system_prompt(args.conversation, args.system)
        overrides = {
            key: getattr(args, key)
            for key in ("temperature", "top_p", "top_k", "seed", "max_tokens")
            if getattr(args, key) is not None
        }
        params = replace(GenerationParams.from_dict(saved), **overrides)

        stream = None if args.json else _write_through
        reply = service.send(
            args.conversation, args.prompt, params=params, system_prompt=args.system,
            on_text=stream,
        )
        conversation_id = reply.conversation.id
        try:
            message = reply.done.result()
        except KeyboardInterrupt:
            reply.cancel()
            reply.done.result()
            raise

    if args.json:
        _print_json({
            "conversation_id": conversation_id,
            "message_id": message.id,
            "model": message.model,
            "reply": message.content,
            "finish_reason": message.finish_reason,
            "prompt_tokens": message.prompt_tokens,
            "completion_tokens": message.completion_tokens,
            "tokens_per_second": message.tokens_per_second,
            "time_to_first_token": message.time_to_first_token,
            "error": message.error,
        })
    else:
        sys.stdout.write("\n")
        sys.stdout.flush()
    if message.finish_reason == "error":
        return _fail(message.error or "the model stopped with an error")
    return 0


def _open_service(paths: AppPaths) -> ChatService:
    from desktop_llm.chat.service import ChatService

    return ChatService.open(paths)


def _write_through(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _conversations_list(args: argparse.Namespace, paths: AppPaths) -> int:
    from desktop_llm.chat.serialize import conversation_to_dict

    with _open_service(paths) as service:
        conversations = service.conversations()
    if args.json:
        _print_json([conversation_to_dict(c) for c in conversations])
        return 0
    if not conversations:
        print("No conversations yet.")
    for conversation in conversations:
        when = conversation.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
        print(f"{conversation.id:>5}  {when}  {conversation.title}")
    return 0


def _conversations_show(args: argparse.Namespace, paths: AppPaths) -> int:
    from desktop_llm.chat.serialize import conversation_to_dict

    with _open_service(paths) as service:
        conversation = service.conversation(args.id)
        messages = service.messages(args.id)
    if args.json:
        _print_json(conversation_to_dict(conversation, messages))
        return 0
    print(f"# {conversation.title}  (conversation {conversation.id}, model {conversation.model})")
    if conversation.system_prompt:
        print(f"\n[system] {conversation.system_prompt}")
    for message in messages:
        note = "" if message.finish_reason in (None, "stop") else f"  [{message.finish_reason}]"
        print(f"\n[{message.role}]{note}\n{message.content}")
    return 0
