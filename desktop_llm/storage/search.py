"""Search across the chat history: every word the user typed, taken literally.

Words of three characters or more are looked up in ``messages_fts``, an FTS5 index with the
trigram tokenizer (substring matching that needs no word boundaries, so Chinese and Japanese
work). A trigram index cannot find anything shorter than one trigram, so shorter words ("模型",
"C#", an emoji) are checked with LIKE: against the index's candidates when there are longer
words too, else by scanning the messages. Each word becomes a quoted FTS5 string or an escaped
LIKE pattern, so quotes, ``*``, ``AND``, ``NEAR(`` or ``%`` typed by the user are text to find,
never syntax. Titles are matched with LIKE (a few thousand short strings).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, column, func, not_, select, table
from sqlalchemy.orm import Session

from desktop_llm.storage.orm import SEARCH_INDEX_TABLE, ConversationRow, MessageRow
from desktop_llm.storage.records import SearchHit

SNIPPET_WIDTH = 60
ELLIPSIS = "…"
# The trigram tokenizer indexes runs of three characters (code points).
_MIN_INDEXED_LENGTH = 3
# A pasted paragraph is not a query; past this many words the rest are ignored.
_MAX_TERMS = 32
_LIKE_ESCAPE = "\\"
_ZERO_WIDTH_JOINER = "\u200d"

# The FTS5 table as SQLAlchemy sees it: its rowid is the message id, and the hidden column
# named after the table is the left side of MATCH.
_index = table(SEARCH_INDEX_TABLE, column("rowid"), column(SEARCH_INDEX_TABLE))


def query_terms(query: str) -> list[str]:
    """The distinct words of ``query`` (whitespace-separated), in the order typed.

    NUL and lone surrogates (which SQLite cannot be handed) are dropped; nothing else is.
    """
    cleaned = "".join(
        character
        for character in query
        if character != "\x00" and not "\ud800" <= character <= "\udfff"
    )
    terms: list[str] = []
    seen: set[str] = set()
    for term in cleaned.split():
        key = term.casefold()
        if key not in seen:
            seen.add(key)
            terms.append(term)
    return terms[:_MAX_TERMS]


def fts_string(term: str) -> str:
    """``term`` as an FTS5 string literal: one phrase, matched as typed."""
    return '"' + term.replace('"', '""') + '"'


def like_pattern(term: str) -> str:
    """A LIKE pattern that finds ``term`` anywhere, its ``%``, ``_`` and ``\\`` taken literally."""
    escaped = (
        term.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2)
        .replace("%", _LIKE_ESCAPE + "%")
        .replace("_", _LIKE_ESCAPE + "_")
    )
    return f"%{escaped}%"


def search_history(session: Session, query: str, *, limit: int) -> list[SearchHit]:
    """The hits for ``query``: one per conversation, the most recent first.

    A conversation's time is that of its newest matching message, or its last activity
    (``updated_at``) when its title matches; the hit shows the newest matching message, or
    the title when no message matches.
    """
    terms = query_terms(query)
    if not terms or limit <= 0:
        return []
    # conversation id -> (time, newest matching message id or None)
    found: dict[int, tuple[datetime, int | None]] = {}
    # Newest matches first, and only until `limit` conversations are found: a common word
    # would otherwise cost a pass over every message that holds it. On the Core connection,
    # because an ORM result fetches every row before handing out the first.
    matches = session.connection().execute(_message_matches(terms))
    cut_short = False
    for message_id, conversation_id, created_at in matches:
        if conversation_id not in found:
            found[conversation_id] = (created_at, message_id)
            if len(found) == limit:
                cut_short = True
                break
    matches.close()
    for conversation_id, updated_at in session.execute(_title_matches(terms, limit)):
        # Activity is never older than any message, so the title's time wins.
        found[conversation_id] = (updated_at, found.get(conversation_id, (None, None))[1])
    chosen = sorted(found.items(), key=lambda item: (item[1][0], item[0]), reverse=True)[:limit]
    missing = [cid for cid, (_, mid) in chosen if mid is None]
    if cut_short and missing:
        # A title hit not met among the newest matches may still hold older matching messages.
        older = _newest_matches_in(session, missing, terms)
        chosen = [(cid, (moment, mid or older.get(cid))) for cid, (moment, mid) in chosen]

    conversations = {
        conversation_id: (title, updated_at)
        for conversation_id, title, updated_at in session.execute(
            select(ConversationRow.id, ConversationRow.title, ConversationRow.updated_at).where(
                ConversationRow.id.in_([conversation_id for conversation_id, _ in chosen])
            )
        )
    }
    message_ids = [message_id for _, (_, message_id) in chosen if message_id is not None]
    messages = {
        message_id: (role, content)
        for message_id, role, content in session.execute(
            select(MessageRow.id, MessageRow.role, MessageRow.content).where(
                MessageRow.id.in_(message_ids)
            )
        )
    }
    matcher = _matcher(terms)
    hits: list[SearchHit] = []
    for conversation_id, (_, message_id) in chosen:
        # Same transaction as the queries above: everything found there is still here.
        title, updated_at = conversations[conversation_id]
        role, content = (None, title) if message_id is None else messages[message_id]
        snippet, highlights = make_snippet(content, matcher)
        hits.append(
            SearchHit(
                conversation_id=conversation_id,
                title=title,
                message_id=message_id,
                role=role,
                snippet=snippet,
                highlights=highlights,
                updated_at=updated_at,
            )
        )
    return hits


def _message_matches(terms: Sequence[str]) -> Select[Any]:
    """(message id, conversation id, created_at) of every matching message, newest first.

    Read lazily: SQLite produces rows as they are fetched, in id order without sorting (the
    FTS5 index and the primary key both deliver rowids in descending order).
    """
    indexed = [term for term in terms if len(term) >= _MIN_INDEXED_LENGTH]
    too_short = [term for term in terms if len(term) < _MIN_INDEXED_LENGTH]
    conditions: list[ColumnElement[bool]] = [
        MessageRow.content.like(like_pattern(term), escape=_LIKE_ESCAPE) for term in too_short
    ]
    columns = (MessageRow.id, MessageRow.conversation_id, MessageRow.created_at)
    if not indexed:
        # The index leaves streaming replies out; so must the scan.
        conditions.append(
            not_(and_(MessageRow.role == "assistant", MessageRow.finish_reason.is_(None)))
        )
        return select(*columns).where(*conditions).order_by(MessageRow.id.desc())
    match = " AND ".join(fts_string(term) for term in indexed)
    return (
        select(*columns)
        .select_from(_index)
        .join(MessageRow, MessageRow.id == _index.c.rowid)
        .where(_index.c[SEARCH_INDEX_TABLE].match(match), *conditions)
        .order_by(_index.c.rowid.desc())
    )


def _newest_matches_in(
    session: Session, conversation_ids: Sequence[int], terms: Sequence[str]
) -> dict[int, int]:
    """The newest message holding every term in each of a few conversations (by scanning
    their messages): conversation id -> message id."""
    rows = session.execute(
        select(MessageRow.conversation_id, func.max(MessageRow.id))
        .where(
            MessageRow.conversation_id.in_(conversation_ids),
            not_(and_(MessageRow.role == "assistant", MessageRow.finish_reason.is_(None))),
            *(MessageRow.content.like(like_pattern(term), escape=_LIKE_ESCAPE) for term in terms),
        )
        .group_by(MessageRow.conversation_id)
    )
    return {conversation_id: message_id for conversation_id, message_id in rows}


def _title_matches(terms: Sequence[str], limit: int) -> Select[Any]:
    """(conversation id, updated_at) of the conversations whose title holds every term."""
    return (
        select(ConversationRow.id, ConversationRow.updated_at)
        .where(
            *(ConversationRow.title.like(like_pattern(term), escape=_LIKE_ESCAPE) for term in terms)
        )
        .order_by(ConversationRow.updated_at.desc(), ConversationRow.id.desc())
        .limit(limit)
    )


def _matcher(terms: Sequence[str]) -> re.Pattern[str]:
    # Longest first, so a word that contains another is highlighted whole.
    alternatives = sorted(terms, key=len, reverse=True)
    return re.compile("|".join(re.escape(term) for term in alternatives), re.IGNORECASE)


def make_snippet(
    text: str, matcher: re.Pattern[str], width: int = SNIPPET_WIDTH
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """About ``width`` characters of ``text`` around the first match, on one line.

    Returns the snippet ("…" where it was cut) and the (start, end) spans of every match in
    it. Cuts never split an emoji sequence or a letter from its combining marks.
    """
    match = matcher.search(text)
    start, end = match.span() if match else (0, 0)
    # Some context before the match, most of the room after it.
    cut_start = max(0, start - max(0, width - (end - start)) // 3)
    cut_end = min(len(text), max(cut_start + width, end))
    cut_start = max(0, min(cut_start, cut_end - width))
    while cut_start > 0 and _continues_cluster(text, cut_start):
        cut_start -= 1
    while cut_end < len(text) and _continues_cluster(text, cut_end):
        cut_end += 1
    body = " ".join(text[cut_start:cut_end].split())
    snippet = (ELLIPSIS if cut_start > 0 else "") + body + (ELLIPSIS if cut_end < len(text) else "")
    return snippet, tuple(found.span() for found in matcher.finditer(snippet))


def _continues_cluster(text: str, index: int) -> bool:
    """True when the character at ``index`` belongs with the one before it."""
    character = text[index]
    return (
        unicodedata.category(character) in ("Mn", "Me", "Mc")
        or character in (_ZERO_WIDTH_JOINER, "\ufe0e", "\ufe0f")
        or "\U0001f3fb" <= character <= "\U0001f3ff"  # skin tones
        or text[index - 1] == _ZERO_WIDTH_JOINER
    )
