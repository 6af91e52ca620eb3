"""Why a file was refused, and the one signal a prefix parse uses to ask for more bytes."""

from __future__ import annotations

from desktop_llm.errors import ModelLoadError


class GGUFError(ModelLoadError):
    """A file that is not a usable GGUF model.

    ``str(error)`` is a complete sentence naming the file and the actual problem, for people;
    ``reason`` is a short stable code ("truncated", "unknown_architecture", ...), for code and
    tests that must not depend on wording.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class NeedMoreData(Exception):
    """The header continues past the bytes given; fetch ``needed`` bytes in total and retry.

    Only ``parse_gguf_header`` raises it, when it was not told the file ends there.
    """

    def __init__(self, needed: int) -> None:
        super().__init__(f"the GGUF header continues past the data given; need {needed} bytes")
        self.needed = needed
