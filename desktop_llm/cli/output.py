"""What every command prints: JSON, one-line failures, streamed text, progress."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop_llm.chat.service import ChatService
    from desktop_llm.paths import AppPaths

EXIT_FAILURE = 1
EXIT_USAGE = 2  # the command was not given what it needs, as argparse's own errors
EXIT_INTERRUPTED = 130


def fail(message: str, code: int = EXIT_FAILURE) -> int:
    print(f"desktop-llm: {message}", file=sys.stderr)
    return code


def print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def write_through(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def open_service(paths: AppPaths) -> ChatService:
    from desktop_llm.chat.service import ChatService

    return ChatService.open(paths)
