"""Searching the history: literal text, Chinese, Japanese and emoji, titles, snippets."""

from __future__ import annotations

import pytest

from desktop_llm.storage import HistoryStore, SearchHit
from desktop_llm.storage.search import ELLIPSIS, SNIPPET_WIDTH, _matcher, make_snippet


def _found(hits: list[SearchHit]) -> list[tuple[int, int | None]]:
    return [(hit.conversation_id, hit.message_id) for hit in hits]


def _highlighted(hit: SearchHit) -> list[str]:
    return [hit.snippet[start:end] for start, end in hit.highlights]


def test_chinese_words_of_two_and_four_characters_are_found(store: HistoryStore) -> None:
    chinese = store.create_conversation("Chinese")
    question = store.add_message(chinese.id, "user", "什么是大语言模型？")
    answer = store.add_message(chinese.id, "assistant", "大语言模型是一种神经网络。")
    other = store.create_conversation("Other")
    other_message = store.add_message(other.id, "user", "一个模型")

    four = store.search("语言模型")
    two = store.search("模型")

    assert _found(four) == [(chinese.id, answer.id)]
    assert _highlighted(four[0]) == ["语言模型"]
    assert four[0].role == "assistant"
    assert _found(two) == [(other.id, other_message.id), (chinese.id, answer.id)]
    assert two[0].snippet == "一个模型"
    assert _highlighted(two[0]) == ["模型"]
    assert question.id not in {hit.message_id for hit in two}


def test_japanese_and_emoji_are_found(store: HistoryStore) -> None:
    conversation = store.create_conversation()
    tower = store.add_message(conversation.id, "user", "東京タワーに行きました 🗼")
    coder = store.add_message(conversation.id, "assistant", "Good luck 👩‍💻 and 👍🏽!")
    elsewhere = store.create_conversation()
    store.add_message(elsewhere.id, "user", "京都のタワー")

    assert _found(store.search("東京タワー")) == [(conversation.id, tower.id)]
    assert _found(store.search("東京")) == [(conversation.id, tower.id)]
    assert {hit.conversation_id for hit in store.search("タワー")} == {
        conversation.id,
        elsewhere.id,
    }
    assert _found(store.search("🗼")) == [(conversation.id, tower.id)]
    # A ZWJ sequence is three code points (searched through the index); a toned thumb two.
    assert _highlighted(store.search("👩‍💻")[0]) == ["👩‍💻"]
    assert _highlighted(store.search("👍🏽")[0]) == ["👍🏽"]
    assert store.search("👍🏽")[0].message_id == coder.id


HOSTILE = [
    '"',
    '""',
    "'",
    "*",
    "AND",
    "OR NOT",
    "(",
    ")",
    "NEAR(a b)",
    "content:x",
    "^start",
    'a"b',
    "%",
    "_",
    "\\",
    "-x",
    "+",
    "{content}:",
    "' OR 1=1 --",
    "a*b",
    "100%_",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_whatever_is_typed_is_text_to_find_never_syntax(store: HistoryStore, query: str) -> None:
    conversations = {
        text: store.create_conversation(f"chat {i}")
        for i, text in enumerate(["plain words only", *HOSTILE])
    }
    messages = {
        text: store.add_message(conversation.id, "user", f"before {text} after")
        for text, conversation in conversations.items()
    }

    hits = store.search(query)

    expected = {
        messages[text].id
        for text in messages
        if all(term.casefold() in f"before {text} after".casefold() for term in query.split())
    }
    assert {hit.message_id for hit in hits} == expected
    assert messages[query].id in expected


@pytest.mark.parametrize("query", ["", "   \n\t", "\x00", "\ud800", "x" * 5_000, "a " * 500])
def test_degenerate_queries_do_not_fail(store: HistoryStore, query: str) -> None:
    conversation = store.create_conversation("a title")
    store.add_message(conversation.id, "user", "x" * 5_000)
    hits = store.search(query)
    assert all(isinstance(hit, SearchHit) for hit in hits)
    if not query.replace("\x00", "").replace("\ud800", "").strip():
        assert hits == []


def test_every_word_must_appear_in_any_order_and_case(store: HistoryStore) -> None:
    conversation = store.create_conversation()
    both = store.add_message(conversation.id, "user", "The Quick brown FOX")
    store.add_message(conversation.id, "assistant", "only a fox here")

    hits = store.search("fox quick")

    assert _found(hits) == [(conversation.id, both.id)]
    assert sorted(_highlighted(hits[0])) == ["FOX", "Quick"]


def test_one_hit_per_conversation_its_newest_match_newest_first(store: HistoryStore) -> None:
    old = store.create_conversation("old")
    store.add_message(old.id, "user", "banana one")
    old_newest = store.add_message(old.id, "assistant", "banana two")
    new = store.create_conversation("new")
    new_match = store.add_message(new.id, "user", "banana three")
    store.add_message(new.id, "assistant", "no fruit")
    untouched = store.create_conversation("nothing")
    store.add_message(untouched.id, "user", "apple")

    assert _found(store.search("banana")) == [(new.id, new_match.id), (old.id, old_newest.id)]
    assert _found(store.search("banana", limit=1)) == [(new.id, new_match.id)]
    assert store.search("banana", limit=0) == []
    hit = store.search("banana")[0]
    assert (hit.title, hit.updated_at) == ("new", store.get_conversation(new.id).updated_at)


def test_titles_match_too(store: HistoryStore) -> None:
    titled = store.create_conversation("Holiday planning")
    store.add_message(titled.id, "user", "where should we go?")
    both = store.create_conversation("Holiday budget")
    in_text = store.add_message(both.id, "user", "holiday costs")

    hits = {hit.conversation_id: hit for hit in store.search("holiday")}

    assert set(hits) == {titled.id, both.id}
    title_hit = hits[titled.id]
    assert (title_hit.message_id, title_hit.role) == (None, None)
    assert title_hit.snippet == "Holiday planning"
    assert _highlighted(title_hit) == ["Holiday"]
    # A conversation matching in its text too points at the message.
    assert hits[both.id].message_id == in_text.id


def test_streaming_replies_are_found_once_finished_and_edits_are_followed(
    store: HistoryStore,
) -> None:
    conversation = store.create_conversation()
    store.add_message(conversation.id, "user", "tell me")
    reply = store.start_reply(conversation.id, model=None)
    store.update_reply(reply.id, "a partial secret")
    assert store.search("secret") == []

    store.finish_reply(reply.id, content="the final answer", finish_reason="stop")
    assert store.search("secret") == []
    assert _found(store.search("final answer")) == [(conversation.id, reply.id)]

    store.resume_reply(reply.id)
    assert store.search("final answer") == []
    store.finish_reply(reply.id, content="the final answer, continued", finish_reason="stop")
    assert _found(store.search("continued")) == [(conversation.id, reply.id)]


def test_deleted_messages_and_conversations_are_no_longer_found(store: HistoryStore, raw) -> None:
    conversation = store.create_conversation()
    user = store.add_message(conversation.id, "user", "walrus question")
    store.add_message(conversation.id, "assistant", "walrus answer")
    other = store.create_conversation()
    store.add_message(other.id, "user", "walrus again")

    store.delete_message(user.id)
    assert [hit.conversation_id for hit in store.search("walrus")] == [other.id]
    store.delete_conversation(other.id)
    assert store.search("walrus") == []
    raw.execute("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")


def test_snippet_is_one_line_around_the_match_with_ellipses() -> None:
    text = "word " * 40 + "the\nNEEDLE\tis here " + "tail " * 40
    snippet, highlights = make_snippet(text, _matcher(["needle"]))

    assert snippet.startswith(ELLIPSIS) and snippet.endswith(ELLIPSIS)
    assert "\n" not in snippet and "\t" not in snippet
    assert [snippet[start:end] for start, end in highlights] == ["NEEDLE"]
    assert SNIPPET_WIDTH - 10 <= len(snippet) <= SNIPPET_WIDTH + 2
    assert snippet.strip(ELLIPSIS).strip() in " ".join(text.split())


def test_snippet_of_a_short_text_is_the_whole_text() -> None:
    snippet, highlights = make_snippet("Hi there, hi!", _matcher(["hi"]))
    assert snippet == "Hi there, hi!"
    assert highlights == ((0, 2), (10, 12))


def test_snippet_cuts_never_split_an_emoji_sequence() -> None:
    family = "👨‍👩‍👧‍👦"
    text = family * 30 + " target " + family * 30
    snippet, highlights = make_snippet(text, _matcher(["target"]))

    body = snippet.strip(ELLIPSIS)
    parts = body.split(" target ")
    assert len(parts) == 2
    assert all(
        len(part) % len(family) == 0 and part == family * (len(part) // len(family))
        for part in parts
    )
    assert [snippet[start:end] for start, end in highlights] == ["target"]
