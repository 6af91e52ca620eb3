"""The HTML export: self-contained, like the window's transcript, and every piece of text from
the conversation shows as text, however hostile."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest

from desktop_llm.storage import ConversationRecord, HistoryStore, MessageRecord
from desktop_llm.transcripts.html_export import CONTENT_SECURITY_POLICY, to_html
from desktop_llm.transcripts.transcript import Transcript
from tests.transcripts.samples import (
    FOLLOW_UP,
    OLD_ANSWER,
    OLD_FOLLOW_UP,
    QUESTION,
    REASONING,
    TITLE,
    open_store,
    rich_conversation,
    transcript,
)

MOMENT = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
# Each is meant to run code, load something or restyle the page if it reached the HTML.
HOSTILE = (
    "<script>alert('s')</script>",
    '<img src=x onerror="alert(1)">',
    '"><svg onload=alert(2)>',
    "<style>body{display:none}</style>",
    '<iframe src="https://evil.example/"></iframe>',
    '<a href="javascript:alert(3)">raw link</a>',
    "[md link](javascript:alert(4))",
    "[mixed case](JaVaScRiPt:alert(5))",
    "[entity](java&#115;cript:alert(6))",
    "[hex entity](&#x6A;avascript:alert(7))",
    "[spaced](<java\tscript:alert(8)>)",
    "<javascript:alert(9)>",
    "[reference][evil]\n\n[evil]: javascript:alert(10)",
    "[vb](vbscript:msgbox(11))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxMik8L3NjcmlwdD4=)",
    "![pixel](data:image/svg+xml,<svg onload=alert(13)>)",
    "![remote](https://evil.example/track.png)",
    "[file](file:///etc/passwd)",
    "</title></style></textarea></details><script>alert(14)</script>",
    "<base href=https://evil.example/><meta http-equiv=refresh content=0>",
    "<object data=x></object><embed src=x><form action=x><input></form>",
)
ATTACK = "\n\n".join(HOSTILE)
# What must still show as text once the page is read (not the hidden parts of link syntax).
VISIBLE = ("<script>alert('s')</script>", "onerror", "alert(4)", "alert(6)", "alert(10)",
           "<style>body{display:none}</style>", "<iframe", "alert(14)")
ONE_LINE_ATTACK = " ".join(HOSTILE).replace("\n", " ")
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "main", "header", "h1", "h2", "dl", "dt",
    "dd", "span", "section", "div", "article", "details", "summary", "p", "pre", "code", "a",
    "strong", "em", "table", "thead", "tbody", "tr", "th", "td", "blockquote", "ul", "ol",
    "li", "br", "hr", "h3", "h4", "h5", "h6", "s", "footer",
}


class Page(HTMLParser):
    """The page as a browser would build it: elements, attributes and the text shown."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.styles: list[str] = []
        self.title: list[str] = []
        self._in: list[str] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in ("meta", "br", "hr"):
            self._in.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in self._in:
            while self._in.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        where = self._in[-1] if self._in else ""
        if where == "style":
            self.styles.append(data)
        elif where == "title":
            self.title.append(data)
        else:
            self.text.append(data)

    @property
    def shown(self) -> str:
        return "".join(self.text)


def assert_safe(page: str) -> Page:
    parsed = Page(page)
    names = [tag for tag, _ in parsed.tags]
    assert set(names) <= ALLOWED_TAGS, set(names) - ALLOWED_TAGS
    # Our one style sheet and our own meta tags, nothing more.
    assert names.count("style") == 1 and names.count("title") == 1
    assert [a.get("http-equiv") for t, a in parsed.tags if t == "meta" and "http-equiv" in a] == [
        "Content-Security-Policy"
    ]
    for tag, attrs in parsed.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            assert name not in ("src", "srcdoc", "action", "formaction", "background")
            if name == "href":
                assert value is not None
                assert value.lower().startswith(("http://", "https://", "mailto:")), value
                assert "evil" not in value or tag == "a"
            if name == "style":  # only markdown-it's table alignment
                assert re.fullmatch(r"text-align:(left|right|center)", value or ""), value
        if tag == "a":
            assert attrs.get("rel") == "noopener noreferrer"
    style = "".join(parsed.styles)
    assert "display:none" not in style and "alert" not in style
    return parsed


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    with open_store(tmp_path / "data") as opened:
        yield opened


def test_the_page_reads_like_the_transcript_and_loads_nothing(store: HistoryStore) -> None:
    sample = rich_conversation(store)
    page = to_html(transcript(store, sample.conversation_id))
    parsed = assert_safe(page)

    head = page[: page.index("<style>")]
    assert f'content="{CONTENT_SECURITY_POLICY}"' in head and '<meta charset="utf-8">' in head
    assert "<script" not in page and "@import" not in page and "url(" not in page
    assert "@media (prefers-color-scheme: dark)" in page
    assert "".join(parsed.title) == TITLE
    shown = parsed.shown
    # The branch shown, in Chinese and emoji, with the window's role names and statistics.
    for text in (TITLE, QUESTION, FOLLOW_UP, REASONING, "You", "Assistant",
                 "23.5 tok/s", "cut off at the length limit", "你是一个乐于助人的助手。"):
        assert text in shown, text
    for hidden in (OLD_ANSWER, OLD_FOLLOW_UP):
        assert hidden not in shown
    # Reasoning collapsed under its label, code highlighted by class, the table a table.
    assert [t for t, _ in parsed.tags].count("details") == 1
    assert '<summary>Reasoning</summary>' in page
    assert '<span class="nb">print</span>' in page and '<pre class="highlight">' in page
    assert "<table>" in page and "<td>所有权</td>" in page
    assert page.count('<article class="message') == len(sample.shown)


def test_hostile_text_anywhere_shows_as_text(store: HistoryStore) -> None:
    conversation = store.create_conversation(
        ONE_LINE_ATTACK,
        model=ONE_LINE_ATTACK,
        system_prompt=ATTACK,
        settings={ONE_LINE_ATTACK: ATTACK, "stop": [ATTACK]},
    )
    store.add_message(conversation.id, "system", ATTACK)
    question = store.add_message(conversation.id, "user", ATTACK)
    started = store.start_reply(conversation.id, model=ONE_LINE_ATTACK, parent_id=question.id)
    store.finish_reply(
        started.id, content=ATTACK, reasoning=ATTACK, finish_reason="error", error=ATTACK
    )
    exported = transcript(store, conversation.id)

    parsed = assert_safe(to_html(exported))

    assert "".join(parsed.title) == exported.conversation.title  # as the store folded it
    shown = parsed.shown
    for text in VISIBLE:
        # Title, model, settings, system prompt, system and user messages, reasoning, error:
        # each is plain text; the reply's Markdown loses link syntax but keeps its text.
        assert shown.count(text) >= 8, text
    assert shown.count(ATTACK) >= 5  # system prompt, system, user, reasoning, error verbatim
    # The safe image address may be a link; nothing is an image, frame or script.
    assert {a["href"] for t, a in parsed.tags if t == "a"} == {
        "https://evil.example/track.png"
    }


def test_safe_links_stay_links(store: HistoryStore) -> None:
    conversation = store.create_conversation("links")
    question = store.add_message(conversation.id, "user", "links please")
    started = store.start_reply(conversation.id, model=None, parent_id=question.id)
    store.finish_reply(
        started.id,
        finish_reason="stop",
        content="[docs](https://example.com/a?b=1&c=\"2\") <mailto:me@example.com> "
        "[HTTP](HTTP://EXAMPLE.COM)",
    )
    parsed = assert_safe(to_html(transcript(store, conversation.id)))
    hrefs = [a["href"] for t, a in parsed.tags if t == "a"]
    assert hrefs == ["https://example.com/a?b=1&c=%222%22", "mailto:me@example.com",
                     "HTTP://EXAMPLE.COM"]


def test_records_the_store_would_never_hold_are_escaped_too() -> None:
    """Titles with newlines, odd roles and message ids come from imports of other apps."""
    conversation = ConversationRecord(
        id=1, title="</title>\n<script>x</script>", created_at=MOMENT, updated_at=MOMENT,
        model=None, system_prompt="", settings={}, current_leaf_id=3,
    )
    message = MessageRecord(
        id=2, conversation_id=1, role="user", content="<b>hi</b>", created_at=MOMENT,
        model=None, prompt_tokens=None, completion_tokens=None, tokens_per_second=None,
        time_to_first_token=None, finish_reason=None, error=None,
    )
    strange = replace(message, role='tool"><script>', id=3, parent_id=2)
    parsed = assert_safe(to_html(Transcript(conversation, (message, strange))))
    assert "".join(parsed.title) == conversation.title
    assert "<b>hi</b>" in parsed.shown and 'tool"><script>' in parsed.shown
