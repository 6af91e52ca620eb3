"""End to end: `desktop-llm chat` killed mid-reply, on the real model and a real history file.

The child process is the real command line; the test watches the history file from outside
(plain read-only sqlite3, as any other process would) and kills the child with SIGKILL, so no
Python code in the child gets a chance to tidy up.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from desktop_llm.chat.service import ChatService
from desktop_llm.paths import app_paths
from desktop_llm.storage.instance_lock import INSTANCES_DIR_NAME
from tests.chat.streaming_checks import late_save

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="Windows has no SIGKILL")

STORY = "Write a very long story about a dragon who learns to bake bread."
# A few seeds in case the model ends its story before it can be killed; it rarely does.
SEEDS = (1, 2, 3, 4, 5)
WAIT = 120.0  # seconds; a generous ceiling for a shared, busy machine
POLL = 0.05


@dataclass(frozen=True)
class ReplyRow:
    id: int
    conversation_id: int
    content: str
    finish_reason: str | None
    writer: str | None


class HistoryFile:
    """The history database as another process sees it: read-only, one connection per look."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def query(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        uri = f"{self.path.as_uri()}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True, timeout=10)) as db:
            return db.execute(sql, parameters).fetchall()

    def newest_reply(self, after_id: int) -> ReplyRow | None:
        """The newest assistant message with an id above ``after_id``, if the file has one."""
        try:
            rows = self.query(
                "SELECT id, conversation_id, content, finish_reason, writer FROM messages "
                "WHERE role = 'assistant' AND id > ? ORDER BY id DESC LIMIT 1",
                (after_id,),
            )
        except sqlite3.OperationalError:
            # The child has not created (or finished migrating) the file yet.
            return None
        return ReplyRow(*rows[0]) if rows else None

    def reply(self, message_id: int) -> ReplyRow:
        [row] = self.query(
            "SELECT id, conversation_id, content, finish_reason, writer FROM messages "
            "WHERE id = ?",
            (message_id,),
        )
        return ReplyRow(*row)


class ChatChild:
    """`python -m desktop_llm chat` writing a long story, and what it has printed so far."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.arrivals: list[float] = []  # when each chunk of the streamed reply came in
        self._chunks: list[bytes] = []
        self._reader = threading.Thread(target=self._read, name="child-stdout", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        while chunk := os.read(self.process.stdout.fileno(), 4096):
            self._chunks.append(chunk)
            self.arrivals.append(time.monotonic())

    def printed(self) -> str:
        """Everything the child printed; call after it has ended."""
        self._reader.join(timeout=WAIT)
        return b"".join(self._chunks).decode("utf-8")


@contextmanager
def chat_child(home: Path, seed: int) -> Iterator[ChatChild]:
    """Start the real command line on a long story; it never outlives the test."""
    command = [
        sys.executable, "-m", "desktop_llm", "chat",
        "--max-tokens", "3000", "--seed", str(seed), STORY,
    ]
    with subprocess.Popen(
        command,
        env={**os.environ, "DESKTOP_LLM_HOME": str(home)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    ) as process:
        child = ChatChild(process)
        try:
            yield child
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=WAIT)
            child.printed()


def wait_for_streaming_growth(
    history: HistoryFile, child: ChatChild, after_id: int
) -> ReplyRow | None:
    """Wait until the child's reply has been written through at least twice while streaming.

    Returns the last row seen, or None when the child ended first (its reply was short).
    """
    deadline = time.monotonic() + WAIT
    first: ReplyRow | None = None
    last_content = ""
    last_change = time.monotonic()
    while (now := time.monotonic()) < deadline:
        row = history.newest_reply(after_id)
        if row is not None and row.finish_reason is None and row.content:
            if row.content != last_content:
                last_content, last_change = row.content, now
            if first is None:
                first = row
            elif len(row.content) > len(first.content):
                assert row.content.startswith(first.content)
                return row
        if child.process.poll() is not None:
            return None
        unsaved_for = late_save(child.arrivals, last_change, now)
        if unsaved_for is not None:
            pytest.fail(f"the child printed its reply but did not save it for {unsaved_for:.1f} s")
        time.sleep(POLL)
    pytest.fail(f"no reply was written through within {WAIT:.0f} s")


def integrity(history: HistoryFile) -> list[tuple[Any, ...]]:
    return history.query("PRAGMA integrity_check")


def test_reply_killed_mid_stream_is_kept_and_marked_interrupted(isolated_home: Path,
                                                                  model_path: Path) -> None:
    history = HistoryFile(isolated_home / "history.sqlite3")
    last_id = 0
    for seed in SEEDS:
        with chat_child(isolated_home, seed) as child:
            seen = wait_for_streaming_growth(history, child, last_id)
            if seen is not None:
                child.process.send_signal(signal.SIGKILL)
            child.process.wait(timeout=WAIT)
        if child.process.returncode == -signal.SIGKILL:
            break
        # The story ended on its own before the kill: try a longer one.
        assert child.process.returncode == 0
        last_id = history.newest_reply(last_id).id  # type: ignore[union-attr]
    else:
        pytest.fail(f"the model finished every story before it could be killed (seeds {SEEDS})")
    assert seen is not None

    # Straight after the crash the reply is still marked as streaming, by a writer now dead.
    stored = history.reply(seen.id)
    assert stored.finish_reason is None
    assert stored.writer is not None
    # Nothing seen before the kill was lost (the child may have saved a little more since),
    # and what was saved is what the user had seen printed.
    assert stored.content.startswith(seen.content)
    assert child.printed().startswith(stored.content)
    assert integrity(history) == [("ok",)]

    # The next start (here the service the window and the CLI both open) marks it interrupted.
    with ChatService.open(app_paths()) as service:
        messages = service.messages(seen.conversation_id)
    assert [m.role for m in messages] == ["user", "assistant"]
    user, reply = messages
    assert user.content == STORY
    assert reply.id == seen.id
    assert reply.finish_reason == "interrupted"
    assert reply.content == stored.content
    assert history.reply(seen.id).writer is None
    assert integrity(history) == [("ok",)]
    # The dead child's instance lock file was swept away, and the service removed its own.
    assert list((isolated_home / INSTANCES_DIR_NAME).iterdir()) == []


def test_cli_started_during_a_live_reply_leaves_that_reply_alone(isolated_home: Path,
                                                                  model_path: Path) -> None:
    history = HistoryFile(isolated_home / "history.sqlite3")
    last_id = 0
    for seed in SEEDS:
        with chat_child(isolated_home, seed) as writer:
            live = wait_for_streaming_growth(history, writer, last_id)
            if live is None:  # the story ended before a second process could look at it
                assert writer.process.returncode == 0
                last_id = history.newest_reply(last_id).id  # type: ignore[union-attr]
                continue

            # A second desktop-llm starts (and runs crash recovery) while the first streams.
            listing = subprocess.run(
                [sys.executable, "-m", "desktop_llm", "conversations", "list"],
                env={**os.environ, "DESKTOP_LLM_HOME": str(isolated_home)},
                capture_output=True, text=True, timeout=WAIT, check=False,
            )
            assert listing.returncode == 0, listing.stderr
            assert listing.stderr == ""
            assert STORY[:30] in listing.stdout

            after = history.reply(live.id)
            if after.finish_reason not in (None, "interrupted"):
                # The first process finished its story meanwhile: inconclusive, try again.
                writer.process.wait(timeout=WAIT)
                last_id = live.id
                continue
            assert after.finish_reason is None, "a live reply was marked interrupted"

            # The first process carries on: either later write-throughs keep landing (they
            # would be refused if the reply had been closed) or it finishes the story itself.
            deadline = time.monotonic() + WAIT
            while True:
                current = history.reply(live.id)
                if current.finish_reason is not None or writer.process.poll() is not None:
                    break
                if len(current.content) > len(after.content):
                    # Still streaming and still saving: only once its writer is really gone
                    # does the reply count as interrupted.
                    writer.process.send_signal(signal.SIGKILL)
                    break
                assert time.monotonic() < deadline, "the live reply stopped being written"
                time.sleep(POLL)
            writer.process.wait(timeout=WAIT)
        break
    else:
        pytest.fail(f"the model finished every story too early (seeds {SEEDS})")

    log = (isolated_home / "logs" / "desktop-llm.log").read_text(encoding="utf-8")
    assert "could not save the reply in progress" not in log
    assert "cut off by a crash" not in log
    if writer.process.returncode == -signal.SIGKILL:
        expected = {"interrupted"}
    else:  # it finished the story on its own just before
        assert writer.process.returncode == 0
        expected = {"stop", "length"}
    with ChatService.open(app_paths()) as service:
        reply = service.messages(live.conversation_id)[-1]
    assert reply.finish_reason in expected
    assert reply.content.startswith(after.content)
    assert integrity(history) == [("ok",)]
