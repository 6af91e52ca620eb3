"""``info`` and ``chat`` (one question, a regenerated reply, or an interactive session)."""

from __future__ import annotations

import argparse
import sys

from desktop_llm import __version__
from desktop_llm.cli import conversation_commands
from desktop_llm.cli.chat_options import (
    add_sampling_flags,
    generation_params,
    load_model,
    sampling_overrides,
    wait_for_reply,
)
from desktop_llm.cli.interactive import run_session
from desktop_llm.cli.output import EXIT_USAGE, fail, open_service, print_json, write_through
from desktop_llm.cli.prompt_input import combine, piped_text
from desktop_llm.keyboard_interrupts import interrupts_held
from desktop_llm.paths import AppPaths


def add_commands(commands: argparse._SubParsersAction) -> None:
    info = commands.add_parser("info", help="show version, backend and folders")
    info.add_argument("--json", action="store_true", help="print one JSON object")
    info.set_defaults(handler=_info)

    chat = commands.add_parser(
        "chat",
        help="ask a model (or, on a terminal with no PROMPT, chat); turns are saved in the history",
        description=(
            "Ask a model; the turn is saved in the history. Text piped on stdin is the prompt, "
            "or goes before PROMPT. On a terminal with no PROMPT, opens a chat session."
        ),
    )
    chat.add_argument("prompt", metavar="PROMPT", nargs="?")
    chat.add_argument(
        "--model", help="installed model name, a .gguf path, or NAME/MODEL_ID on a remote server"
    )
    chat.add_argument("--conversation", type=int, metavar="ID", help="continue this conversation")
    chat.add_argument("--system", metavar="TEXT", help="system prompt")
    chat.add_argument(
        "--regenerate", action="store_true",
        help="answer the last question of --conversation again (the old reply stays a version)",
    )
    add_sampling_flags(chat)
    chat.add_argument("--json", action="store_true", help="print one JSON object at the end")
    chat.set_defaults(handler=_chat)

    conversation_commands.add_commands(commands)


def _info(args: argparse.Namespace, paths: AppPaths) -> int:
    from desktop_llm.chat.service import ENGINE_START_TIMEOUT
    from desktop_llm.engine.machine import default_threads

    with open_service(paths) as service:
        # Asked of the engine process: this one never loads llama.cpp.
        backend = service.backend_info().result(timeout=ENGINE_START_TIMEOUT)
        safe_mode = service.safe_mode()
        threads = service.settings.load.n_threads or default_threads()
        hub = service.models.hub_sources()
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
        # Where each came from: the settings, HF_ENDPOINT / HF_TOKEN, `hf auth login`, a keyring.
        "hub": {
            "endpoint": hub.endpoint.value,
            "endpoint_source": hub.endpoint.source,
            "token_source": hub.token.source,
            "offline": hub.offline,
        },
    }
    if args.json:
        print_json(data)
    else:
        data["hub"] = (
            f"{hub.endpoint.value} (endpoint: {hub.endpoint.source}; token: {hub.token.source}"
            + ("; HF_HUB_OFFLINE is set" if hub.offline else "") + ")"
        )
        data["safe_mode"] = (
            f"on ({safe_mode.reason})" if safe_mode.on else f"off (setting: {safe_mode.choice})"
        )
        width = max(len(key) for key in data)
        for key, value in data.items():
            print(f"{key.replace('_', ' '):<{width}}  {value}")
    return 0


def _chat(args: argparse.Namespace, paths: AppPaths) -> int:
    if args.regenerate:
        if args.conversation is None:
            return fail("--regenerate needs --conversation ID", EXIT_USAGE)
        if args.prompt is not None:
            return fail("--regenerate takes no PROMPT: it answers the last question again",
                        EXIT_USAGE)
        prompt = None
    elif args.prompt is None and sys.stdin is not None and sys.stdin.isatty():
        if args.json:
            return fail("--json needs a PROMPT (or text piped on stdin)", EXIT_USAGE)
        with interrupts_held(), open_service(paths) as service:
            return run_session(
                service, model=args.model, conversation_id=args.conversation,
                system_prompt=args.system, overrides=sampling_overrides(args),
            )
    else:
        prompt = combine(piped_text(sys.stdin), args.prompt)
        if prompt is None:
            return fail("no prompt: give PROMPT, or pipe text on stdin", EXIT_USAGE)

    with open_service(paths) as service:
        load_model(service, args.model)
        if args.conversation is not None and args.system is not None:
            service.set_system_prompt(args.conversation, args.system)
        params = generation_params(service, args.conversation, sampling_overrides(args))
        stream = None if args.json else write_through
        if prompt is None:
            reply = service.regenerate(args.conversation, params=params, on_text=stream)
        else:
            reply = service.send(
                args.conversation, prompt, params=params, system_prompt=args.system,
                on_text=stream,
            )
        conversation_id = reply.conversation.id
        message, interrupted = wait_for_reply(reply)
        if interrupted:
            raise KeyboardInterrupt  # the reply is saved as cancelled; exit 130

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
