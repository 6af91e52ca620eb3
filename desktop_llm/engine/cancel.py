"""The stop flag of one generation, set from any thread, read by the worker at every token."""

from __future__ import annotations

import threading

CancelToken = threading.Event
