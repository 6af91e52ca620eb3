"""``export``: conversations to Markdown, HTML, JSON, plain text or PDF, and backups.

``desktop-llm export ID [ID ...] --format md|html|json|txt|pdf [-o PATH]``: one conversation in
a text format and no ``-o`` goes to stdout; several go into the folder ``-o`` names, one file
each. ``desktop-llm export --all -o FILE.zip``: every conversation, as JSON, in one zip.
PDF is drawn by Qt: ``cli.main`` is handed the window's writer (``args.pdf_writer``).
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from desktop_llm.cli.output import EXIT_USAGE, fail, open_service
from desktop_llm.paths import AppPaths
from desktop_llm.transcripts.formats import FORMATS, ExportFormat, format_for_path


def add_commands(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser(
        "export",
        help="write conversations to Markdown, HTML, JSON, text or PDF, or back them all up",
        description=(
            "Export conversations: the branch shown in Markdown, HTML, text and PDF; every "
            "branch in JSON. With --all, every conversation as JSON in one zip (a backup)."
        ),
    )
    export.add_argument("ids", type=int, nargs="*", metavar="ID", help="conversation ids")
    export.add_argument(
        "--format", "-f", choices=list(FORMATS), dest="format",
        help="the format (default: from -o's extension, else md)",
    )
    export.add_argument(
        "-o", "--output", type=Path, metavar="PATH",
        help="the file to write (a folder for several conversations); stdout when left out",
    )
    export.add_argument(
        "--all", action="store_true", help="back up every conversation to the zip -o names"
    )
    export.set_defaults(handler=_export)


def _export(args: argparse.Namespace, paths: AppPaths) -> int:
    if args.all:
        return _backup(args, paths)
    if not args.ids:
        return fail("give the ids of the conversations to export, or --all", EXIT_USAGE)
    output: Path | None = args.output
    several = len(set(args.ids)) > 1
    if args.format is None and output is not None and not several and _unknown_suffix(output):
        return fail(
            f"{output.name} names no export format: add --format ({', '.join(FORMATS)})",
            EXIT_USAGE,
        )
    fmt = _chosen_format(args.format, None if several else output)
    if output is None:
        if not fmt.is_text:
            return fail(f"{fmt.label} cannot go to the terminal: give -o FILE", EXIT_USAGE)
        if several:
            return fail("several conversations need -o FOLDER, one file each", EXIT_USAGE)
        return _to_stdout(args.ids[0], fmt, paths)
    with open_service(paths) as service:
        written = service.export(
            args.ids, fmt, output, pdf_writer=getattr(args, "pdf_writer", None)
        )
    for path in written:
        print(path)
    return 0


def _unknown_suffix(path: Path) -> bool:
    """A file name whose extension names no format (``backup.zip``): asking beats guessing."""
    return bool(path.suffix) and not path.is_dir() and format_for_path(path) is None


def _chosen_format(name: str | None, output: Path | None) -> ExportFormat:
    if name is not None:
        return FORMATS[name]
    found = format_for_path(output) if output is not None else None
    return found or FORMATS["md"]


def _to_stdout(conversation_id: int, fmt: ExportFormat, paths: AppPaths) -> int:
    from desktop_llm.transcripts.exporting import render

    with open_service(paths) as service:
        text = render(service.transcript(conversation_id), fmt)
    sys.stdout.write(text)
    sys.stdout.flush()
    return 0


def _backup(args: argparse.Namespace, paths: AppPaths) -> int:
    if args.ids:
        return fail("give conversation ids or --all, not both", EXIT_USAGE)
    if args.format not in (None, "json"):
        return fail("--all writes a zip of JSON documents; leave out --format", EXIT_USAGE)
    output: Path | None = args.output
    if output is None:
        return fail("--all needs -o FILE.zip, the backup to write", EXIT_USAGE)
    if output.is_dir():
        output = output / f"desktop-llm-backup-{datetime.now():%Y-%m-%d-%H%M%S}.zip"
    with open_service(paths) as service:
        count = service.backup(output)
    noun = "conversation" if count == 1 else "conversations"
    print(f"Backed up {count} {noun} to {output}")
    return 0
