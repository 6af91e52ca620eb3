"""ChatService in-process on the real model and a real history file.

A second ``HistoryStore`` opened on the same file plays the part of another reader (the
window's list, another process) and sees only what the service has really committed.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import wait
from contextlib import closing
from pathlib import Path

import pytest

from desktop_llm.bundled_model import DEFAULT_MODEL
from desktop_llm.chat import GenerationParams, MessageRecord
from desktop_llm.chat.service import ChatService, Reply
from desktop_llm.errors import (
    ConversationDeletedError,
    ConversationNotFoundError,
    DesktopLLMError,
    ModelLoadError,
    NoModelLoadedError,
)
from desktop_llm.paths import AppPaths
from desktop_llm.storage import HistoryStore
from tests.chat.conftest import TIMEOUT
from tests.chat.streaming_checks import late_save
from tests.gguf_files import truncated_copy

QUESTION = "What is the capital of France?"
STORY = "Write a very long story about a dragon who learns to bake bread."
SHORT = GenerationParams(seed=7, max_tokens=16)
# A few seeds in case the model ends a story sooner than a test needs; it rarely does.
STORY_SEEDS = (1, 2, 3, 4, 5)


def poll(condition: Callable[[], bool], timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


@pytest.fixture
def observer(paths: AppPaths, service: ChatService) -> Iterator[HistoryStore]:
    """Another reader of the same history file."""
    with HistoryStore.open(paths.database) as store:
        yield store


def finish(reply: Reply) -> MessageRecord:
    return reply.done.result(timeout=TIMEOUT)


def test_send_creates_a_conversation_titled_from_the_message(service: ChatService) -> None:
    reply = service.send(None, f"{QUESTION}\nAnswer in one word.", params=SHORT)
    finish(reply)
    [conversation] = service.conversations()
    assert conversation.id == reply.conversation.id
    assert conversation.title == QUESTION  # the first line only
    assert conversation.model == DEFAULT_MODEL.name
    assert conversation.settings == SHORT.to_dict()
    assert conversation.system_prompt == service.settings.system_prompt
    messages = service.messages(conversation.id)
    assert [m.role for m in messages] == ["user", "assistant"]
    assert messages[0].content == f"{QUESTION}\nAnswer in one word."


def test_question_and_empty_reply_are_saved_before_the_first_token(
    service: ChatService, observer: HistoryStore
) -> None:
    seen_at_first_piece: list[list[MessageRecord]] = []
    failures: list[BaseException] = []

    def on_text(_piece: str) -> None:
        if seen_at_first_piece or failures:
            return
        try:
            [conversation] = observer.list_conversations()
            seen_at_first_piece.append(observer.list_messages(conversation.id))
        except BaseException as error:  # reported on the test thread below
            failures.append(error)

    reply = service.send(None, QUESTION, params=SHORT, on_text=on_text)
    record = finish(reply)
    assert failures == []
    assert len(seen_at_first_piece) == 1
    question, streaming = seen_at_first_piece[0]
    assert (question.id, question.role, question.content) == (
        reply.user_message.id, "user", QUESTION,
    )
    assert (streaming.id, streaming.role, streaming.content) == (reply.message.id, "assistant", "")
    assert streaming.streaming and streaming.finish_reason is None
    assert streaming.model == DEFAULT_MODEL.name
    assert record.id == streaming.id and record.content


def test_finished_reply_has_its_text_and_statistics(
    service: ChatService, observer: HistoryStore
) -> None:
    pieces: list[str] = []
    reply = service.send(None, QUESTION, params=SHORT, on_text=pieces.append)
    record = finish(reply)
    assert record.finish_reason in ("stop", "length")
    assert record.error is None
    assert record.content == "".join(pieces) and record.content.strip()
    assert record.model == DEFAULT_MODEL.name
    assert record.prompt_tokens is not None and record.prompt_tokens > 0
    assert record.completion_tokens is not None and 0 < record.completion_tokens <= 16
    assert record.tokens_per_second is not None and record.tokens_per_second > 0
    assert record.time_to_first_token is not None and record.time_to_first_token > 0
    # What the caller got is what is on disk.
    assert observer.list_messages(reply.conversation.id)[-1] == record


def test_reply_is_written_through_while_it_streams(
    service: ChatService, observer: HistoryStore
) -> None:
    for seed in STORY_SEEDS:
        arrivals: list[float] = []  # when each piece reached on_text, on the engine thread
        reply = service.send(
            None, STORY, params=GenerationParams(seed=seed, max_tokens=3000),
            on_text=lambda _piece, arrivals=arrivals: arrivals.append(time.monotonic()),
        )
        snapshots: list[str] = []
        last_change = started = time.monotonic()
        while not reply.done.done() and len(snapshots) < 3:
            now = time.monotonic()
            stored = observer.list_messages(reply.conversation.id)[-1]
            if (
                stored.finish_reason is None
                and stored.content
                and (not snapshots or stored.content != snapshots[-1])
            ):
                snapshots.append(stored.content)
                last_change = now
            unsaved_for = late_save(arrivals, last_change, now)
            if unsaved_for is not None or now - started > TIMEOUT:
                reply.cancel()
                finish(reply)
                pytest.fail(f"the streaming reply was not saved for {unsaved_for or TIMEOUT:.1f} s")
            time.sleep(0.02)
        reply.cancel()
        record = finish(reply)
        if len(snapshots) == 3:
            break
        assert record.finish_reason in ("stop", "length")  # ended early: try a longer story
    else:
        pytest.fail(f"every story ended before it was written through three times {STORY_SEEDS}")

    # Three different saved states while streaming, each one extending the last.
    assert len(snapshots[0]) < len(snapshots[1]) < len(snapshots[2])
    for earlier in snapshots:
        assert record.content.startswith(earlier)
    assert record.finish_reason == "cancelled"


def test_cancel_keeps_the_partial_reply(service: ChatService, observer: HistoryStore) -> None:
    pieces: list[str] = []
    enough = threading.Event()
    release = threading.Event()

    def on_text(piece: str) -> None:
        pieces.append(piece)
        if len(pieces) == 6:
            enough.set()
            release.wait(10)  # hold the engine until cancel() has been called

    reply = service.send(
        None, STORY, params=GenerationParams(seed=1, max_tokens=3000), on_text=on_text
    )
    assert enough.wait(TIMEOUT)
    reply.cancel()
    release.set()
    record = finish(reply)
    assert record.finish_reason == "cancelled"
    assert record.error is None
    assert record.content == "".join(pieces)
    assert len(pieces) == 6  # stopped at the next token
    assert observer.list_messages(reply.conversation.id)[-1].content == record.content


def test_sending_without_a_model_is_refused_and_saves_nothing(paths: AppPaths) -> None:
    with ChatService.open(paths) as service:
        assert service.current_model is None
        with pytest.raises(NoModelLoadedError):
            service.send(None, QUESTION)
        assert service.conversations() == []

        conversation = service.new_conversation()
        with pytest.raises(NoModelLoadedError):
            service.send(conversation.id, QUESTION)
        assert service.messages(conversation.id) == []
        assert service.conversation(conversation.id).title == conversation.title


def test_sending_after_a_failed_load_is_refused_and_saves_nothing(
    paths: AppPaths, model_path: Path, tmp_path: Path
) -> None:
    broken = truncated_copy(model_path, tmp_path / "broken.gguf", 0.5)
    with ChatService.open(paths) as service:
        with pytest.raises(ModelLoadError):
            service.load_model(broken).result(timeout=TIMEOUT)
        # The service forgets the model in a done-callback, which may run a moment after
        # result() has raised.
        poll(lambda: service.current_model is None)
        with pytest.raises(NoModelLoadedError):
            service.send(None, QUESTION)
        assert service.conversations() == []


def test_empty_message_is_refused_and_saves_nothing(service: ChatService) -> None:
    conversation = service.new_conversation()
    for text in ("", "   ", " \n\t "):
        with pytest.raises(DesktopLLMError, match="empty"):
            service.send(conversation.id, text)
        with pytest.raises(DesktopLLMError, match="empty"):
            service.send(None, text)
    assert service.messages(conversation.id) == []
    assert [c.id for c in service.conversations()] == [conversation.id]


def test_second_turn_prompt_includes_the_first_turn(service: ChatService) -> None:
    first = finish(service.send(None, "My name is Ada. Please remember it.", params=SHORT))
    second_reply = service.send(first.conversation_id, "What is my name?", params=SHORT)
    second = finish(second_reply)
    alone = finish(service.send(None, "What is my name?", params=SHORT))

    assert second.conversation_id == first.conversation_id
    assert first.prompt_tokens and second.prompt_tokens and alone.prompt_tokens
    assert second.prompt_tokens > first.prompt_tokens
    # The same question with no history before it makes a much shorter prompt.
    assert second.prompt_tokens > alone.prompt_tokens + first.completion_tokens // 2
    messages = service.messages(first.conversation_id)
    assert [m.role for m in messages] == ["user", "assistant", "user", "assistant"]
    assert messages[1] == first and messages[3] == second
    assert second_reply.conversation.title == "My name is Ada. Please remember it."


def test_deleting_a_conversation_removes_it_and_its_messages(
    service: ChatService, paths: AppPaths
) -> None:
    doomed = finish(service.send(None, "Hello there", params=SHORT)).conversation_id
    kept = finish(service.send(None, QUESTION, params=SHORT)).conversation_id

    service.delete_conversation(doomed)

    assert [c.id for c in service.conversations()] == [kept]
    with pytest.raises(ConversationNotFoundError):
        service.conversation(doomed)
    with pytest.raises(ConversationNotFoundError):
        service.messages(doomed)
    with pytest.raises(ConversationNotFoundError):
        service.delete_conversation(doomed)
    with closing(sqlite3.connect(paths.database)) as db:
        orphans = db.execute(
            "SELECT count(*) FROM messages WHERE conversation_id = ?", (doomed,)
        ).fetchone()
    assert orphans == (0,)
    assert [m.role for m in service.messages(kept)] == ["user", "assistant"]


def test_deleting_a_conversation_while_its_reply_streams(
    service: ChatService, paths: AppPaths
) -> None:
    started = threading.Event()
    reply = service.send(
        None, STORY, params=GenerationParams(seed=1, max_tokens=3000),
        on_text=lambda _piece: started.set(),
    )
    assert started.wait(TIMEOUT)
    service.delete_conversation(reply.conversation.id)  # stops the reply by itself

    # The reply ends (it does not wait forever), quietly, and nothing of the conversation
    # comes back.
    wait([reply.done], timeout=TIMEOUT)
    assert reply.done.done()
    assert isinstance(reply.done.exception(), ConversationDeletedError)
    assert reply.generation.future.result().finish_reason == "cancelled"
    assert service.conversations() == []
    with closing(sqlite3.connect(paths.database)) as db:
        assert db.execute("SELECT count(*) FROM messages").fetchone() == (0,)
    # The service is still usable.
    assert finish(service.send(None, QUESTION, params=SHORT)).content


def test_open_marks_replies_of_dead_writers_interrupted(paths: AppPaths) -> None:
    paths.ensure()
    with HistoryStore.open(paths.database) as crashed:
        conversation = crashed.create_conversation("crashed")
        crashed.add_message(conversation.id, "user", "Tell me a story")
        cut_off = crashed.start_reply(conversation.id, model="tiny")
        crashed.update_reply(cut_off.id, "Once upon a time")
    # That store's instance is gone now, exactly as if its process had died.

    with HistoryStore.open(paths.database) as alive:
        other = alive.create_conversation("still streaming")
        streaming = alive.start_reply(other.id, model="tiny")
        alive.update_reply(streaming.id, "Chapter one")

        with ChatService.open(paths) as service:
            [_question, recovered] = service.messages(conversation.id)
            [still_live] = service.messages(other.id)

        # The live writer carries on and finishes its own reply.
        alive.update_reply(streaming.id, "Chapter one, chapter two")
        done = alive.finish_reply(streaming.id, content="Chapter one, chapter two",
                                  finish_reason="stop")

    assert recovered.finish_reason == "interrupted"
    assert recovered.content == "Once upon a time"
    assert still_live.finish_reason is None and still_live.content == "Chapter one"
    assert done.finish_reason == "stop"
