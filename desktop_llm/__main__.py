"""``desktop-llm`` and ``python -m desktop_llm``: no arguments open the window."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop_llm.transcripts.transcript import Transcript


# No display needed: the core end to end in a temporary data folder, then the window offscreen.
SELF_TEST_FLAG = "--self-test"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    from desktop_llm.converter.protocol import FROZEN_CHILD_FLAG as CHILD_FLAG
    from desktop_llm.engine.protocol import FROZEN_HOST_FLAG

    if args == [FROZEN_HOST_FLAG]:
        # A frozen app has no ``python -m``: its own executable becomes the engine process.
        from desktop_llm.engine.host import main as engine_main

        return engine_main()
    if len(args) == 2 and args[0] == CHILD_FLAG:
        # Likewise the conversion child (quantizing and measuring work in every bundle).
        from desktop_llm.converter.child import main as child_main

        return child_main(args[1:])
    if args == [SELF_TEST_FLAG]:
        from desktop_llm.app import self_test

        return self_test()
    if not args:
        from desktop_llm.app import run_app

        return run_app()
    from desktop_llm.keyboard_interrupts import interrupts_held

    # Threads started while importing (numpy's OpenBLAS workers) must never be the ones a
    # Ctrl+C lands on: they are born with SIGINT blocked, and this thread takes it back after.
    with interrupts_held():
        from desktop_llm.cli import main as cli_main
    return cli_main(args, pdf_writer=write_pdf)


def write_pdf(transcript: Transcript, path: Path) -> None:
    """The command line's PDF writer: Qt is loaded only when a PDF is asked for (every other
    command runs without it), in an offscreen application that never needs a display."""
    from desktop_llm.errors import ExportError

    try:
        from desktop_llm.ui import pdf_export
    except ImportError as error:  # Qt's own libraries (libGL, fontconfig…) failed to load
        raise ExportError(
            f"PDF export needs Qt, which could not be loaded ({error}); "
            "export as md, html, json or txt instead."
        ) from error
    pdf_export.write_pdf(transcript, path)
    warning = pdf_export.missing_font_warning(transcript)
    if warning:
        print(f"desktop-llm: warning: {warning}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
