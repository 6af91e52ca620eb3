"""Search over 100,000 messages, checked against a plain Python scan of the same rows.

The rows go in through the previous schema (fast plain inserts), and opening the store runs
migration m002, which builds the message tree and the search index for all of them: the upgrade
path at scale. Speed is measured by the benchmark, not asserted here.
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
from desktop_llm.storage.database import create_database_engine
from desktop_llm.storage.migrations import MIGRATIONS, apply_migrations

CONVERSATIONS = 5_000
PER_CONVERSATION = 20
WORDS = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "kappa",
    "sigma",
    "omega",
    "lambda",
    "zeta",
    "theta",
    "tea",
    "cup",
    "模型",
    "语言",
    "语言模型",
    "数据",
    "东京タワー",
    "🙂",
    "👩\u200d💻",
    "C#",
    "needle%_x",
]
_START = datetime(2025, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Corpus:
    path: Path
    titles: dict[int, str]
    # (id, conversation id, content, searchable) in id order.
    messages: list[tuple[int, int, str, bool]]
    # Message ids count up with time; a conversation's activity is its last message's time.
    times: dict[int, datetime]
    updated: dict[int, datetime]


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    path = tmp_path_factory.mktemp("large") / "history.sqlite3"
    engine = create_database_engine(path)
    try:
        apply_migrations(engine, label="v1", migrations=MIGRATIONS[:1])
    finally:
        engine.dispose()
    rng = random.Random(20250101)
    titles = {cid: f"Chat {cid} about {rng.choice(WORDS)}" for cid in range(1, CONVERSATIONS + 1)}
    messages: list[tuple[int, int, str, bool]] = []
    rows = []
    times: dict[int, datetime] = {}
    updated: dict[int, datetime] = {}
    # Conversations interleave, as real ones do.
    for step in range(CONVERSATIONS * PER_CONVERSATION):
        message_id = step + 1
        cid = rng.randint(1, CONVERSATIONS)
        role = "user" if step % 2 == 0 else "assistant"
        content = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 9)))
        # A few replies are still streaming: not searchable.
        finish = None if role == "user" else (None if rng.random() < 0.01 else "stop")
        moment = _START + timedelta(seconds=message_id)
        times[message_id] = updated[cid] = moment
        searchable = not (role == "assistant" and finish is None)
        messages.append((message_id, cid, content, searchable))
        rows.append((message_id, cid, role, content, _stamp(moment), _stamp(moment), finish))
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.executemany(
            "INSERT INTO conversations (id, title, created_at, updated_at) VALUES (?, ?, ?, ?)",
            [
                (cid, title, _stamp(_START), _stamp(updated.get(cid, _START)))
                for cid, title in titles.items()
            ],
        )
        connection.executemany(
            "INSERT INTO messages (id, conversation_id, role, content, created_at, updated_at,"
            " finish_reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    for cid in titles:
        updated.setdefault(cid, _START)
    yield Corpus(path, titles, messages, times, updated)


@pytest.fixture(scope="module")
def large_store(corpus: Corpus) -> Iterator[HistoryStore]:
    with HistoryStore.open(corpus.path) as opened:
        yield opened


def _expected(corpus: Corpus, query: str, limit: int) -> list[tuple[int, int | None]]:
    """What search must return, worked out by scanning every row in Python."""
    terms = [term.casefold() for term in query.split()]
    newest: dict[int, int] = {}
    for message_id, cid, content, searchable in corpus.messages:
        if searchable and all(term in content.casefold() for term in terms):
            newest[cid] = message_id
    # A matching title makes the conversation's last activity its time.
    keyed = {cid: (corpus.times[message_id], cid, message_id) for cid, message_id in newest.items()}
    for cid, title in corpus.titles.items():
        if all(term in title.casefold() for term in terms):
            keyed[cid] = (corpus.updated[cid], cid, newest.get(cid))
    ranked = sorted(keyed.values(), reverse=True)[:limit]
    return [(cid, message_id) for _, cid, message_id in ranked]


@pytest.mark.parametrize(
    "query",
    [
        "kappa",  # common: the newest 50 conversations are found early
        "语言模型",  # four characters: the trigram index
        "模型",  # two characters: the LIKE fallback
        "东京タワー 🙂",  # Japanese through the index, an emoji through LIKE
        "👩‍💻",  # a ZWJ sequence of three code points
        "c#",  # short, case-insensitive
        "needle%_x",  # LIKE wildcards taken literally
        "tea cup omega",  # three words in any order
        "about theta",  # in titles as well as in messages
        "Chat 4999",  # only in a title
        "absent word",  # nowhere
    ],
)
def test_search_over_100000_messages_matches_a_full_scan(
    corpus: Corpus, large_store: HistoryStore, query: str
) -> None:
    expected = _expected(corpus, query, 50)
    assert [(h.conversation_id, h.message_id) for h in large_store.search(query, limit=7)] == (
        expected[:7]
    )
    hits = large_store.search(query)
    assert [(h.conversation_id, h.message_id) for h in hits] == expected
    contents = {message_id: content for message_id, _, content, _ in corpus.messages}
    for hit in hits:
        source = (
            corpus.titles[hit.conversation_id]
            if hit.message_id is None
            else (contents[hit.message_id])
        )
        assert hit.title == corpus.titles[hit.conversation_id]
        assert hit.highlights
        assert " ".join(source.split()).find(hit.snippet.strip("…")) >= 0
        highlighted = {hit.snippet[start:end].casefold() for start, end in hit.highlights}
        assert highlighted <= {term.casefold() for term in query.split()}


def test_the_upgrade_made_one_chain_per_conversation(
    corpus: Corpus, large_store: HistoryStore
) -> None:
    cid = corpus.messages[-1][1]
    expected = [message_id for message_id, owner, _, _ in corpus.messages if owner == cid]
    branch = large_store.branch(cid)
    assert [m.id for m in branch] == expected
    assert [m.parent_id for m in branch] == [None, *expected[:-1]]
