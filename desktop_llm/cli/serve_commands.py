"""``serve``: the loaded model to other programs through the OpenAI API, until Ctrl+C."""

from __future__ import annotations

import argparse
import sys
import time

from desktop_llm.cli.chat_options import load_model
from desktop_llm.cli.output import EXIT_USAGE, fail, open_service
from desktop_llm.paths import AppPaths
from desktop_llm.settings import load_settings


def add_commands(commands: argparse._SubParsersAction) -> None:
    from desktop_llm.serve.options import DEFAULT_HOST, DEFAULT_PORT

    serve = commands.add_parser(
        "serve",
        help="serve a model to other programs through the OpenAI API (until Ctrl+C)",
        description=(
            "Load a model and answer OpenAI API requests with it (GET /v1/models, POST "
            "/v1/chat/completions, /v1/completions) at http://HOST:PORT/v1, until Ctrl+C. "
            "Requests are not saved to the history unless --save-history (or the setting "
            "serve_save_history) says so. Only this machine may connect, unless an API key "
            "is set."
        ),
    )
    serve.add_argument("--host",
                       help=f"address to listen on (default: the API server settings the "
                       f"window saved, else {DEFAULT_HOST}; another than loopback needs an API "
                       "key)")
    serve.add_argument("--port", type=int,
                       help=f"port (default: the saved settings', else {DEFAULT_PORT}; 0 picks "
                       "a free one)")
    serve.add_argument("--model", help="installed model name or a .gguf path (default: the "
                       "default model)")
    serve.add_argument("--api-key-stdin", action="store_true",
                       help="read the API key clients must send (Bearer) from stdin's first "
                       "line (default: the key the window saved, if any)")
    serve.add_argument("--cors", nargs="+", metavar="ORIGIN", default=[],
                       help="web origins allowed to call the API from a browser (CORS; "
                       "default: the saved settings')")
    serve.add_argument("--save-history", action="store_true",
                       help="save the API's chats and their replies in the history (the "
                       "setting serve_save_history does it always)")
    serve.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace, paths: AppPaths) -> int:
    from desktop_llm.chat.serving import ServeSetup, saved_setup
    from desktop_llm.serve.backend import ChatServiceBackend
    from desktop_llm.serve.options import ServeOptions, is_loopback
    from desktop_llm.serve.server import ApiServer

    # The window's API server settings (Settings > API server settings…), each flag given
    # taking its place: one way to serve, whichever starts it.
    saved = saved_setup(load_settings(paths.settings_file))
    api_key = saved.api_key
    if args.api_key_stdin:
        api_key = sys.stdin.readline().strip() if sys.stdin is not None else ""
        if not api_key:
            return fail("--api-key-stdin: no key on the first line of stdin", EXIT_USAGE)
    options = ServeOptions(
        host=args.host if args.host is not None else saved.host,
        port=args.port if args.port is not None else saved.port,
        api_key=api_key,
        cors_origins=tuple(args.cors) or saved.cors_origins,
    )
    if not api_key and not is_loopback(options.host):
        # check()'s sentence, with the flag that gives the key here.
        return fail(
            f"serving on {options.host} would open the model to other machines: give an API "
            "key with --api-key-stdin, or serve on 127.0.0.1", EXIT_USAGE,
        )
    # The window's rules (a key that a header can carry, ...), refused before a model is
    # loaded for nothing.
    problem = ServeSetup(
        host=options.host, port=options.port, api_key=options.api_key,
        cors_origins=options.cors_origins,
    ).problem()
    if problem is not None:
        return fail(problem, EXIT_USAGE)
    with open_service(paths) as service:
        backend = ChatServiceBackend(
            service, created=int(time.time()), save_history=True if args.save_history else None
        )
        # Listening first: a port in use is said at once, not after the model loaded.
        server = ApiServer(backend, options)
        try:
            choice = load_model(service, args.model)
        except BaseException:
            server.stop()
            raise
        # On stdout, one line: a script starting the server reads the address from it.
        needs_key = "; clients send the API key" if options.api_key else ""
        print(f"Serving {choice.name} at {server.base_url} (Ctrl+C stops{needs_key})",
              flush=True)
        server.serve_forever()  # Ctrl+C stops it cleanly, then ends the command (exit 130)
    return 0
