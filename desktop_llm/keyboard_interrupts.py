"""Ctrl+C must reach the main thread, the one waiting for the keyboard or for a reply.

The kernel hands a process's SIGINT to any thread that does not block it. Python runs its
handler on the main thread, but only once that thread runs Python again: if the signal landed
on the engine's reader thread while the main thread sat in readline's ``select()``, nothing
would happen until the next keystroke. So during an interactive session SIGINT is blocked in
every thread (threads inherit the mask of the thread that starts them) and the main thread
lets it in only while it waits, where it interrupts the wait at once.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

# Windows has no signal masks; there Ctrl+C is a console event Python handles on its own.
_MASKS = hasattr(signal, "pthread_sigmask")


@contextmanager
def interrupts_held() -> Iterator[None]:
    """Block SIGINT in this thread and in every thread started from here on."""
    if not _MASKS:
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextmanager
def interruptible() -> Iterator[None]:
    """Let SIGINT in while this (main) thread waits; one held back arrives now."""
    if not _MASKS:
        yield
        return
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
