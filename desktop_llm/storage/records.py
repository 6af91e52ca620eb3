"""The plain, immutable records the history store and the model registry hand out.

Callers (chat service, GUI, CLI) only ever see these, never ORM objects: a record can cross
threads freely and never lazy-loads from a closed session.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    pinned: bool = False
    # Last message of the branch shown; None for an empty conversation.
    current_leaf_id: int | None = None


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
    # Messages form a tree: None for a first message, else the message this one answers/follows.
    parent_id: int | None = None
    # The <think> part of a reply, kept apart from ``content`` (which alone goes back to the model).
    reasoning: str = ""
    # Tokens of this message's own content, when known.
    token_count: int | None = None
    # Replies only: the first non-system message the model still saw; None = the whole branch.
    context_from_id: int | None = None
    # Every version at this place in the tree, itself included, oldest first. Only filled by
    # ``HistoryStore.branch``/``select_branch``; () elsewhere.
    sibling_ids: tuple[int, ...] = ()

    @property
    def streaming(self) -> bool:
        """True while a reply is still being written (or its writer has not been recovered yet)."""
        return self.role == "assistant" and self.finish_reason is None


@dataclass(frozen=True)
class SearchHit:
    """One conversation matching a search: its best (newest) matching message, or its title."""

    conversation_id: int
    title: str
    # None when only the title matched.
    message_id: int | None
    role: str | None
    # Plain text around the match (about 60 characters, "…" where cut).
    snippet: str
    # (start, end) character spans of the matched text within ``snippet``.
    highlights: tuple[tuple[int, int], ...]
    updated_at: datetime


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


@dataclass(frozen=True)
class ImportedMessage:
    """One message of a conversation being imported; ``key`` names it within that conversation
    only (the source file's id), and the store hands out new ids."""

    key: str
    parent_key: str | None
    role: str
    content: str
    created_at: datetime
    reasoning: str = ""
    model: str | None = None
    token_count: int | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    tokens_per_second: float | None = None
    time_to_first_token: float | None = None
    # Required for replies: an imported reply is never "still streaming".
    finish_reason: str | None = None
    error: str | None = None
    context_from_key: str | None = None


@dataclass(frozen=True)
class ImportedConversation:
    """A whole conversation to import: ``messages`` lists parents before their children."""

    title: str
    created_at: datetime
    updated_at: datetime
    messages: tuple[ImportedMessage, ...]
    model: str | None = None
    system_prompt: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    pinned: bool = False
    # The last message of the branch shown; None = the last message listed.
    current_leaf_key: str | None = None
