"""HistoryStore.importing(): whole conversations written in one transaction, new ids, kept
times and branches, and records that break the store's rules refused with nothing written."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from desktop_llm.errors import ImportRefusedError
from desktop_llm.storage import HistoryStore, ImportedConversation, ImportedMessage
from tests.storage.conftest import RawDatabase

T0 = datetime(2024, 3, 1, 9, 30, 15, 123456, tzinfo=timezone.utc)


def message(
    key: str, parent: str | None, role: str, content: str, minutes: int = 0, **extra: object
) -> ImportedMessage:
    if role == "assistant":
        extra.setdefault("finish_reason", "stop")
    return ImportedMessage(
        key=key,
        parent_key=parent,
        role=role,
        content=content,
        created_at=T0 + timedelta(minutes=minutes),
        **extra,  # type: ignore[arg-type]
    )


def branched() -> ImportedConversation:
    """q1 -> a1 -> q2 -> {a2 (first version), a2b (regenerated, shown)}; q1 also edited (e1)."""
    return ImportedConversation(
        title="  Imported\n  chat  ",
        created_at=T0,
        updated_at=T0 + timedelta(hours=2),
        model="qwen2.5-7b",
        system_prompt="Be brief.",
        settings={"temperature": 0.5, "stop": ["\n\n"]},
        pinned=True,
        current_leaf_key="a2b",
        messages=(
            message("q1", None, "user", "What is a 大语言模型?"),
            message(
                "a1",
                "q1",
                "assistant",
                "A large model.",
                1,
                reasoning="They asked in Chinese.",
                model="qwen2.5-7b",
                token_count=4,
                prompt_tokens=20,
                completion_tokens=4,
                tokens_per_second=31.5,
                time_to_first_token=0.25,
            ),
            message("q2", "a1", "user", "Shorter?", 2),
            message("a2", "q2", "assistant", "LLM.", 3, finish_reason="length"),
            message("a2b", "q2", "assistant", "An LLM.", 4, context_from_key="q2"),
            message("e1", None, "user", "Edited first question", 5),
        ),
    )


def test_an_imported_conversation_keeps_its_tree_times_and_metadata(store: HistoryStore) -> None:
    before = store.create_conversation("already here")
    store.add_message(before.id, "user", "hello")

    with store.importing() as importer:
        new_id = importer.add(branched())

    conversation = store.get_conversation(new_id)
    assert new_id != before.id
    assert conversation.title == "Imported chat"  # folded like a rename
    assert (conversation.created_at, conversation.updated_at) == (T0, T0 + timedelta(hours=2))
    assert conversation.model == "qwen2.5-7b"
    assert conversation.system_prompt == "Be brief."
    assert conversation.settings == {"temperature": 0.5, "stop": ["\n\n"]}
    assert conversation.pinned

    messages = store.list_messages(new_id)
    assert [m.content for m in messages] == [
        "What is a 大语言模型?",
        "A large model.",
        "Shorter?",
        "LLM.",
        "An LLM.",
        "Edited first question",
    ]
    by_content = {m.content: m for m in messages}
    q1, a1, q2 = (
        by_content["What is a 大语言模型?"],
        by_content["A large model."],
        by_content["Shorter?"],
    )
    a2, a2b, e1 = by_content["LLM."], by_content["An LLM."], by_content["Edited first question"]
    assert (q1.parent_id, a1.parent_id, q2.parent_id) == (None, q1.id, a1.id)
    assert (a2.parent_id, a2b.parent_id, e1.parent_id) == (q2.id, q2.id, None)
    assert a2b.context_from_id == q2.id
    assert conversation.current_leaf_id == a2b.id
    assert (a1.reasoning, a1.model, a1.token_count) == ("They asked in Chinese.", "qwen2.5-7b", 4)
    assert (a1.prompt_tokens, a1.completion_tokens) == (20, 4)
    assert (a1.tokens_per_second, a1.time_to_first_token) == (31.5, 0.25)
    assert (a1.finish_reason, a2.finish_reason, q1.finish_reason) == ("stop", "length", None)
    assert a1.created_at == T0 + timedelta(minutes=1)

    # The branch shown and the versions at each place, as the window sees them.
    branch = store.branch(new_id)
    assert [m.id for m in branch] == [q1.id, a1.id, q2.id, a2b.id]
    assert branch[0].sibling_ids == (q1.id, e1.id)
    assert branch[-1].sibling_ids == (a2.id, a2b.id)

    # The list order uses the kept activity time; the conversation is pinned.
    assert store.list_conversations()[0].id == new_id


def test_imported_text_is_found_by_search(store: HistoryStore) -> None:
    with store.importing() as importer:
        new_id = importer.add(branched())
    [hit] = store.search("大语言模型")
    assert hit.conversation_id == new_id
    assert store.search("regenerated answer") == []
    [hit] = store.search("An LLM")
    assert hit.conversation_id == new_id and hit.role == "assistant"


def test_new_ids_follow_every_id_ever_used_and_later_messages_follow_them(
    store: HistoryStore,
) -> None:
    doomed = store.create_conversation()
    used = [store.add_message(doomed.id, "user", f"m{i}").id for i in range(3)]
    store.delete_conversation(doomed.id)  # AUTOINCREMENT: these ids are never handed out again

    with store.importing() as importer:
        first = importer.add(branched())
        second = importer.add(branched())
    first_ids = [m.id for m in store.list_messages(first)]
    second_ids = [m.id for m in store.list_messages(second)]
    assert min(first_ids) > max(used)
    assert min(second_ids) > max(first_ids)

    shown_leaf = store.get_conversation(second).current_leaf_id
    later = store.add_message(second, "user", "after the import")
    assert later.id > max(second_ids)
    assert later.parent_id == shown_leaf
    assert store.branch(second)[-1].id == later.id


def test_an_empty_conversation_and_a_missing_leaf_key(store: HistoryStore) -> None:
    empty = ImportedConversation(title="", created_at=T0, updated_at=T0, messages=())
    chain = replace(branched(), current_leaf_key=None, pinned=False)
    with store.importing() as importer:
        empty_id = importer.add(empty)
        chain_id = importer.add(chain)
    assert store.get_conversation(empty_id).title == "Untitled"
    assert store.get_conversation(empty_id).current_leaf_id is None
    assert store.list_messages(empty_id) == []
    # No leaf named: the last message listed is shown.
    assert store.branch(chain_id)[-1].content == "Edited first question"


def _counts(raw: RawDatabase) -> tuple[int, int, int]:
    [(conversations,)] = raw.query("SELECT count(*) FROM conversations")
    [(messages,)] = raw.query("SELECT count(*) FROM messages")
    [(indexed,)] = raw.query("SELECT count(*) FROM messages_fts")
    return conversations, messages, indexed


BROKEN = {
    "unknown role": lambda c: replace(
        c, messages=(*c.messages, message("x", None, "tool", "called"))
    ),
    "reply without finish": lambda c: replace(
        c, messages=(*c.messages, message("x", None, "assistant", "", finish_reason=None))
    ),
    "unknown finish": lambda c: replace(
        c, messages=(*c.messages, message("x", None, "assistant", "", finish_reason="done"))
    ),
    "duplicate key": lambda c: replace(
        c, messages=(*c.messages, message("q1", None, "user", "again"))
    ),
    "parent listed later": lambda c: replace(
        c, messages=(message("x", "q1", "user", "early"), *c.messages)
    ),
    "self parent": lambda c: replace(c, messages=(*c.messages, message("x", "x", "user", "me"))),
    "context from a later message": lambda c: replace(
        c, messages=(message("x", None, "user", "", context_from_key="q1"), *c.messages)
    ),
    "unknown leaf": lambda c: replace(c, current_leaf_key="nowhere"),
    "naive time": lambda c: replace(c, updated_at=datetime(2024, 1, 1)),
    "naive message time": lambda c: replace(
        c, messages=(*c.messages, replace(c.messages[0], key="x", created_at=datetime(2024, 1, 1)))
    ),
    "settings JSON cannot hold": lambda c: replace(c, settings={"when": T0}),
    "negative tokens": lambda c: replace(
        c, messages=(*c.messages, message("x", None, "user", "", token_count=-1))
    ),
    "text that is not text": lambda c: replace(
        c,
        messages=(*c.messages, message("x", None, "user", 42)),  # type: ignore[arg-type]
    ),
    "nan speed": lambda c: replace(
        c,
        messages=(*c.messages, message("x", None, "assistant", "", tokens_per_second=float("nan"))),
    ),
}


@pytest.mark.parametrize("breakage", BROKEN, ids=list(BROKEN))
def test_a_broken_record_refuses_the_whole_file_and_writes_nothing(
    store: HistoryStore, raw: RawDatabase, breakage: str
) -> None:
    kept = store.create_conversation("kept")
    store.add_message(kept.id, "user", "untouched")
    before = _counts(raw)

    with pytest.raises(ImportRefusedError) as refused, store.importing() as importer:
        importer.add(branched())  # a good one first: it must go too
        importer.add(BROKEN[breakage](branched()))

    reason = str(refused.value)
    assert "\n" not in reason and reason.endswith(".")
    assert reason.startswith("Conversation 'Imported chat'")
    assert _counts(raw) == before
    assert [c.title for c in store.list_conversations()] == ["kept"]
    # The store is still usable, and ids continue as if nothing happened.
    with store.importing() as importer:
        importer.add(branched())
    assert _counts(raw)[0] == before[0] + 1


def test_any_exception_inside_the_block_rolls_back(store: HistoryStore, raw: RawDatabase) -> None:
    before = _counts(raw)
    with pytest.raises(KeyboardInterrupt), store.importing() as importer:
        for _ in range(3):
            importer.add(branched())
        raise KeyboardInterrupt
    assert _counts(raw) == before


def test_a_large_import_goes_in_batches_and_whole(store: HistoryStore, raw: RawDatabase) -> None:
    # More messages than one executemany batch, in one long chain.
    chain = tuple(
        message(
            f"m{i}", f"m{i - 1}" if i else None, "user" if i % 2 == 0 else "assistant", f"turn {i}"
        )
        for i in range(2_500)
    )
    conversation = ImportedConversation(title="long", created_at=T0, updated_at=T0, messages=chain)
    with store.importing() as importer:
        new_id = importer.add(conversation)
    branch = store.branch(new_id)
    assert len(branch) == 2_500
    assert branch[-1].content == "turn 2499"
    assert all(b.parent_id == a.id for a, b in itertools.pairwise(branch))
    assert _counts(raw)[2] == 2_500
