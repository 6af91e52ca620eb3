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

CHILD_MODULE = "desktop_llm.converter.child"
EXIT_FAILED = 1
EXIT_REFUSED = 3

PROGRESS = "progress"
RESULT = "result"
REFUSED = "error"
FAILED = "failed"
