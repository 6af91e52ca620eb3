"""The plain, immutable records the history store and the model registry hand out.

Callers (chat service, GUI, CLI) only ever see these, never ORM objects: a record can cross
threads freely and never lazy-loads from a closed session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

ROLES = ("system", "user", "assistant")
FINISH_REASONS = ("stop", "length", "cancelled", "error", "interrupted")
MODEL_SOURCES = ("bundled", "imported", "downloaded", "converted")


@dataclass(frozen=True)
class ConversationRecord:
    id: int
    title: str
    created_at: datetime
    updated_at: datetime
    model: str | None
    system_prompt: str
    settings: dict[str, Any]


@dataclass(frozen=True)
class MessageRecord:
    id: int
    conversation_id: int
    role: str
    content: str
    created_at: datetime
    model: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    tokens_per_second: float | None
    time_to_first_token: float | None
    finish_reason: str | None
    error: str | None

    @property
    def streaming(self) -> bool:
        """True while a reply is still being written (or its writer has not been recovered yet)."""
        return self.role == "assistant" and self.finish_reason is None


@dataclass(frozen=True)
class ModelRecord:
    id: int
    name: str
    path: Path
    size_bytes: int
    source: str
    sha256: str | None
    added_at: datetime
    metadata: dict[str, Any]
