"""The backup zip: a manifest and one valid document per conversation, written one at a time."""

from __future__ import annotations

import gc
import json
import weakref
import zipfile
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from desktop_llm.storage import HistoryStore
from desktop_llm.transcripts.backup_export import MANIFEST_NAME, entry_name, write_backup
from desktop_llm.transcripts.json_export import BACKUP_FORMAT_NAME, schema
from desktop_llm.transcripts.transcript import Transcript
from tests.transcripts.samples import open_store, rich_conversation, transcript

DOCUMENT = jsonschema.Draft202012Validator(schema())
MANIFEST = jsonschema.Draft202012Validator(
    {"$defs": schema()["$defs"], "$ref": "#/$defs/backup_manifest"}
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    with open_store(tmp_path / "data") as opened:
        yield opened


def test_every_conversation_is_one_valid_document_and_the_manifest_counts_them(
    store: HistoryStore, tmp_path: Path
) -> None:
    ids = [rich_conversation(store).conversation_id for _ in range(3)]
    ids.append(store.create_conversation("空的对话").id)
    calls: list[tuple[int, int]] = []
    target = tmp_path / "backup.zip"

    count = write_backup(
        target, ids, lambda i: transcript(store, i), lambda done, total: calls.append((done, total))
    )

    assert count == 4
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    with zipfile.ZipFile(target) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert sorted(names) == sorted([MANIFEST_NAME, *(entry_name(n) for n in range(1, 5))])
        manifest = json.loads(archive.read(MANIFEST_NAME))
        MANIFEST.validate(manifest)
        assert manifest["format"] == BACKUP_FORMAT_NAME and manifest["conversations"] == 4
        documents = [json.loads(archive.read(entry_name(n))) for n in range(1, 5)]
    for document, conversation_id in zip(documents, ids, strict=True):
        DOCUMENT.validate(document)
        assert document["conversation"]["id"] == conversation_id
        assert len(document["messages"]) == len(store.list_messages(conversation_id))
        assert document["exported_at"] == manifest["exported_at"]
    assert documents[3]["conversation"]["title"] == "空的对话"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_conversation_deleted_meanwhile_is_left_out(
    store: HistoryStore, tmp_path: Path
) -> None:
    ids = [rich_conversation(store).conversation_id for _ in range(3)]
    store.delete_conversation(ids[1])

    count = write_backup(tmp_path / "b.zip", ids, lambda i: transcript(store, i))

    assert count == 2
    with zipfile.ZipFile(tmp_path / "b.zip") as archive:
        assert json.loads(archive.read(MANIFEST_NAME))["conversations"] == 2
        kept = [json.loads(archive.read(entry_name(n)))["conversation"]["id"] for n in (1, 2)]
    assert kept == [ids[0], ids[2]]


def test_only_one_conversation_is_held_at_a_time(store: HistoryStore, tmp_path: Path) -> None:
    ids = [rich_conversation(store).conversation_id for _ in range(4)]
    earlier: list[weakref.ref[Transcript]] = []

    def load(conversation_id: int) -> Transcript:
        gc.collect()
        # Every conversation loaded before is already written out and let go.
        assert all(ref() is None for ref in earlier)
        loaded = transcript(store, conversation_id)
        earlier.append(weakref.ref(loaded))
        return loaded

    assert write_backup(tmp_path / "b.zip", ids, load) == 4
    assert len(earlier) == 4


def test_a_failure_midway_leaves_the_previous_backup_untouched(
    store: HistoryStore, tmp_path: Path
) -> None:
    ids = [rich_conversation(store).conversation_id for _ in range(3)]
    target = tmp_path / "b.zip"
    target.write_bytes(b"the previous backup")

    def load(conversation_id: int) -> Transcript:
        if conversation_id == ids[2]:
            raise RuntimeError("the database went away")
        return transcript(store, conversation_id)

    with pytest.raises(RuntimeError):
        write_backup(target, ids, load)
    assert target.read_bytes() == b"the previous backup"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.zip", "data"]
