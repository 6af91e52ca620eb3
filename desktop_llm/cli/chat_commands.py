"""``info``, ``chat`` and ``conversations``."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from desktop_llm import __version__
from desktop_llm.cli.output import fail, open_service, print_json, write_through
from desktop_llm.errors import DesktopLLMError
from desktop_llm.paths import AppPaths


def add_commands(commands: argparse._SubParsersAction) -> None:
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


def _info(args: argparse.Namespace, paths: AppPaths) -> int:
    from desktop_llm.chat.service import ENGINE_START_TIMEOUT
    from desktop_llm.engine.machine import default_threads

    with open_service(paths) as service:
        # Asked of the engine process: this one never loads llama.cpp.
        backend = service.backend_info().result(timeout=ENGINE_START_TIMEOUT)
        safe_mode = service.safe_mode()
        threads = service.settings.load.n_threads or default_threads()
    data: dict[str, object] = {
        "version": __version__,
        "backend": backend.backend,
        "gpu_offload": backend.gpu_offload_supported,
        "llama_cpp_python": backend.llama_cpp_python_version,
        "threads": threads,
        "safe_mode": safe_mode.to_dict(),
        "data_folder": str(paths.data_dir),
        "models_folder": str(paths.models_dir),
        "database": str(paths.database),
        "config_folder": str(paths.config_dir),
        "log_folder": str(paths.logs_dir),
    }
    if args.json:
        print_json(data)
    else:
        data["safe_mode"] = (
            f"on ({safe_mode.reason})" if safe_mode.on else f"off (setting: {safe_mode.choice})"
        )
        width = max(len(key) for key in data)
        for key, value in data.items():
            print(f"{key.replace('_', ' '):<{width}}  {value}")
    return 0


def _chat(args: argparse.Namespace, paths: AppPaths) -> int:
    from desktop_llm.chat import GenerationParams

    with open_service(paths) as service:
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

        stream = None if args.json else write_through
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
        print_json({
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
        return fail(message.error or "the model stopped with an error")
    return 0


def _conversations_list(args: argparse.Namespace, paths: AppPaths) -> int:
    from desktop_llm.chat.serialize import conversation_to_dict

    with open_service(paths) as service:
        conversations = service.conversations()
    if args.json:
        print_json([conversation_to_dict(c) for c in conversations])
        return 0
    if not conversations:
        print("No conversations yet.")
    for conversation in conversations:
        when = conversation.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
        print(f"{conversation.id:>5}  {when}  {conversation.title}")
    return 0


def _conversations_show(args: argparse.Namespace, paths: AppPaths) -> int:
    from desktop_llm.chat.serialize import conversation_to_dict

    with open_service(paths) as service:
        conversation = service.conversation(args.id)
        messages = service.messages(args.id)
    if args.json:
        print_json(conversation_to_dict(conversation, messages))
        return 0
    print(f"# {conversation.title}  (conversation {conversation.id}, model {conversation.model})")
    if conversation.system_prompt:
        print(f"\n[system] {conversation.system_prompt}")
    for message in messages:
        note = "" if message.finish_reason in (None, "stop") else f"  [{message.finish_reason}]"
        print(f"\n[{message.role}]{note}\n{message.content}")
    return 0
