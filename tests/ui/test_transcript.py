"""The transcript as a user sees and clicks it: Markdown, hostile replies, copy and message
actions, branch arrows, reasoning, the context marker, streaming, long conversations, themes."""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontInfo,
    QGuiApplication,
    QPalette,
    QTextCursor,
    QTextDocument,
    QTextFragment,
    QTextTable,
)
from pytestqt.qtbot import QtBot

from desktop_llm.storage import MessageRecord
from desktop_llm.ui import transcript_view
from desktop_llm.ui.markdown_render import DARK_CODE_STYLE, LIGHT_CODE_STYLE
from desktop_llm.ui.transcript_view import PAGE, TranscriptView

pytestmark = pytest.mark.gui

MARKDOWN = """# Title here
Some **bold**, *italic*, `inline code`, ~~gone~~ and a [site](https://example.com/page).

- first item
- second item

1. one
2. two

> quoted words

| Name | Value |
|------|------:|
| alpha | 1 |

```python
def greet(name):
    return "hi " + name
```

Chinese 中文语言模型, Japanese こんにちは, emoji 😀🚀 end."""

HOSTILE = (
    "<script>alert(1)</script> <img src=http://evil.example/x.png> "
    "[run](javascript:alert(1)) [act](dllm:delete/1) [file](file:///etc/passwd) "
    "![tracker](http://evil.example/pixel.png) ![local](data:image/png;base64,AAAA)"
)


def record(message_id: int, role: str, content: str, **fields: object) -> MessageRecord:
    message = MessageRecord(
        id=message_id,
        conversation_id=1,
        role=role,
        content=content,
        created_at=datetime(2025, 1, 1),
        model=None,
        prompt_tokens=None,
        completion_tokens=None,
        tokens_per_second=None,
        time_to_first_token=None,
        finish_reason="stop" if role == "assistant" else None,
        error=None,
    )
    return replace(message, **fields)  # type: ignore[arg-type]


@pytest.fixture
def view(qtbot: QtBot) -> TranscriptView:
    widget = TranscriptView()
    qtbot.addWidget(widget)
    widget.resize(800, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def fragments(document: QTextDocument) -> Iterator[QTextFragment]:
    block = document.begin()
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            yield iterator.fragment()
            iterator += 1
        block = block.next()


def hrefs(view: TranscriptView) -> list[str]:
    return [f.charFormat().anchorHref() for f in fragments(view.document())
            if f.charFormat().anchorHref()]


def fragment_with(view: TranscriptView, text: str) -> QTextFragment:
    found = [f for f in fragments(view.document()) if text in f.text()]
    assert found, f"no fragment with {text!r}"
    return found[0]


def click_link(qtbot: QtBot, view: TranscriptView, href: str) -> None:
    """Scroll the link into view and click it with the mouse, as a user would."""
    fragment = next(f for f in fragments(view.document()) if f.charFormat().anchorHref() == href)
    cursor = QTextCursor(view.document())
    cursor.setPosition(fragment.position() + min(1, fragment.length() - 1))
    view.setTextCursor(cursor)
    view.ensureCursorVisible()
    rect = view.cursorRect(cursor)
    point = rect.center()
    point.setX(rect.right() + 1)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)


def test_markdown_elements_render(view: TranscriptView) -> None:
    view.show_branch([record(1, "user", "Show me"), record(2, "assistant", MARKDOWN)])
    document = view.document()
    text = view.toPlainText()

    title = document.find("Title here")
    assert title.blockFormat().headingLevel() == 1
    assert fragment_with(view, "bold").charFormat().fontWeight() == QFont.Weight.Bold
    assert fragment_with(view, "italic").charFormat().fontItalic()
    assert fragment_with(view, "gone").charFormat().fontStrikeOut()
    assert QFontInfo(fragment_with(view, "inline code").charFormat().font()).fixedPitch()
    assert document.find("first item").currentList() is not None
    assert document.find("two").currentList().format().style().name.startswith("ListDecimal")
    assert document.find("quoted words").blockFormat().leftMargin() > 0
    assert isinstance(document.find("alpha").currentTable(), QTextTable)
    assert "https://example.com/page" in hrefs(view)
    assert "**" not in text and "```" not in text and "|---" not in text

    # The code block: highlighted (keywords coloured), in a monospace font, with its copy link.
    keyword = fragment_with(view, "def")
    text_colour = view.palette().color(QPalette.ColorRole.Text)
    assert keyword.charFormat().foreground().color() != text_colour
    assert QFontInfo(keyword.charFormat().font()).fixedPitch()
    assert "dllm:copy-code/2/0" in hrefs(view)
    assert "Chinese 中文语言模型, Japanese こんにちは, emoji 😀🚀 end." in text


def test_hostile_reply_shows_as_text_and_loads_nothing(view: TranscriptView) -> None:
    view.show_branch([record(1, "user", "<b>not bold</b>"), record(2, "assistant", HOSTILE)])
    text = view.toPlainText()
    assert "<script>alert(1)</script>" in text
    assert "<img src=http://evil.example/x.png>" in text
    assert "<b>not bold</b>" in text
    assert "[tracker]" in text and "[local]" in text  # images are their alt text
    links = hrefs(view)
    # Only our own actions and the http(s) image link: no javascript:, file:, data: or a
    # forged action from the reply.
    ours = [h for h in links if h.startswith("dllm:")]
    assert ours and all(re.fullmatch(r"dllm:(copy|edit|regenerate|delete)/[12]", h) for h in ours)
    assert [h for h in links if not h.startswith("dllm:")] == ["http://evil.example/pixel.png"]
    assert links.count("dllm:delete/1") == 1  # the user message's own Delete, not the reply's
    assert not any(f.charFormat().isImageFormat() for f in fragments(view.document()))
    for kind in (QTextDocument.ResourceType.ImageResource,
                 QTextDocument.ResourceType.StyleSheetResource):
        assert view.loadResource(kind, QUrl("http://evil.example/x.png")) is None


def test_links_open_only_when_clicked_and_only_on_the_web(
    qtbot: QtBot, view: TranscriptView, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []

    class SystemBrowser:
        @staticmethod
        def openUrl(url: QUrl) -> bool:
            opened.append(url.toString())
            return True

    monkeypatch.setattr(transcript_view, "QDesktopServices", SystemBrowser)
    view.show_branch([record(1, "assistant", "See [the site](https://example.com/a).")])
    assert opened == []
    click_link(qtbot, view, "https://example.com/a")
    assert opened == ["https://example.com/a"]


def test_copy_a_code_block_and_a_message(qtbot: QtBot, view: TranscriptView) -> None:
    reply = "Two blocks:\n\n```\nfirst()\n```\n\n```js\nsecond();\n```"
    view.show_branch([
        record(1, "user", "Give code"),
        record(2, "assistant", reply, reasoning="Hidden thoughts"),
    ])
    clipboard = QGuiApplication.clipboard()
    click_link(qtbot, view, "dllm:copy-code/2/1")
    assert clipboard.text() == "second();"
    click_link(qtbot, view, "dllm:copy-code/2/0")
    assert clipboard.text() == "first()"
    click_link(qtbot, view, "dllm:copy/2")
    assert clipboard.text() == reply  # the answer, without the reasoning
    click_link(qtbot, view, "dllm:copy/1")
    assert clipboard.text() == "Give code"


def test_actions_are_emitted_for_the_window(qtbot: QtBot, view: TranscriptView) -> None:
    view.show_branch([
        record(1, "user", "Question"),
        record(2, "assistant", "Cut", finish_reason="length"),
        record(3, "user", "Again"),
        record(4, "assistant", "Done"),
    ])
    links = hrefs(view)
    assert "dllm:edit/1" in links and "dllm:edit/2" not in links
    assert "dllm:continue/2" in links and "dllm:continue/4" not in links
    assert "dllm:regenerate/1" not in links
    for href, expected in [
        ("dllm:edit/3", ("edit", 3)),
        ("dllm:regenerate/4", ("regenerate", 4)),
        ("dllm:continue/2", ("continue", 2)),
        ("dllm:delete/1", ("delete", 1)),
    ]:
        with qtbot.waitSignal(view.messageAction) as signal:
            click_link(qtbot, view, href)
        assert tuple(signal.args) == expected


def test_branch_arrows(qtbot: QtBot, view: TranscriptView) -> None:
    view.show_branch([
        record(1, "user", "Question", sibling_ids=(1,)),
        record(5, "assistant", "Second version", sibling_ids=(4, 5, 6)),
    ])
    assert "‹ 2/3 ›" in view.toPlainText()
    assert "1/1" not in view.toPlainText()
    with qtbot.waitSignal(view.messageAction) as signal:
        click_link(qtbot, view, "dllm:previous/4")
    assert signal.args == ["previous", 4]
    with qtbot.waitSignal(view.messageAction) as signal:
        click_link(qtbot, view, "dllm:next/6")
    assert signal.args == ["next", 6]

    view.show_branch([record(1, "user", "Q"), record(6, "assistant", "Third",
                                                      sibling_ids=(4, 5, 6))])
    assert "‹ 3/3 ›" in view.toPlainText()
    assert "dllm:next/" not in " ".join(hrefs(view))  # nothing after the last version


def test_reasoning_is_collapsed_and_expands_on_click(qtbot: QtBot, view: TranscriptView) -> None:
    view.show_branch([record(1, "user", "Think"),
                      record(2, "assistant", "The answer.", reasoning="Private chain of thought")])
    assert "Reasoning ▸" in view.toPlainText()
    assert "Private chain" not in view.toPlainText()
    click_link(qtbot, view, "dllm:reasoning/2")
    assert "Private chain of thought" in view.toPlainText()
    assert "Reasoning ▾" in view.toPlainText()
    click_link(qtbot, view, "dllm:reasoning/2")
    assert "Private chain" not in view.toPlainText()
    assert "The answer." in view.toPlainText()


def test_think_tags_while_streaming_stay_collapsed(qtbot: QtBot, view: TranscriptView) -> None:
    view.begin_exchange("Solve it")
    for piece in ["<thi", "nk>Secret ", "plan here", "</think>", "Final ", "**answer**."]:
        view.append_reply_text(piece)
        text = view.toPlainText()
        assert "Secret" not in text and "<think>" not in text and "<thi" not in text
    assert "Final answer." in view.toPlainText()
    assert "Reasoning ▸" in view.toPlainText()
    click_link(qtbot, view, "dllm:reasoning/live")
    assert "Secret plan here" in view.toPlainText()
    view.append_reply_text(" More.")
    assert "Final answer. More." in view.toPlainText()
    assert "Secret plan here" in view.toPlainText()


def test_messages_the_model_no_longer_sees_are_marked(view: TranscriptView) -> None:
    view.show_branch([
        record(1, "system", "Be brief."),
        record(2, "user", "Old question"),
        record(3, "assistant", "Old answer"),
        record(4, "user", "New question", token_count=3),
        record(5, "assistant", "New answer", context_from_id=4, completion_tokens=2,
               tokens_per_second=12.5, time_to_first_token=0.25),
    ])
    marked = [line for line in view.toPlainText().split("\n")
              if "no longer in the model's context" in line]
    assert len(marked) == 2  # the old question and answer; never the system prompt
    assert marked[0].startswith("You") and marked[1].startswith("Assistant")
    text = view.toPlainText()
    assert "3 tokens" in text  # the user message's own count
    assert "2 tokens · 12.5 tok/s · 0.25 s to first token" in text

    view.show_branch([record(2, "user", "Q"), record(3, "assistant", "A", context_from_id=2)])
    assert "no longer in the model's context" not in view.toPlainText()


def content_lines(text: str) -> list[str]:
    """The reply's lines, without the headings, actions and stats lines around it."""
    skip = ("You", "Assistant", "Copy ·", "Reasoning")
    return [line.rstrip() for line in text.split("\n")
            if line.strip() and not line.startswith(skip)]


def streamed_reply(repeats: int) -> str:
    body = MARKDOWN.replace("# Title here", "## Part").split("Chinese")[0]
    paragraphs = "Plain words in a paragraph that goes on for a while, " * 3
    return "\n\n".join(f"{body}\n{paragraphs}" for _ in range(repeats))


def test_a_streamed_reply_reads_as_the_saved_one(view: TranscriptView) -> None:
    reply = streamed_reply(3) + "\n\n```\na fence near the end\n```\nLast words."
    view.begin_exchange("Write")
    for piece in re.findall(r".{1,13}", reply, re.S):
        view.append_reply_text(piece)
    streamed = content_lines(view.toPlainText())
    view.show_branch([record(1, "user", "Write"), record(2, "assistant", reply)])
    assert streamed == content_lines(view.toPlainText())


def test_appending_stays_as_cheap_late_in_a_long_reply(view: TranscriptView) -> None:
    # ~2,500 tokens in pieces of ~4 tokens, as the engine batches them.
    pieces = re.findall(r".{1,16}", streamed_reply(30), re.S)
    assert len(pieces) > 600
    view.show_branch([record(1, "user", "Earlier"), record(2, "assistant", MARKDOWN)])
    view.begin_exchange("Write a lot")
    costs = []
    for piece in pieces:
        start = time.perf_counter()
        view.append_reply_text(piece)
        costs.append(time.perf_counter() - start)
    early = statistics.median(costs[10:110])
    late = statistics.median(costs[-100:])
    assert late < 3 * early, f"early {early * 1e3:.2f} ms, late {late * 1e3:.2f} ms per append"


def test_continue_starts_from_the_existing_text(view: TranscriptView) -> None:
    view.show_branch([record(1, "user", "Count")])
    view.begin_reply("One, two,")
    view.append_reply_text(" three.")
    assert "One, two, three." in view.toPlainText()
    assert view.toPlainText().count("Assistant") == 1


def test_a_long_conversation_opens_with_the_newest_messages(
    qtbot: QtBot, view: TranscriptView
) -> None:
    messages = [record(i, "user" if i % 2 else "assistant", f"Message number {i}.")
                for i in range(1, 1001)]
    view.show_branch(messages)
    text = view.toPlainText()
    assert "Message number 1000." in text
    assert f"Message number {1000 - PAGE}." not in text
    assert f"Show earlier messages ({1000 - PAGE} more)" in text
    bar = view.verticalScrollBar()
    assert bar.value() == bar.maximum()

    click_link(qtbot, view, "dllm:earlier/0")
    assert f"Message number {1000 - PAGE}." in view.toPlainText()
    assert f"Show earlier messages ({1000 - 2 * PAGE} more)" in view.toPlainText()

    # A search hit far back: drawn, scrolled to and highlighted for a moment.
    view.scroll_to_message(3)
    assert "Message number 3." in view.toPlainText()
    selections = view.extraSelections()
    assert len(selections) == 1
    highlighted = selections[0].cursor.selectedText()
    assert "Message number 3." in highlighted and "Message number 4." not in highlighted
    top = view.cursorForPosition(view.viewport().rect().topLeft()).block().text()
    assert top.startswith("You")
    qtbot.waitUntil(lambda: not view.extraSelections(), timeout=5000)


def test_dark_palette_switches_the_theme(qtbot: QtBot, view: TranscriptView) -> None:
    view.show_branch([record(1, "assistant", "```python\nx = 1\n```")])
    assert view._theme.code_style == LIGHT_CODE_STYLE
    palette = QPalette(view.palette())
    palette.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#e8eaed"))
    view.setPalette(palette)
    assert view._theme.dark and view._theme.code_style == DARK_CODE_STYLE
    assert "#272822" in view.toHtml().lower()  # the dark code background
    assert "x = 1" in view.toPlainText()
