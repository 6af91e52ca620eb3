"""``desktop-llm`` and ``python -m desktop_llm``: no arguments open the window."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    from desktop_llm.engine.protocol import FROZEN_HOST_FLAG

    if args == [FROZEN_HOST_FLAG]:
        # A frozen app has no ``python -m``: its own executable becomes the engine process.
        from desktop_llm.engine.host import main as engine_main

        return engine_main()
    if not args:
        from desktop_llm.app import run_app

        return run_app()
    from desktop_llm.keyboard_interrupts import interrupts_held

    # Threads started while importing (numpy's OpenBLAS workers) must never be the ones a
    # Ctrl+C lands on: they are born with SIGINT blocked, and this thread takes it back after.
    with interrupts_held():
        from desktop_llm.cli import main as cli_main
    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
