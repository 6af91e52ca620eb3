"""How often and how patiently a download tries again after the connection fails.

A failed attempt (dropped connection, stall, 5xx, 429) waits ``initial_delay``, then twice
as long each time, up to ``max_delay``. The count only covers failures *in a row*: an attempt
that received data resets it, so a flaky connection that drops every few hundred megabytes
still finishes a 10 GB file, while a dead one gives up after ``max_attempts``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    initial_delay: float = 1.0
    max_delay: float = 60.0
    multiplier: float = 2.0
    # A little randomness, so many clients cut off by the same outage don't return in step.
    jitter: float = 0.1

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.initial_delay < 0 or self.max_delay < 0 or self.multiplier < 1:
            raise ValueError("delays must not be negative and the multiplier must be >= 1")

    def delay(self, failures: int, retry_after: float | None = None) -> float:
        """Seconds to wait after the ``failures``-th failure in a row (1-based).

        A server's ``Retry-After`` (429, 503) is honoured, within ``max_delay``.
        """
        base = min(self.initial_delay * self.multiplier ** max(failures - 1, 0), self.max_delay)
        if retry_after is not None:
            base = min(max(base, retry_after), self.max_delay)
        return base * (1 + random.uniform(-self.jitter, self.jitter)) if base else 0.0


# Timeouts, rate limits and server trouble pass; any other 4xx is the Hub's answer.
_RETRYABLE_STATUS = frozenset({408, 425, 429})


def is_retryable_status(status: int) -> bool:
    return status in _RETRYABLE_STATUS or status >= 500


def retry_after_seconds(value: str | None) -> float | None:
    """A ``Retry-After`` header (seconds or an HTTP date) as seconds, or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max((when - datetime.now(timezone.utc)).total_seconds(), 0.0)
