"""A download speed that doesn't jump around, and the time left it implies."""

from __future__ import annotations

import math


class RateMeter:
    """Bytes per second from a growing byte counter, smoothed exponentially.

    Samples closer together than ``min_interval`` are merged (a burst of small reads says
    little); older rates fade with ``time_constant`` seconds, so the figure follows a real change
    in a few seconds without flickering on every chunk.
    """

    def __init__(self, *, time_constant: float = 3.0, min_interval: float = 0.25) -> None:
        self._time_constant = time_constant
        self._min_interval = min_interval
        self._last_time: float | None = None
        self._last_bytes = 0
        self._speed: float | None = None

    @property
    def speed(self) -> float | None:
        """Smoothed bytes per second, or None before there is a measurement."""
        return self._speed

    def restart(self, now: float, counter: int) -> None:
        """Start measuring afresh (a resumed job: time spent paused is not download time)."""
        self._last_time = now
        self._last_bytes = counter
        self._speed = None

    def update(self, now: float, counter: int) -> None:
        if self._last_time is None:
            self.restart(now, counter)
            return
        elapsed = now - self._last_time
        if elapsed < self._min_interval:
            return
        rate = max(counter - self._last_bytes, 0) / elapsed
        if self._speed is None:
            self._speed = rate
        else:
            weight = 1 - math.exp(-elapsed / self._time_constant)
            self._speed += weight * (rate - self._speed)
        self._last_time = now
        self._last_bytes = counter

    def seconds_left(self, remaining: int | None) -> float | None:
        if remaining is None or not self._speed:
            return None
        return max(remaining, 0) / self._speed
