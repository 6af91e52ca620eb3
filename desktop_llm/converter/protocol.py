"""The conversion child's protocol, imported by both sides: how it is started, what it says,
how it ends.

    python -m desktop_llm.converter.child '{"stage": "convert", ...}'

Each line the child writes on stdout is one JSON event:

    {"event": "progress", "fraction": 0.42, "message": "..."}   fraction may be null
    {"event": "result", ...}                                    the stage's answer
    {"event": "error", "message": "..."}                        a refusal a user can act on
    {"event": "failed", "message": "..."}                       an unforeseen exception

A refusal exits with ``EXIT_REFUSED``, an exception with ``EXIT_FAILED``; any other end (a
signal, an abort in C code) is a crash.
"""

from __future__ import annotations

import sys

CHILD_MODULE = "desktop_llm.converter.child"
# A frozen app has no ``python -m``: its executable runs the child when given this flag.
FROZEN_CHILD_FLAG = "--converter-child"
EXIT_FAILED = 1
EXIT_REFUSED = 3

PROGRESS = "progress"
RESULT = "result"
REFUSED = "error"
FAILED = "failed"


def child_command(job: str) -> list[str]:
    """How to start the child for one stage (``job``: its JSON), from a source checkout or a
    frozen bundle."""
    if getattr(sys, "frozen", False):
        return [sys.executable, FROZEN_CHILD_FLAG, job]
    return [sys.executable, "-m", CHILD_MODULE, job]
