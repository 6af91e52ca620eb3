"""What the benchmarks share: the long prompt, the error that voids a run, the temporary data
folder a run uses, and the check that the app left no thread running."""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from collections.abc import Callable

from desktop_llm.errors import DesktopLLMError
from desktop_llm.paths import HOME_ENV

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


def run_in_temporary_home(prefix: str, bench: Callable[[], int]) -> int:
    """Run ``bench`` with the app's data folder in a fresh temporary folder (nothing reaches
    the profile); a broken run says why and returns 1, and so does one that leaves a thread
    running."""
    with tempfile.TemporaryDirectory(prefix=prefix) as home:
        os.environ[HOME_ENV] = home
        try:
            status = bench()
        except (BenchError, DesktopLLMError) as error:
            print(f"benchmark failed: {error}", file=sys.stderr)
            status = 1
    if threads_left_running():
        status = 1
    return status
