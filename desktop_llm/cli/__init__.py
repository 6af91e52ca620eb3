"""The ``desktop-llm`` command line: a client of the same core the window uses.

Every failure is one line on stderr and a non-zero exit; details go to the log file.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence

from desktop_llm import __version__
from desktop_llm.cli import (
    chat_commands,
    export_commands,
    import_commands,
    model_commands,
    remote_commands,
    serve_commands,
)
from desktop_llm.cli.output import EXIT_INTERRUPTED, EXIT_USAGE, fail
from desktop_llm.errors import DesktopLLMError
from desktop_llm.logging_setup import configure_logging
from desktop_llm.paths import AppPaths, app_paths
from desktop_llm.transcripts.formats import PdfWriter

logger = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="desktop-llm",
        description="Chat with local GGUF language models. With no command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"desktop-llm {__version__}")
    # Handled before the command line by __main__ (it opens the window offscreen); listed here
    # so --help shows it.
    parser.add_argument(
        "--self-test", action="store_true",
        help="check the app end to end without a display (engine, model, reply, history, "
        "window) in a throwaway data folder, then exit",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    chat_commands.add_commands(commands)
    model_commands.add_commands(commands)
    export_commands.add_commands(commands)
    import_commands.add_commands(commands)
    remote_commands.add_commands(commands)
    serve_commands.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None, *, pdf_writer: PdfWriter | None = None) -> int:
    """Run one command. ``pdf_writer`` draws PDFs (``export --format pdf``); only the window's
    Qt libraries can, so the caller that has them passes it (``__main__``)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.pdf_writer = pdf_writer
    if args.self_test:
        return fail("--self-test takes no command or other option", EXIT_USAGE)
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
        return fail(str(error))
    except KeyboardInterrupt:
        return fail("interrupted", EXIT_INTERRUPTED)
    except BrokenPipeError:
        # The reader went away (`| head`): nothing is wrong, and nothing more can be shown.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as error:  # a traceback belongs in the log, not on the terminal
        logger.exception("command failed")
        return fail(f"unexpected error: {error} (details in {log_file})")
