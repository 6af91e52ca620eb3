"""Search over long conversations: the walk leaps over runs of found conversations.

Conversations here are written in long blocks (hundreds of consecutive messages each, as in a
long session), unlike the interleaved corpus of test_storage_search_large.py. Common words then
send the search down its leaping path (a trigram probe, candidates checked in Python or by
SQLite), which must give exactly what a plain scan gives: letters with case beyond ASCII, a NUL
(where the tokenizer stops reading), streaming replies, short words and deleted messages.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from desktop_llm.storage import HistoryStore

WORDS = [
    "lighthouse",
    "LightHouse",
    "light",
    "house",
    "ligature",
    "Ärger",
    "ärger",
    "ÄRGER",
    "模型",
    "语言模型",
    "C#",
    "c#",
    "x\x00hidden",
    "whale",
]
BLOCKS = (1, 2, 3, 40, 150, 400)
_START = datetime(2025, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Corpus:
    path: Path
    titles: dict[int, str]
    # (id, conversation id, content, searchable) in id order.
    messages: list[tuple[int, int, str, bool]]
    updated: dict[int, datetime]


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    path = tmp_path_factory.mktemp("runs") / "history.sqlite3"
    HistoryStore.open(path).close()
    rng = random.Random(11)
    titles = {cid: f"Talk {cid} {rng.choice(WORDS[:8])}" for cid in range(1, 71)}
    rows = []
    updated = dict.fromkeys(titles, _START)
    message_id = 0
    for _ in range(160):
        # A few conversations hold most of the blocks, as a user's favourites do.
        cid = rng.randint(1, 4) if rng.random() < 0.5 else rng.randint(1, 70)
        for _ in range(rng.choice(BLOCKS)):
            message_id += 1
            role = "user" if message_id % 2 else "assistant"
            finish = None if role == "assistant" and rng.random() < 0.02 else "stop"
            content = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 5)))
            moment = _START + timedelta(seconds=message_id)
            updated[cid] = moment
            rows.append((message_id, cid, role, content, _stamp(moment), finish))
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.executemany(
            "INSERT INTO conversations (id, title, created_at, updated_at) VALUES (?, ?, ?, ?)",
            [(cid, title, _stamp(_START), _stamp(updated[cid])) for cid, title in titles.items()],
        )
        connection.executemany(
            "INSERT INTO messages (id, conversation_id, role, content, created_at, updated_at,"
            " finish_reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(i, cid, role, text, at, at, finish) for i, cid, role, text, at, finish in rows],
        )
        # Holes in the ids, as deleted messages leave.
        connection.execute("DELETE FROM messages WHERE id % 89 = 0")
    deleted = {i for i, *_ in rows if i % 89 == 0}
    messages = [
        (i, cid, text, not (role == "assistant" and finish is None))
        for i, cid, role, text, _, finish in rows
        if i not in deleted
    ]
    return Corpus(path, titles, messages, updated)


@pytest.fixture(scope="module")
def runs_store(corpus: Corpus) -> Iterator[HistoryStore]:
    with HistoryStore.open(corpus.path) as opened:
        yield opened


def _holds(text: str, term: str) -> bool:
    # SQLite reads text up to a NUL, the trigram tokenizer and LIKE alike.
    text = text.split("\x00")[0]
    if len(term) >= 3:  # the index folds every cased letter
        return term.lower() in text.lower()
    return _like(text, term)


def _like(text: str, term: str) -> bool:
    """LIKE: case-insensitive for ASCII letters only."""
    return term.encode().lower() in text.encode().lower()


def _expected(corpus: Corpus, query: str, limit: int) -> list[tuple[int, int | None]]:
    terms = query.split()
    newest: dict[int, int] = {}
    for message_id, cid, content, searchable in corpus.messages:
        if searchable and all(_holds(content, term) for term in terms):
            newest[cid] = message_id
    keyed = {
        cid: (_START + timedelta(seconds=message_id), cid, message_id)
        for cid, message_id in newest.items()
    }
    for cid, title in corpus.titles.items():
        if all(_like(title, term) for term in terms):  # titles are matched with LIKE
            keyed[cid] = (corpus.updated[cid], cid, newest.get(cid))
    ranked = sorted(keyed.values(), reverse=True)[:limit]
    return [(cid, message_id) for _, cid, message_id in ranked]


@pytest.mark.parametrize(
    "query",
    [
        "lighthouse",  # common: leaps over the long runs
        "LIGHTHOUSE",
        "light",
        "ärger",  # a cased letter beyond ASCII: candidates checked by SQLite
        "ÄRGER whale",
        "语言模型",
        "hidden",  # only after a NUL: never indexed
        "light c#",  # a short word too: checked with LIKE's own folding
        "模型 whale",
        "house 模型 c#",
    ],
)
def test_search_over_long_conversations_matches_a_full_scan(
    corpus: Corpus, runs_store: HistoryStore, query: str
) -> None:
    for limit in (50, 9, 1):
        hits = runs_store.search(query, limit=limit)
        assert [(hit.conversation_id, hit.message_id) for hit in hits] == _expected(
            corpus, query, limit
        )
