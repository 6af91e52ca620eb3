"""Replies cut off by a dead writer become 'interrupted'; live writers' replies are left alone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop_llm.storage import HistoryStore
from desktop_llm.storage.instance_lock import lock_file

REPO_ROOT = Path(__file__).resolve().parents[2]

# Runs in a separate Python process: streams part of a reply, reports, then waits to be killed.
_WRITER_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    from desktop_llm.storage import HistoryStore

    store = HistoryStore.open(Path(sys.argv[2]))
    conversation = store.create_conversation("crash test")
    store.add_message(conversation.id, "user", "Tell me a story")
    reply = store.start_reply(conversation.id, model="tiny")
    store.update_reply(reply.id, "Once upon", completion_tokens=2)
    store.update_reply(reply.id, "Once upon a time, a process", completion_tokens=6)
    print(conversation.id, reply.id, store.instance_id, flush=True)
    time.sleep(120)
    """
)


@dataclass
class WriterProcess:
    process: subprocess.Popen[str]
    conversation_id: int
    reply_id: int
    instance_id: str


@pytest.fixture
def writer_process(db_path: Path) -> Iterator[WriterProcess]:
    """Another process (think: the GUI) in the middle of streaming a reply."""
    with subprocess.Popen(
        [sys.executable, "-c", _WRITER_SCRIPT, str(REPO_ROOT), str(db_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            line = process.stdout.readline() if process.stdout else ""
            if not line:
                process.kill()
                _, errors = process.communicate(timeout=30)
                pytest.fail(f"writer process failed to start:\n{errors}")
            conversation_id, reply_id, instance_id = line.split()
            yield WriterProcess(process, int(conversation_id), int(reply_id), instance_id)
        finally:
            process.kill()
            process.communicate(timeout=30)


def test_reply_of_a_killed_process_keeps_its_text_and_becomes_interrupted(
    writer_process: WriterProcess, db_path: Path
) -> None:
    with HistoryStore.open(db_path) as store:
        # While the writer lives (the GUI streaming as the CLI starts), nothing is touched.
        assert store.recover_interrupted() == 0
        assert store.list_messages(writer_process.conversation_id)[-1].streaming

        writer_process.process.kill()  # SIGKILL on POSIX: no cleanup code runs
        writer_process.process.wait(timeout=30)
        if os.name == "posix":
            assert writer_process.process.returncode == -signal.SIGKILL

        (question, cut_off) = store.list_messages(writer_process.conversation_id)
        assert question.content == "Tell me a story"
        assert cut_off.id == writer_process.reply_id
        assert cut_off.content == "Once upon a time, a process"
        assert cut_off.streaming

        assert store.recover_interrupted() == 1

        (_, recovered) = store.list_messages(writer_process.conversation_id)
        assert recovered.finish_reason == "interrupted"
        assert not recovered.streaming
        assert recovered.content == "Once upon a time, a process"
        assert recovered.completion_tokens == 6
        assert not lock_file(db_path.parent / "instances", writer_process.instance_id).exists()
        assert store.recover_interrupted() == 0


def test_reply_of_a_store_closed_mid_stream_is_recovered(db_path: Path, raw) -> None:
    with HistoryStore.open(db_path) as crashed:
        conversation = crashed.create_conversation()
        reply = crashed.start_reply(conversation.id, model="tiny")
        crashed.update_reply(reply.id, "half an ans")

    with HistoryStore.open(db_path) as store:
        assert store.recover_interrupted() == 1
        (recovered,) = store.list_messages(conversation.id)

    assert (recovered.finish_reason, recovered.content) == ("interrupted", "half an ans")
    assert raw.query("SELECT writer FROM messages WHERE id = ?", (reply.id,)) == [(None,)]


def test_reply_of_a_live_store_on_the_same_file_is_left_alone(db_path: Path) -> None:
    with HistoryStore.open(db_path) as gui, HistoryStore.open(db_path) as cli:
        conversation = gui.create_conversation()
        reply = gui.start_reply(conversation.id, model="tiny")
        gui.update_reply(reply.id, "still typing")

        assert cli.recover_interrupted() == 0
        assert gui.recover_interrupted() == 0  # its own reply, too

        gui.update_reply(reply.id, "still typing, done")
        finished = gui.finish_reply(reply.id, content="still typing, done", finish_reason="stop")
        assert cli.list_messages(conversation.id) == [finished]


def test_only_the_dead_writers_replies_are_recovered(db_path: Path) -> None:
    with HistoryStore.open(db_path) as live, HistoryStore.open(db_path) as doomed:
        conversation = live.create_conversation()
        live_reply = live.start_reply(conversation.id, model=None)
        dead_reply = doomed.start_reply(conversation.id, model=None)
        doomed.close()

        assert live.recover_interrupted() == 1

        by_id = {m.id: m for m in live.list_messages(conversation.id)}
        assert by_id[dead_reply.id].finish_reason == "interrupted"
        assert by_id[live_reply.id].streaming


def test_a_streaming_row_without_a_writer_is_recovered(store: HistoryStore, raw) -> None:
    conversation = store.create_conversation()
    reply = store.start_reply(conversation.id, model=None)
    raw.execute("UPDATE messages SET writer = NULL WHERE id = ?", (reply.id,))

    assert store.recover_interrupted() == 1
    assert store.list_messages(conversation.id)[0].finish_reason == "interrupted"


def test_recovery_leaves_complete_messages_alone(store: HistoryStore) -> None:
    conversation = store.create_conversation()
    store.add_message(conversation.id, "user", "Hi")
    store.add_message(conversation.id, "assistant", "Hello")

    assert store.recover_interrupted() == 0
    assert [m.finish_reason for m in store.list_messages(conversation.id)] == [None, "stop"]
