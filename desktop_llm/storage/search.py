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
from collections.abc import Sequence, Sized
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, CursorResult, Select, and_, func, not_, select
from sqlalchemy.orm import Session

from desktop_llm.storage.orm import (
    OWNER_INDEX,
    SEARCH_INDEX_TABLE,
    ConversationRow,
    MessageRow,
)
from desktop_llm.storage.records import SearchHit

SNIPPET_WIDTH = 60
ELLIPSIS = "…"
# The trigram tokenizer indexes runs of three characters (code points).
_MIN_INDEXED_LENGTH = 3
# A pasted paragraph is not a query; past this many words the rest are ignored.
_MAX_TERMS = 32
_LIKE_ESCAPE = "\\"
_ZERO_WIDTH_JOINER = "\u200d"


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
    newest, cut_short = _newest_matching_messages(session.connection(), terms, limit)
    if newest:
        times = {
            message_id: created_at
            for message_id, created_at in session.execute(
                select(MessageRow.id, MessageRow.created_at).where(
                    MessageRow.id.in_(list(newest.values()))
                )
            )
        }
        found = {cid: (times[mid], mid) for cid, mid in newest.items()}
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


def _newest_matching_messages(
    connection: Connection, terms: Sequence[str], limit: int
) -> tuple[dict[int, int], bool]:
    """Conversation id -> its newest matching message id, for the (at most) ``limit``
    conversations whose newest match is the most recent; and whether ``limit`` was reached.

    Matches are read newest first and reading stops at the ``limit``-th conversation, skipping
    the further matches of conversations already found as cheaply as it can: a common word
    costs about what a rare one does, not a pass over every message that holds it.
    """
    indexed = [term for term in terms if len(term) >= _MIN_INDEXED_LENGTH]
    patterns = [like_pattern(term) for term in terms if len(term) < _MIN_INDEXED_LENGTH]
    if indexed:
        return _IndexWalk(connection, terms, limit).run()
    return _scan_newest(connection, patterns, limit)


# Rowids read from the FTS5 cursor at a time.
_BATCH = 256
# A run of ids shorter than this means that conversations interleave: the owners of the rest
# of the batch are then looked up in one query rather than one run at a time.
_SHORT_RUN = 8
# Past this many ids of a found conversation's run, the walk leaps instead of stepping.
_LEAP_IDS = 64
# Candidates a leap may reject in a row (its one trigram is in them, the words are not)
# before the walk goes back to stepping through the exact matches.
_LEAP_MISSES = 32
# Rows of found conversations read in a row before the leap asks how long their run is.
_LEAP_STREAK = 16
_LIKE_CLAUSE = f"messages.content LIKE ? ESCAPE '{_LIKE_ESCAPE}'"
# The index leaves streaming replies out; so must a scan of the messages.
_SEARCHABLE_CLAUSE = "NOT (role = 'assistant' AND finish_reason IS NULL)"
# A message's conversation, and the id below which the run of ids ending at it stops belonging
# to that conversation (0 when it never does). Both come from the narrow (id, conversation_id)
# index of migration m003, so walking back over a run reads no message text.
# The leap's candidates, newest first: messages holding one trigram of the words.
_LEAP_SQL = (
    f"SELECT messages.id, messages.conversation_id FROM {SEARCH_INDEX_TABLE}"
    f" JOIN messages INDEXED BY {OWNER_INDEX} ON messages.id = {SEARCH_INDEX_TABLE}.rowid"
    f" WHERE {SEARCH_INDEX_TABLE} MATCH ? AND {SEARCH_INDEX_TABLE}.rowid <= ?"
    f" ORDER BY {SEARCH_INDEX_TABLE}.rowid DESC"
)
_RUN_SQL = (
    "SELECT conversation_id, (SELECT max(other.id) FROM messages AS other"
    " WHERE other.id < messages.id AND other.conversation_id != messages.conversation_id)"
    " FROM messages WHERE id = ?"
)


class _IndexWalk:
    """Reads the FTS5 matches newest first without joining each one to its message.

    ``ORDER BY rowid DESC`` on the FTS5 table is served by FTS5 itself, and rows come as they
    are fetched. A conversation's messages mostly sit in runs of consecutive ids (a question,
    its reply, the next question), so the owner of a match is looked up once per run; the
    matches inside a run of a conversation already found then cost only the FTS5 step. Where
    conversations interleave, the owners of the rest of a batch are looked up in one query.

    A common word in long conversations would still mean stepping over most of their
    matches, at a phrase check of every trigram each, and restarting the exact query below a
    run costs as much as stepping over it. So past a long found run the walk *leaps*: it
    restarts a query on a single trigram of the words (a superset of the matches, cheap to
    restart), below the run, and checks its candidates exactly (see ``_holds``).
    """

    def __init__(self, connection: Connection, terms: Sequence[str], limit: int) -> None:
        self._connection = connection
        indexed = [term for term in terms if len(term) >= _MIN_INDEXED_LENGTH]
        self._match = " AND ".join(fts_string(term) for term in indexed)
        # One trigram that every match holds: what a leap restarts on.
        self._probe = fts_string(max(indexed, key=len)[:_MIN_INDEXED_LENGTH])
        # LIKE patterns of the words too short for the index.
        self._patterns = [like_pattern(term) for term in terms if len(term) < _MIN_INDEXED_LENGTH]
        # Every word folded as the index and LIKE fold it, when Python's lower() does exactly
        # that (no cased letter beyond ASCII); else None and candidates are checked by SQLite.
        self._folded = [term.lower() for term in terms] if all(map(_is_plain, terms)) else None
        self._limit = limit
        self._found: dict[int, int] = {}
        # The current run: the ids in (run_low, run_high] belong to run_owner.
        self._run_low = self._run_high = self._run_owner = -1
        # Owners looked up for a batch of interleaved matches.
        self._owners: dict[int, int] = {}

    def run(self) -> tuple[dict[int, int], bool]:
        below: int | None = None
        while True:
            sql = f"SELECT rowid FROM {SEARCH_INDEX_TABLE} WHERE {SEARCH_INDEX_TABLE} MATCH ?"
            parameters: tuple[Any, ...] = (self._match,)
            if below is not None:
                sql += " AND rowid <= ?"
                parameters += (below,)
            cursor = self._connection.exec_driver_sql(sql + " ORDER BY rowid DESC", parameters)
            try:
                leap_from = self._step(cursor)
            finally:
                cursor.close()
            below = None if leap_from is None else self._leap(leap_from)
            if below is None or below <= 0:
                return self._found, len(self._found) >= self._limit

    def _step(self, cursor: CursorResult[Any]) -> int | None:
        """Reads the exact matches from ``cursor`` until ``limit`` conversations are found or
        it ends (returns None), or until a long run of a found conversation is better leapt
        over (returns the id to leap from)."""
        while batch := cursor.fetchmany(_BATCH):
            rowids = [rowid for (rowid,) in batch]
            candidates: list[tuple[int, int]] = []
            leap_from: int | None = None
            position = 0
            while position < len(rowids):
                rowid = rowids[position]
                if self._run_low < rowid <= self._run_high and self._run_owner in self._found:
                    # The rest of a found conversation's run, passed over without a look.
                    if rowid - self._run_low > _LEAP_IDS:
                        leap_from = self._run_low
                        break
                    position = _first_at_or_below(rowids, self._run_low, position)
                    continue
                owner = self._owner(rowid, rowids, position)
                position += 1
                if owner is None:
                    continue
                if owner in self._found:
                    continue
                if self._patterns:
                    candidates.append((rowid, owner))
                    continue
                self._found[owner] = rowid
                if len(self._found) >= self._limit:
                    return None
            self._keep_holding_short_words(candidates)
            if len(self._found) >= self._limit:
                return None
            if leap_from is not None:
                return leap_from
        return None

    def _leap(self, below: int) -> int | None:
        """Finds the conversations below ``below`` through the trigram probe, restarting it
        below each long run of a found conversation; returns None when done, or the id to go
        back to stepping at."""
        while below > 0:
            cursor = self._connection.exec_driver_sql(_LEAP_SQL, (self._probe, below))
            try:
                below = self._read_leap(cursor)
            finally:
                cursor.close()
            if below is None:
                return None
            if below < 0:  # too many candidates rejected: the probe is no help here
                return -below
        return None

    def _read_leap(self, cursor: CursorResult[Any]) -> int | None:
        """Returns None when done, the id to restart the probe at, or minus the id to go back
        to stepping at."""
        streak = misses = 0
        for rowid, owner in cursor:
            if owner in self._found:
                if self._run_low < rowid <= self._run_high:
                    continue
                streak += 1
                if streak >= _LEAP_STREAK:
                    streak = 0
                    low = self._run_below(rowid)
                    if rowid - low > _LEAP_IDS:
                        return low
                continue
            streak = 0
            if not self._holds(rowid):
                misses += 1
                if misses > _LEAP_MISSES:
                    return -(rowid - 1)
                continue
            self._found[owner] = rowid
            if len(self._found) >= self._limit:
                return None
            low = self._run_below(rowid)
            if rowid - low > _LEAP_IDS:
                return low
        return None

    def _run_below(self, rowid: int) -> int:
        """The id below which ``rowid``'s run of one conversation ends."""
        if not self._run_low < rowid <= self._run_high:
            row = self._connection.exec_driver_sql(_RUN_SQL, (rowid,)).one()
            self._run_low, self._run_high, self._run_owner = row[1] or 0, rowid, row[0]
        return self._run_low

    def _holds(self, rowid: int) -> bool:
        """Whether a message holds every word, exactly as the index and LIKE would say."""
        content = self._connection.exec_driver_sql(
            "SELECT content FROM messages WHERE id = ?", (rowid,)
        ).scalar_one()
        if self._folded is not None and _is_plain(content):
            folded = content.lower()
            return all(term in folded for term in self._folded)
        sql = (
            f"SELECT 1 FROM {SEARCH_INDEX_TABLE} JOIN messages ON messages.id ="
            f" {SEARCH_INDEX_TABLE}.rowid WHERE {SEARCH_INDEX_TABLE} MATCH ?"
            f" AND {SEARCH_INDEX_TABLE}.rowid = ?"
        )
        sql += "".join(f" AND {_LIKE_CLAUSE}" for _ in self._patterns)
        parameters = (self._match, rowid, *self._patterns)
        return self._connection.exec_driver_sql(sql, parameters).first() is not None

    def _owner(self, rowid: int, rowids: list[int], position: int) -> int | None:
        if self._run_low < rowid <= self._run_high:
            return self._run_owner
        owner = self._owners.get(rowid)
        if owner is not None:
            return owner
        row = self._connection.exec_driver_sql(_RUN_SQL, (rowid,)).first()
        if row is None:  # an index entry without its message: nothing to show
            return None
        owner, low = row[0], row[1] or 0
        self._run_low, self._run_high, self._run_owner = low, rowid, owner
        rest = tuple(rowids[position + 1 :])
        if rowid - low < _SHORT_RUN and rest:
            self._owners = {
                message_id: conversation_id
                for message_id, conversation_id in self._connection.exec_driver_sql(
                    f"SELECT id, conversation_id FROM messages WHERE id IN ({_marks(rest)})",
                    rest,
                )
            }
        return owner

    def _keep_holding_short_words(self, candidates: list[tuple[int, int]]) -> None:
        """Of a batch's candidates (newest first), those that also hold the short words."""
        if not candidates:
            return
        ids = tuple(rowid for rowid, _ in candidates)
        holding = set(
            self._connection.exec_driver_sql(
                f"SELECT id FROM messages WHERE id IN ({_marks(ids)})"
                + "".join(f" AND {_LIKE_CLAUSE}" for _ in self._patterns),
                (*ids, *self._patterns),
            ).scalars()
        )
        for rowid, owner in candidates:
            if len(self._found) >= self._limit:
                return
            if rowid in holding and owner not in self._found:
                self._found[owner] = rowid


def _scan_newest(
    connection: Connection, patterns: Sequence[str], limit: int
) -> tuple[dict[int, int], bool]:
    """Only short words: scan the messages newest first, one query per conversation found,
    each passing over the conversations already found inside SQLite."""
    found: dict[int, int] = {}
    while len(found) < limit:
        conditions = [_SEARCHABLE_CLAUSE, *(_LIKE_CLAUSE for _ in patterns)]
        parameters: list[Any] = list(patterns)
        if found:
            # Cheap tests first: SQLite evaluates them in this order.
            conditions[:0] = ["id < ?", f"conversation_id NOT IN ({_marks(found)})"]
            parameters[:0] = [min(found.values()), *found]
        row = connection.exec_driver_sql(
            "SELECT id, conversation_id FROM messages WHERE "
            + " AND ".join(conditions)
            + " ORDER BY id DESC LIMIT 1",
            tuple(parameters),
        ).first()
        if row is None:
            return found, False
        found[row[1]] = row[0]
    return found, True


def _is_plain(text: str) -> bool:
    """True when ``text.lower()`` folds ``text`` exactly as the trigram index (and LIKE) do:
    no cased letter beyond ASCII, and no NUL (where the tokenizer stops reading)."""
    if text.isascii():
        return "\x00" not in text
    return (
        not any(
            not character.isascii()
            and (character.lower() != character or character.upper() != character)
            for character in text
        )
        and "\x00" not in text
    )


def _first_at_or_below(descending: list[int], bound: int, start: int) -> int:
    """The position of the first value ``<= bound`` in ``descending`` from ``start`` on."""
    low, high = start, len(descending)
    while low < high:
        middle = (low + high) // 2
        if descending[middle] > bound:
            low = middle + 1
        else:
            high = middle
    return low


def _marks(values: Sized) -> str:
    """One ``?`` per value, for an ``IN (...)`` list."""
    return ", ".join("?" * len(values))


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
