"""ORM mappings of the history tables.

The tables themselves are created by ``migrations.py``, never by ``metadata.create_all``: the
migrations are the schema's history, and a test checks that they end up matching these classes.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Dialect, Float, ForeignKey, Index, Integer, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# The FTS5 search index over finished messages (migration m002). It and its shadow tables
# (messages_fts_data, ...) are SQLite's own, outside the ORM; only search.py queries it.
SEARCH_INDEX_TABLE = "messages_fts"
# Each message's conversation without its text, for search (migration m003).
OWNER_INDEX = "ix_messages_id_conversation_id"


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC ``datetime`` stored as ISO-8601 text.

    Every value is written in one fixed shape (UTC offset, microseconds), so text order is time
    order and ``ORDER BY`` on the column sorts chronologically.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError("naive datetimes are ambiguous here; pass a timezone-aware datetime")
        return value.astimezone(timezone.utc).isoformat(timespec="microseconds")

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        parsed = datetime.fromisoformat(str(value))
        if parsed.utcoffset() is None:
            # Only a hand-edited row can lack an offset; everything this code writes is UTC.
            parsed = parsed.replace(tzinfo=timezone.utc)
        return parsed.astimezone(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {str: Text, datetime: UTCDateTime, float: Float}  # noqa: RUF012


class SchemaMigrationRow(Base):
    __tablename__ = "schema_migrations"

    version: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str]
    applied_at: Mapped[datetime]


class ConversationRow(Base):
    __tablename__ = "conversations"
    # AUTOINCREMENT: ids of deleted conversations are never handed out again, so a stale id held
    # by another thread or process can never point at a different, newer conversation.
    __table_args__ = (
        # The list order: pinned first, then by activity.
        Index("ix_conversations_pinned_updated_at", "pinned", "updated_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(index=True)
    model: Mapped[str | None]
    system_prompt: Mapped[str] = mapped_column(default="", server_default="")
    settings_json: Mapped[str] = mapped_column(default="{}", server_default="{}")
    pinned: Mapped[bool] = mapped_column(Integer, default=False, server_default="0")
    # The last message of the branch shown (no foreign key: kept right by HistoryStore).
    current_leaf_id: Mapped[int | None] = mapped_column(Integer)


class MessageRow(Base):
    __tablename__ = "messages"
    # AUTOINCREMENT: a streaming reply's id must never be reused, or a late update_reply from a
    # writer whose conversation was deleted could land in someone else's message.
    __table_args__ = (
        # Each message's conversation, read without its text (search; migration m003).
        Index(OWNER_INDEX, "id", "conversation_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str]
    content: Mapped[str]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    model: Mapped[str | None]
    prompt_tokens: Mapped[int | None]
    completion_tokens: Mapped[int | None]
    tokens_per_second: Mapped[float | None]
    time_to_first_token: Mapped[float | None]
    # NULL while an assistant reply is still being streamed by `writer`.
    finish_reason: Mapped[str | None]
    error: Mapped[str | None]
    writer: Mapped[str | None]
    # No ON DELETE CASCADE: see migration m002 (deep chains would exceed SQLite's trigger depth).
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    reasoning: Mapped[str] = mapped_column(default="", server_default="")
    token_count: Mapped[int | None]
    context_from_id: Mapped[int | None]


class InstalledModelRow(Base):
    __tablename__ = "installed_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(unique=True)
    path: Mapped[str] = mapped_column(unique=True)
    size_bytes: Mapped[int]
    source: Mapped[str]
    sha256: Mapped[str | None]
    added_at: Mapped[datetime]
    metadata_json: Mapped[str] = mapped_column(default="{}", server_default="{}")
