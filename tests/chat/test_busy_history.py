"""A long import holds the history's write lock: a reply streaming meanwhile neither stalls
nor loses its text, and reading the import file takes no lock at all."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from desktop_llm.chat.reply_writer import ReplyWriter
from desktop_llm.chat.service import ChatService, _when_free
from desktop_llm.errors import StorageBusyError
from desktop_llm.paths import AppPaths
from desktop_llm.storage import HistoryStore
from desktop_llm.storage.database import BUSY_TIMEOUT_MS
from tests.transcripts.import_samples import simple_chatgpt, write_json

# Far below the full busy timeout: a quick save that waited for the lock would take 10 s.
QUICK_ENOUGH_S = BUSY_TIMEOUT_MS / 1000 / 4


@contextmanager
def write_lock_held(db_path: Path) -> Iterator[None]:
    """Another connection in a write transaction, as an import holds it."""
    with closing(sqlite3.connect(db_path, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE conversations SET title = title")
        try:
            yield
        finally:
            other.execute("COMMIT")


@pytest.fixture
def streaming(paths: AppPaths) -> Iterator[tuple[HistoryStore, int]]:
    store = HistoryStore.open(paths.database)
    conversation = store.create_conversation("Busy")
    store.add_message(conversation.id, "user", "Hello")
    reply = store.start_reply(conversation.id, model="m")
    yield store, reply.id
    store.close()


def test_a_streaming_save_does_not_wait_for_a_held_history(
    streaming: tuple[HistoryStore, int], paths: AppPaths
) -> None:
    store, reply_id = streaming
    with write_lock_held(paths.database):
        began = time.monotonic()
        with pytest.raises(StorageBusyError):
            store.update_reply(reply_id, "partial", quick=True)
        assert time.monotonic() - began < QUICK_ENOUGH_S


def test_the_reply_writer_keeps_streaming_and_saves_once_the_history_is_free(
    streaming: tuple[HistoryStore, int], paths: AppPaths
) -> None:
    store, reply_id = streaming
    forwarded: list[str] = []
    clock = iter(range(0, 1000, 1))  # every piece is a flush interval apart
    writer = ReplyWriter(store, reply_id, forwarded.append, clock=lambda: float(next(clock)))
    with write_lock_held(paths.database):
        began = time.monotonic()
        writer.on_text("Hello ")
        writer.on_text("world")
        assert time.monotonic() - began < QUICK_ENOUGH_S
    assert forwarded == ["Hello ", "world"]
    writer.flush()  # the next interval, the lock gone: everything streamed so far is saved
    (reply,) = [m for m in store.list_messages(1) if m.id == reply_id]
    assert reply.content == "Hello world"


@pytest.mark.slow
def test_a_replys_last_save_outwaits_a_long_hold(
    streaming: tuple[HistoryStore, int], paths: AppPaths
) -> None:
    store, reply_id = streaming
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with write_lock_held(paths.database):
            held.set()
            release.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    # Longer than one busy timeout, so the first try fails and a later one succeeds.
    threading.Timer(BUSY_TIMEOUT_MS / 1000 * 1.3, release.set).start()
    record = _when_free(lambda: store.finish_reply(reply_id, content="done", finish_reason="stop"))
    holder.join()
    assert record.content == "done" and record.finish_reason == "stop"


def test_reading_an_import_file_holds_no_lock(paths: AppPaths, tmp_path: Path) -> None:
    export = write_json(tmp_path / "conversations.json", [
        simple_chatgpt(f"Chat {n}", f"Question {n}", f"Answer {n}") for n in range(5)
    ])
    with ChatService.open(paths) as service:
        other = HistoryStore.open(paths.database)
        saved_meanwhile: list[int] = []

        def while_reading(count: int) -> None:
            # Called while the file is being read: another writer gets in at once.
            saved_meanwhile.append(other.create_conversation(f"Meanwhile {count}").id)

        try:
            report = service.import_file(export, progress=while_reading)
        finally:
            other.close()
        assert len(report.conversation_ids) == 5
        assert len(saved_meanwhile) == 5
        titles = {c.title for c in service.conversations()}
    assert {f"Chat {n}" for n in range(5)} <= titles
