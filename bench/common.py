"""What the benchmarks share: the long prompt, the error that voids a run, and the check that
the app left no thread running."""

from __future__ import annotations

import sys
import threading

# Asks for more than any --max-tokens so that most replies run to the limit: a long decode
# phase makes the rate less sensitive to a single scheduling hiccup on a shared machine.
LONG_PROMPT = (
    "Write a long, detailed story about a lighthouse keeper on a stormy island who finds a "
    "message in a bottle. Describe the sea, the weather, the lighthouse and every day of his "
    "week, in many paragraphs."
)


class BenchError(RuntimeError):
    """Something broke; the figures would mean nothing."""


def threads_left_running() -> bool:
    """Report (on stderr) the threads still alive besides the main one; True if any."""
    leftover = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    if leftover:
        print(f"threads still running after shutdown: {', '.join(leftover)}", file=sys.stderr)
    return bool(leftover)
