"""Our JSON document: every branch, the settings and metrics, valid against its shipped schema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jsonschema
import pytest

from desktop_llm import __version__
from desktop_llm.errors import ExportError
from desktop_llm.storage import HistoryStore
from desktop_llm.transcripts.json_export import (
    FORMAT_NAME,
    FORMAT_VERSION,
    SCHEMA_FILE,
    conversation_document,
    iso_time,
    schema,
    to_json,
)
from desktop_llm.transcripts.transcript import Transcript
from tests.transcripts.samples import (
    ANSWER,
    QUESTION,
    REASONING,
    SETTINGS,
    SYSTEM_PROMPT,
    TITLE,
    open_store,
    rich_conversation,
    transcript,
)

VALIDATOR = jsonschema.Draft202012Validator(
    schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    with open_store(tmp_path / "data") as opened:
        yield opened


def test_the_document_holds_every_branch_with_its_metrics_and_is_valid(
    store: HistoryStore,
) -> None:
    sample = rich_conversation(store)
    exported = transcript(store, sample.conversation_id)
    text = to_json(exported)
    document = json.loads(text)

    VALIDATOR.validate(document)
    assert document["format"] == FORMAT_NAME and document["version"] == FORMAT_VERSION
    assert document["app_version"] == __version__
    conversation = document["conversation"]
    assert conversation["title"] == TITLE
    assert conversation["system_prompt"] == SYSTEM_PROMPT
    assert conversation["settings"] == SETTINGS
    assert conversation["current_leaf_id"] == sample.shown[-1].id

    # Every branch, parents before children, exactly the store's messages.
    stored = store.list_messages(sample.conversation_id)
    assert [m["id"] for m in document["messages"]] == [m.id for m in stored]
    assert {m.id for m in (*sample.shown, *sample.hidden)} == {m.id for m in stored}
    seen: set[int] = set()
    for message in document["messages"]:
        assert message["parent_id"] is None or message["parent_id"] in seen
        seen.add(message["id"])

    by_id = {m["id"]: m for m in document["messages"]}
    question, answer = by_id[sample.shown[0].id], by_id[sample.shown[1].id]
    assert question["content"] == QUESTION and question["role"] == "user"
    assert answer["content"] == ANSWER and answer["reasoning"] == REASONING
    assert answer["prompt_tokens"] == 57 and answer["completion_tokens"] == 128
    assert answer["tokens_per_second"] == 23.46 and answer["time_to_first_token"] == 0.412
    assert answer["finish_reason"] == "stop"
    assert by_id[sample.shown[-1].id]["finish_reason"] == "length"
    # Times exactly as stored (microseconds, UTC).
    assert answer["created_at"] == iso_time(sample.shown[1].created_at)
    assert datetime.fromisoformat(answer["created_at"]) == sample.shown[1].created_at
    # Chinese and emoji written as themselves, not \\u escapes.
    assert "请比较 Rust 和 Python 的内存管理 🙂" in text and "\\u" not in text


def test_times_are_utc_with_microseconds_whatever_the_zone() -> None:
    moment = datetime(2025, 3, 4, 5, 6, 7, 8, tzinfo=timezone(timedelta(hours=8)))
    assert iso_time(moment) == "2025-03-03T21:06:07.000008+00:00"
    assert iso_time(datetime(2025, 3, 4, 5, 6, 7)) == "2025-03-04T05:06:07.000000+00:00"


def test_the_schema_refuses_what_is_not_our_document(store: HistoryStore) -> None:
    sample = rich_conversation(store)
    document = conversation_document(transcript(store, sample.conversation_id))
    broken = [
        {**document, "version": 2},
        {**document, "format": "something-else"},
        {**document, "messages": [{**document["messages"][0], "role": "tool"}]},
        {**document, "messages": [{**document["messages"][1], "finish_reason": "done"}]},
        {**document, "messages": [{**document["messages"][0], "id": "1"}]},
        {**document, "conversation": {**document["conversation"], "created_at": "yesterday"}},
        {**document, "extra": True},
    ]
    for wrong in broken:
        assert not VALIDATOR.is_valid(wrong), wrong
    without = dict(document)
    del without["messages"]
    assert not VALIDATOR.is_valid(without)


def test_the_schema_is_in_the_repository_and_in_the_package() -> None:
    in_repository = Path(__file__).parents[2] / "desktop_llm/resources/schemas" / SCHEMA_FILE
    assert json.loads(in_repository.read_text(encoding="utf-8")) == schema()
    jsonschema.Draft202012Validator.check_schema(schema())


def test_an_empty_conversation_is_a_valid_document(store: HistoryStore) -> None:
    conversation = store.create_conversation("空")
    document = conversation_document(Transcript(conversation, ()))
    VALIDATOR.validate(document)
    assert document["messages"] == [] and document["conversation"]["current_leaf_id"] is None


def test_numbers_json_cannot_hold(store: HistoryStore) -> None:
    sample = rich_conversation(store)
    exported = transcript(store, sample.conversation_id)
    # An infinite rate (a reply timed at zero seconds) is written as unknown, not as Infinity.
    messages = tuple(replace(m, tokens_per_second=float("inf")) for m in exported.messages)
    document = json.loads(to_json(Transcript(exported.conversation, messages)))
    VALIDATOR.validate(document)
    assert {m["tokens_per_second"] for m in document["messages"]} == {None}
    # A setting that is not a number JSON knows is refused with a sentence.
    odd = replace(exported.conversation, settings={"temperature": float("nan")})
    with pytest.raises(ExportError, match="settings"):
        to_json(Transcript(odd, exported.messages))
