"""Export to JSON, import into a fresh history, export again: the same trees (structure,
text, metadata, the branch shown), ids aside. Also through the backup zip."""

from __future__ import annotations

import copy
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from desktop_llm.chat.service import ChatService
from desktop_llm.paths import HOME_ENV, AppPaths, app_paths
from desktop_llm.storage import HistoryStore
from desktop_llm.transcripts.backup_export import MANIFEST_NAME
from tests.transcripts.samples import rich_conversation


def build_history(store: HistoryStore) -> None:
    """Branches, reasoning, metrics, Chinese, pins, settings, every way a reply ends."""
    rich_conversation(store)

    older = rich_conversation(store)
    store.select_branch(older.conversation_id, older.hidden[0].id)  # an older version shown

    pinned = store.create_conversation(
        "  Settings, pins and endings 设置  ",
        model="/models/llama-3.2-1b-instruct-q8_0.gguf",
        system_prompt="Answer in one line.\nNever in two.",
        settings={"temperature": 0.2, "seed": None, "nested": {"list": [1, 2.5, None, "三"]}},
    )
    store.set_pinned(pinned.id, True)
    question = store.add_message(pinned.id, "user", "What fails?")
    failed = store.start_reply(pinned.id, model="tiny")
    store.finish_reply(
        failed.id, content="Partial", finish_reason="error", error="llama_decode returned -3"
    )
    cancelled = store.start_reply(pinned.id, model="tiny", parent_id=question.id)
    store.finish_reply(
        cancelled.id,
        content="Stopped by the user",
        finish_reason="cancelled",
        context_from_id=question.id,
        tokens_per_second=1e-7,
        time_to_first_token=0.0,
    )
    instruction = store.add_message(pinned.id, "system", "From now on, formal.")
    follow_up = store.add_message(pinned.id, "user", "Again, please 🙏")
    store.set_token_counts({question.id: 4, instruction.id: 6, follow_up.id: 5})
    # Cut off by a crash: marked interrupted when the history is next opened.
    streaming = store.start_reply(pinned.id, model="tiny")
    store.update_reply(streaming.id, "Half a sent", completion_tokens=3, reasoning="Thinking…")

    store.create_conversation("Empty")


def normalized(document: dict[str, Any]) -> dict[str, Any]:
    """The document with its ids replaced by positions and its export time removed."""
    document = copy.deepcopy(document)
    position = {message["id"]: n for n, message in enumerate(document["messages"])}

    def at(message_id: int | None) -> int | None:
        return None if message_id is None else position[message_id]

    for message in document["messages"]:
        message["id"] = at(message["id"])
        message["parent_id"] = at(message["parent_id"])
        message["context_from_id"] = at(message["context_from_id"])
    conversation = document["conversation"]
    conversation["id"] = None
    conversation["current_leaf_id"] = at(conversation["current_leaf_id"])
    document["exported_at"] = None
    return document


def read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[AppPaths]:
    """Three separate data folders: the original history and two fresh ones."""
    found = []
    for name in ("original", "from-json", "from-backup"):
        monkeypatch.setenv(HOME_ENV, str(tmp_path / name))
        found.append(app_paths().ensure())
    return found


def test_json_export_import_export_gives_identical_trees(
    homes: list[AppPaths], tmp_path: Path
) -> None:
    original, fresh, _ = homes
    for folder in ("first", "second"):
        (tmp_path / folder).mkdir()
    with HistoryStore.open(original.database) as store:
        build_history(store)
    with ChatService.open(original) as service:
        ids = sorted(c.id for c in service.conversations())
        first = [service.export([i], "json", tmp_path / "first" / f"{i}.json")[0] for i in ids]
    assert len(first) == 4

    with ChatService.open(fresh) as service:
        imported = [service.import_file(path).conversation_ids[0] for path in first]
        second = [
            service.export([i], "json", tmp_path / "second" / f"{i}.json")[0] for i in imported
        ]

    for before, after in zip(first, second, strict=True):
        one, two = read(before), read(after)
        assert normalized(one) == normalized(two)
        # Proof the comparison sees something: new ids, the same times.
        assert one["conversation"]["updated_at"] == two["conversation"]["updated_at"]
    shapes = [normalized(read(path)) for path in first]
    # The original trees hold what the test meant them to: nothing trivially equal.
    assert shapes[1]["conversation"]["current_leaf_id"] == 1  # the older version shown
    assert shapes[2]["conversation"]["pinned"] is True
    assert [m["finish_reason"] for m in shapes[2]["messages"] if m["role"] == "assistant"] == [
        "error",
        "cancelled",
        "interrupted",
    ]
    assert shapes[2]["messages"][2]["context_from_id"] == 0
    assert shapes[3]["messages"] == []


def test_backup_import_backup_gives_identical_trees(homes: list[AppPaths], tmp_path: Path) -> None:
    original, _, fresh = homes
    with HistoryStore.open(original.database) as store:
        build_history(store)
    first, second = tmp_path / "first.zip", tmp_path / "second.zip"
    with ChatService.open(original) as service:
        assert service.backup(first) == 4
    with ChatService.open(fresh) as service:
        report = service.import_file(first)
        assert report.summary() == "Imported 4 conversations from first.zip (desktop-llm backup)."
        assert service.backup(second) == 4

    with zipfile.ZipFile(first) as one, zipfile.ZipFile(second) as two:
        assert sorted(one.namelist()) == sorted(two.namelist())
        for name in one.namelist():
            a, b = json.loads(one.read(name)), json.loads(two.read(name))
            if name == MANIFEST_NAME:
                assert a["conversations"] == b["conversations"] == 4
                continue
            assert normalized(a) == normalized(b), name
