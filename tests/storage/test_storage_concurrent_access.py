"""Several threads, and several stores on one file, writing at the same time."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop_llm.storage import HistoryStore


def _run_in_threads(count: int, work: Callable[[int], None]) -> list[BaseException]:
    barrier = threading.Barrier(count)
    failures: list[BaseException] = []
    guard = threading.Lock()

    def run(index: int) -> None:
        barrier.wait()
        try:
            work(index)
        except BaseException as error:
            with guard:
                failures.append(error)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return failures


def test_threads_sharing_one_store_lose_no_writes(store: HistoryStore) -> None:
    shared = store.create_conversation("shared")
    per_thread = 25

    def work(index: int) -> None:
        own = store.create_conversation(f"thread {index}")
        for n in range(per_thread):
            store.add_message(shared.id, "user", f"{index}:{n}")
            store.add_message(own.id, "user", str(n))
            store.list_conversations()

    assert _run_in_threads(8, work) == []

    contents = [m.content for m in store.list_messages(shared.id)]
    assert len(contents) == 8 * per_thread
    assert len(set(contents)) == len(contents)
    for index in range(8):
        mine = [c for c in contents if c.startswith(f"{index}:")]
        assert mine == [f"{index}:{n}" for n in range(per_thread)]  # each thread's order kept
    assert len(store.list_conversations()) == 9


def test_two_stores_on_one_file_stream_and_write_at_once(db_path: Path) -> None:
    with HistoryStore.open(db_path) as gui, HistoryStore.open(db_path) as cli:
        conversation = gui.create_conversation()
        reply = gui.start_reply(conversation.id, model=None)
        chunks = 200

        def work(index: int) -> None:
            if index == 0:  # the engine worker streaming a reply
                text = ""
                for n in range(chunks):
                    text += f"{n} "
                    gui.update_reply(reply.id, text, completion_tokens=n + 1)
                gui.finish_reply(reply.id, content=text, finish_reason="stop")
            elif index == 1:  # the other process adding chats and recovering
                for n in range(50):
                    other = cli.create_conversation(f"cli {n}")
                    cli.add_message(other.id, "user", "hi")
                    assert cli.recover_interrupted() == 0
            else:  # the GUI reading the history while all this happens
                for _ in range(100):
                    gui.list_messages(conversation.id)
                    cli.list_conversations()

        assert _run_in_threads(4, work) == []

        (final,) = cli.list_messages(conversation.id)
        assert final.finish_reason == "stop"
        assert final.completion_tokens == chunks
        assert final.content.split() == [str(n) for n in range(chunks)]
        assert len(gui.list_conversations()) == 51


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc/self/fd")
def test_opening_and_closing_stores_leaks_no_file_descriptors(db_path: Path) -> None:
    with HistoryStore.open(db_path):
        pass  # the first open creates the file and the folders
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(20):
        with HistoryStore.open(db_path) as store:
            store.recover_interrupted()
            store.list_conversations()
    assert len(os.listdir("/proc/self/fd")) == before
