"""``import``: our own exports and backups, OpenAI-style message files, ChatGPT exports.

``desktop-llm import FILE [FILE ...] [--json]``: each file is imported whole or not at all (its
own transaction); a refused file is one line on stderr and the others still go in. The exit
status is 1 when any file was refused.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from desktop_llm.cli.output import EXIT_FAILURE, fail, open_service, print_json
from desktop_llm.errors import ImportRefusedError
from desktop_llm.paths import AppPaths


def add_commands(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "import",
        help="import conversations from desktop-llm, OpenAI-style or ChatGPT files",
        description=(
            "Import conversations: desktop-llm's JSON export or backup zip, OpenAI-style "
            'message files ({"messages": [...]}, a list of them, or JSON Lines) and ChatGPT\'s '
            "data export (conversations.json, or the zip it came in). Each file is imported "
            "whole or, when refused, not at all."
        ),
    )
    parser.add_argument("files", type=Path, nargs="+", metavar="FILE")
    parser.add_argument("--json", action="store_true", help="print what was imported as JSON")
    parser.set_defaults(handler=_import)


def _import(args: argparse.Namespace, paths: AppPaths) -> int:
    results: list[dict[str, Any]] = []
    refused = False
    with open_service(paths) as service:
        for path in args.files:
            counter = _Counter(path.name)
            try:
                report = service.import_file(path, progress=counter.show)
            except ImportRefusedError as error:
                counter.clear()
                refused = True
                fail(str(error))
                results.append({"file": str(path), "error": str(error)})
                continue
            counter.clear()
            results.append(
                {
                    "file": str(path),
                    "kind": report.kind,
                    "conversation_ids": list(report.conversation_ids),
                    "skipped_parts": report.skipped_parts,
                    "skipped_messages": report.skipped_messages,
                }
            )
            if not args.json:
                print(report.summary())
    if args.json:
        print_json(results)
    return EXIT_FAILURE if refused else 0


class _Counter:
    """ "Importing conversations.json: 120 conversations" redrawn on a terminal's stderr."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._live = sys.stderr.isatty()
        self._shown = False

    def show(self, count: int) -> None:
        if self._live and count % 25 == 0:
            sys.stderr.write(f"\rImporting {self._name}: {count} conversations")
            sys.stderr.flush()
            self._shown = True

    def clear(self) -> None:
        if self._shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
            self._shown = False
