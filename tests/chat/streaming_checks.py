"""Checks shared by the tests that watch a reply being written through while it streams."""

from __future__ import annotations


def late_save(arrivals: list[float], last_change: float, now: float) -> float | None:
    """How long text produced well after the last save has gone unsaved, if suspiciously long.

    The writer saves at the first piece that comes 0.5 s or more after its last save; so when
    pieces kept coming for 2 s after the last change seen, a save is overdue. Returns how
    long ago that overdue save should have happened, once that is more than 5 s.
    """
    pending = [t for t in list(arrivals) if t > last_change]
    overdue = next((t for t in pending if t >= pending[0] + 2.0), None) if pending else None
    if overdue is not None and now - overdue > 5.0:
        return now - overdue
    return None
