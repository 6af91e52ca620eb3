"""The Markdown export: front matter any YAML reader parses, each message under its role,
code fences and tables intact, reasoning apart, only the branch shown."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from desktop_llm.storage import ConversationRecord, HistoryStore
from desktop_llm.transcripts.json_export import iso_time
from desktop_llm.transcripts.markdown_export import close_open_fence, to_markdown
from desktop_llm.transcripts.transcript import Transcript
from tests.transcripts.samples import (
    ANSWER,
    FOLLOW_UP,
    MODEL,
    OLD_ANSWER,
    OLD_FOLLOW_UP,
    QUESTION,
    REASONING,
    SETTINGS,
    SYSTEM_PROMPT,
    TITLE,
    open_store,
    reply,
    rich_conversation,
    transcript,
)

PARSER = MarkdownIt("commonmark").enable("table")
MOMENT = datetime(2025, 1, 2, 3, 4, 5, 678, tzinfo=timezone.utc)
EMPTY = ConversationRecord(
    id=7, title="t", created_at=MOMENT, updated_at=MOMENT, model=None, system_prompt="",
    settings={},
)


def front_matter(text: str) -> dict:
    assert text.startswith("---\n")
    end = text.index("\n---\n", 4)
    return yaml.safe_load(text[4:end])


def body(text: str) -> list[Token]:
    return PARSER.parse(text[text.index("\n---\n", 4) + 5 :])


def headings(tokens: list[Token], level: str = "h2") -> list[str]:
    """The headings' text as a reader sees it (escapes undone)."""
    return [
        "".join(child.content for child in tokens[i + 1].children or [])
        for i, t in enumerate(tokens)
        if t.type == "heading_open" and t.tag == level
    ]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    with open_store(tmp_path / "data") as opened:
        yield opened


def test_front_matter_and_messages_of_the_branch_shown(store: HistoryStore) -> None:
    sample = rich_conversation(store)
    exported = transcript(store, sample.conversation_id)
    text = to_markdown(exported)

    meta = front_matter(text)
    assert meta["title"] == TITLE and meta["model"] == MODEL
    assert meta["created"] == iso_time(exported.conversation.created_at)
    assert meta["updated"] == iso_time(exported.conversation.updated_at)
    assert meta["settings"] == SETTINGS and meta["system_prompt"] == SYSTEM_PROMPT
    assert meta["messages"] == len(sample.shown)

    tokens = body(text)
    assert headings(tokens, "h1") == [TITLE]
    roles = [heading.split(" · ")[0] for heading in headings(tokens)]
    assert roles == ["System prompt", "You", "Assistant", "You", "Assistant"]
    assert MODEL in headings(tokens)[2]
    # Verbatim: the reply's own Markdown is in the file as it was written.
    assert QUESTION in text and ANSWER.strip() in text and FOLLOW_UP in text
    for hidden in (OLD_ANSWER, OLD_FOLLOW_UP):
        assert hidden not in text
    fences = [(t.info, t.content) for t in tokens if t.type == "fence"]
    assert fences == [
        ("rust", 'fn main() {\n    let s = String::from("你好");\n    println!("{s}");\n}\n'),
        ("python", 'print("你好")\n'),
    ]
    cells = [t.content for t in tokens if t.type == "inline" and t.level >= 4]
    assert cells[:4] == ["语言", "内存", "Rust", "所有权"]
    # Reasoning sits in a block quote of its own, labelled, not in the answer.
    quote_start = next(i for i, t in enumerate(tokens) if t.type == "blockquote_open"
                       and "Reasoning" in tokens[i + 2].content)
    quote_end = next(i for i in range(quote_start, len(tokens))
                     if tokens[i].type == "blockquote_close")
    quoted = " ".join(t.content for t in tokens[quote_start:quote_end] if t.type == "inline")
    assert REASONING in quoted and "所有权**管理" not in quoted
    assert "23.5 tok/s" in text and "cut off at the length limit" in text


def test_any_title_is_valid_yaml() -> None:
    base = Transcript(
        replace(EMPTY, settings={"stop": ["\n---\n", "a: b"], "x": None}), ()
    )
    for title in (
        'He said: "hi" # not a comment',
        "---\nfoo: bar\n...",
        "- [list] {map}: & * ! | > ' % @ `",
        "line\u2028separator\x85next\x7fdel\u2029",
        "yes",
        "12:30",
        "中文标题 🦀",
        "",
    ):
        conversation = replace(base.conversation, title=title, model=title, system_prompt=title)
        meta = front_matter(to_markdown(Transcript(conversation, ())))
        assert meta["title"] == title and meta["model"] == title
        assert meta["system_prompt"] == title
        assert meta["settings"] == {"stop": ["\n---\n", "a: b"], "x": None}


def test_a_code_fence_cut_off_does_not_swallow_the_next_messages(store: HistoryStore) -> None:
    conversation = store.create_conversation("cut")
    question = store.add_message(conversation.id, "user", "code please")
    cut = reply(store, conversation.id, question.id, "Here:\n\n````python\nprint(1)\n```",
                finish_reason="length")
    store.add_message(conversation.id, "user", "# Not a heading of mine\nthanks",
                      parent_id=cut.id)
    text = to_markdown(transcript(store, conversation.id))
    tokens = body(text)
    assert [h.split(" · ")[0] for h in headings(tokens)] == ["You", "Assistant", "You"]
    assert [t.content for t in tokens if t.type == "fence"] == ["print(1)\n```\n"]


def test_close_open_fence() -> None:
    assert close_open_fence("a\n```\nb\n```\n\n") == "a\n```\nb\n```"
    assert close_open_fence("a\n```py\nb") == "a\n```py\nb\n```"
    assert close_open_fence("~~~~\nx\n~~~") == "~~~~\nx\n~~~\n~~~~"
    assert close_open_fence("``` a`b\nnot a fence") == "``` a`b\nnot a fence"
    assert close_open_fence("    ```\nindented code") == "    ```\nindented code"
    assert close_open_fence("```\n```  \n```") == "```\n```  \n```\n```"
