"""Our own JSON document read back strictly: versions, types, the message tree's integrity."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from desktop_llm.chat.service import ChatService
from desktop_llm.errors import ImportRefusedError
from desktop_llm.storage import HistoryStore
from desktop_llm.transcripts.json_export import conversation_document
from tests.transcripts.import_samples import service, write_json
from tests.transcripts.samples import TITLE, rich_conversation, transcript

__all__ = ["service"]  # the fixture


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A real export: Chinese, reasoning, metrics, a regenerated reply and an edited question."""
    folder = tmp_path_factory.mktemp("source")
    with HistoryStore.open(folder / "history.db") as store:
        sample = rich_conversation(store)
        return conversation_document(transcript(store, sample.conversation_id))


def test_a_document_imports_with_its_tree(
    service: ChatService, tmp_path: Path, document: dict[str, Any]
) -> None:
    report = service.import_file(write_json(tmp_path / "对话.json", document))
    assert report.kind == "desktop-llm conversation"
    assert report.summary() == "Imported 1 conversation from 对话.json (desktop-llm conversation)."
    conversation = service.conversation(report.conversation_ids[0])
    assert conversation.title == TITLE
    assert len(service.messages(conversation.id)) == len(document["messages"])
    shown = [m.content for m in service.branch(conversation.id)]
    by_id = {m["id"]: m for m in document["messages"]}
    expected: list[str] = []
    leaf = document["conversation"]["current_leaf_id"]
    while leaf is not None:
        expected.insert(0, by_id[leaf]["content"])
        leaf = by_id[leaf]["parent_id"]
    assert shown == expected


def test_messages_listed_children_first_are_put_in_order(
    service: ChatService, tmp_path: Path, document: dict[str, Any]
) -> None:
    shuffled = copy.deepcopy(document)
    shuffled["messages"].reverse()
    report = service.import_file(write_json(tmp_path / "reversed.json", shuffled))
    imported = service.messages(report.conversation_ids[0])
    # Parents before children, and each place's versions still oldest first.
    assert [m.content for m in imported] == [m["content"] for m in document["messages"]]


def test_a_reply_exported_while_streaming_comes_back_interrupted(
    service: ChatService, tmp_path: Path, document: dict[str, Any]
) -> None:
    streaming = copy.deepcopy(document)
    streaming["messages"][-1]["finish_reason"] = None
    report = service.import_file(write_json(tmp_path / "streaming.json", streaming))
    last = service.messages(report.conversation_ids[0])[-1]
    assert last.role == "assistant" and last.finish_reason == "interrupted"


def _message(doc: dict[str, Any], index: int) -> dict[str, Any]:
    return doc["messages"][index]


BROKEN: dict[str, tuple[Callable[[dict[str, Any]], object], str]] = {
    "newer version": (
        lambda d: d.update(version=2),
        "was written by a newer desktop-llm "
        "(conversation format version 2; this one reads up to version 1)",
    ),
    "version zero": (lambda d: d.update(version=0), "unknown conversation format version, 0"),
    "version text": (lambda d: d.update(version="1"), '"version" must be a whole number'),
    "wrong format": (
        lambda d: d.update(format="desktop-llm-conversation-x"),
        "is a desktop-llm file of a kind this version does not know",
    ),
    "messages object": (
        lambda d: d.update(messages={}),
        '"messages" must be a list, not an object',
    ),
    "title number": (lambda d: d["conversation"].update(title=7), '"title" must be text'),
    "pinned text": (lambda d: d["conversation"].update(pinned="yes"), '"pinned" must be true'),
    "settings list": (
        lambda d: d["conversation"].update(settings=[]),
        '"settings" must be an object',
    ),
    "deep settings": (
        lambda d: d["conversation"].update(settings=_nested(40)),
        "nests more than 32 levels deep",
    ),
    "no offset": (
        lambda d: d["conversation"].update(created_at="2024-01-01T10:00:00"),
        '"created_at" has no offset from UTC',
    ),
    "bad time": (
        lambda d: d["conversation"].update(updated_at="yesterday"),
        '"updated_at" is not an ISO 8601 time',
    ),
    "unknown role": (
        lambda d: _message(d, 0).update(role="tool"),
        '"role" must be one of system, user, assistant',
    ),
    "unknown finish": (
        lambda d: _message(d, 1).update(finish_reason="done"),
        '"finish_reason" must be one of null, stop',
    ),
    "id boolean": (lambda d: _message(d, 0).update(id=True), '"id" must be a whole number'),
    "negative tokens": (
        lambda d: _message(d, 1).update(prompt_tokens=-5),
        '"prompt_tokens" must be a whole number of at least 0',
    ),
    "speed text": (
        lambda d: _message(d, 1).update(tokens_per_second="fast"),
        '"tokens_per_second" must be a number of at least 0',
    ),
    "missing field": (lambda d: _message(d, 1).pop("reasoning"), '"reasoning" is missing'),
    "duplicate id": (
        lambda d: _message(d, 2).update(id=_message(d, 1)["id"]),
        "two messages have the id",
    ),
    "self parent": (
        lambda d: _message(d, 1).update(parent_id=_message(d, 1)["id"]),
        "is its own parent",
    ),
    "cycle": (
        lambda d: _message(d, 0).update(parent_id=_message(d, 2)["id"]),
        "is its own ancestor (the tree has a cycle)",
    ),
    "missing parent": (
        lambda d: _message(d, 1).update(parent_id=99999),
        "follows message 99999, which the file does not hold",
    ),
    "missing leaf": (
        lambda d: d["conversation"].update(current_leaf_id=99999),
        "the message shown (99999) is not among the file's messages",
    ),
    "missing context": (
        lambda d: _message(d, 1).update(context_from_id=99999),
        "starts its context at message 99999",
    ),
    "enormous content": (
        lambda d: _message(d, 0).update(content="x" * 8_000_001),
        '"content" is 8,000,001 characters long, more than the 8,000,000',
    ),
    "enormous title": (
        lambda d: d["conversation"].update(title="t" * 10_001),
        '"title" is 10,001 characters long',
    ),
}


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize("breakage", BROKEN, ids=list(BROKEN))
def test_a_broken_document_is_refused_with_one_line(
    service: ChatService, tmp_path: Path, document: dict[str, Any], breakage: str
) -> None:
    change, reason = BROKEN[breakage]
    broken = copy.deepcopy(document)
    change(broken)
    path = write_json(tmp_path / "broken.json", broken)

    with pytest.raises(ImportRefusedError) as refused:
        service.import_file(path)

    message = str(refused.value)
    assert reason in message, message
    assert message.startswith("broken.json") and "\n" not in message and len(message) < 400
    assert service.conversations() == []


def test_a_list_of_documents_is_one_file(
    service: ChatService, tmp_path: Path, document: dict[str, Any]
) -> None:
    path = tmp_path / "several.json"
    path.write_text(json.dumps([document, document]), encoding="utf-8")
    report = service.import_file(path)
    assert len(report.conversation_ids) == 2
    assert report.kind == "desktop-llm conversation"
