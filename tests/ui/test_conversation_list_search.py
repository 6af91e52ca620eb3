"""Searching from the sidebar, as real widgets: debounced requests, highlighted hits (Chinese
too), stale results ignored, Esc back to the list, a click on a hit."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QLineEdit, QListView, QMainWindow
from pytestqt.qtbot import QtBot

from desktop_llm.paths import AppPaths
from desktop_llm.storage import HistoryStore, SearchHit
from desktop_llm.ui.conversation_list import ConversationList
from desktop_llm.ui.search_field import SEARCH_DELAY_MS
from desktop_llm.ui.search_results import MARK_STYLE, marked_html
from tests.ui.test_conversation_list import conversation

pytestmark = pytest.mark.gui

NOW = datetime.now(timezone.utc)
MARK = QColor(MARK_STYLE.split("background-color:")[1].split(";")[0])


def hit(
    conversation_id: int, title: str, snippet: str, word: str, *,
    message_id: int | None = 100, role: str | None = "assistant",
) -> SearchHit:
    """A hit as the store builds it: spans of every occurrence of ``word`` in the snippet."""
    spans = []
    start = snippet.find(word)
    while start >= 0:
        spans.append((start, start + len(word)))
        start = snippet.find(word, start + len(word))
    return SearchHit(conversation_id=conversation_id, title=title, message_id=message_id,
                     role=role, snippet=snippet, highlights=tuple(spans),
                     updated_at=NOW - timedelta(hours=conversation_id))


class Window(QMainWindow):
    """The sidebar in a window with an Esc shortcut, as the main window has (stop the reply)."""

    def __init__(self) -> None:
        super().__init__()
        self.sidebar = ConversationList()
        self.setCentralWidget(self.sidebar)
        self.stops = 0
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self._on_stop)
        self.searches: list[str] = []
        self.sidebar.searchRequested.connect(self.searches.append)

    def _on_stop(self) -> None:
        self.stops += 1


@pytest.fixture
def window(qtbot: QtBot) -> Window:
    window = Window()
    qtbot.addWidget(window)
    window.resize(300, 520)
    window.show()
    with qtbot.waitActive(window):
        window.activateWindow()
    window.sidebar.set_conversations([conversation(i) for i in range(1, 40)], None)
    return window


def field(window: Window) -> QLineEdit:
    found = window.findChild(QLineEdit, "conversationSearch")
    assert found is not None
    return found


def marked_pixels(image: QImage) -> int:
    """How many pixels are in the highlight colour (the marked text's background)."""
    count = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            if QColor(image.pixel(x, y)) == MARK:
                count += 1
    return count


def test_typing_asks_once_after_a_pause_and_hits_replace_the_list(
    qtbot: QtBot, window: Window
) -> None:
    sidebar = window.sidebar
    sidebar.focus_search()
    assert field(window).hasFocus()
    qtbot.keyClicks(field(window), "lighthouse")
    assert window.searches == []  # not on every key
    qtbot.waitUntil(lambda: window.searches == ["lighthouse"], timeout=SEARCH_DELAY_MS * 10)
    assert not sidebar.searching()  # the list stays until results come

    hits = [
        hit(3, "Stories", "…the lighthouse keeper saw a whale near the lighthouse…",
            "lighthouse"),
        hit(5, "Lighthouse facts", "Lighthouse facts", "Lighthouse", message_id=None,
            role=None),
    ]
    sidebar.show_search_results("lighthouse", hits)
    results = window.findChild(QListView, "searchResults")
    assert results.isVisible() and not sidebar.view.isVisible()
    assert results.model().rowCount() == 2
    qtbot.wait(20)
    window.grab().save("/tmp/conversation_search_hits.png")
    for row in range(2):
        rect = results.visualRect(results.model().index(row, 0))
        assert marked_pixels(results.viewport().grab(rect).toImage()) > 10, row

    # A hit in a message jumps to that message; a title hit opens the conversation.
    with qtbot.waitSignal(sidebar.messageRequested) as jumped:
        qtbot.mouseClick(results.viewport(), Qt.MouseButton.LeftButton,
                         pos=results.visualRect(results.model().index(0, 0)).center())
    assert jumped.args == [3, 100]
    with qtbot.waitSignal(sidebar.conversationSelected) as opened:
        qtbot.mouseClick(results.viewport(), Qt.MouseButton.LeftButton,
                         pos=results.visualRect(results.model().index(1, 0)).center())
    assert opened.args == [5]


def test_chinese_hits_are_marked_even_far_into_the_snippet(
    qtbot: QtBot, window: Window
) -> None:
    sidebar = window.sidebar
    field(window).insert("语言模型")  # as an input method types it
    qtbot.waitUntil(lambda: window.searches == ["语言模型"], timeout=SEARCH_DELAY_MS * 10)
    snippet = "…" + "我们今天讨论的是一个很长的话题关于本地运行的" * 6 + "小型语言模型的速度…"
    sidebar.show_search_results("语言模型", [
        hit(8, "本地模型 🚀", snippet, "语言模型", role="user"),
        hit(9, "笔记", "大型语言模型和语言模型的区别", "语言模型"),
        hit(10, "Story", "…e: write a long story about a lighthouse keeper, his dog and "
            "the sea, and a 语言模型.", "语言模型"),
    ])
    results = window.findChild(QListView, "searchResults")
    assert results.isVisible()
    qtbot.wait(20)
    window.grab().save("/tmp/conversation_search_chinese.png")
    for row in range(3):
        rect = results.visualRect(results.model().index(row, 0))
        # The match at the end of a snippet longer than two lines is scrolled into view.
        assert marked_pixels(results.viewport().grab(rect).toImage()) > 10, row


def test_results_for_an_older_query_are_ignored(qtbot: QtBot, window: Window) -> None:
    sidebar = window.sidebar
    qtbot.keyClicks(field(window), "wha")
    qtbot.waitUntil(lambda: window.searches == ["wha"], timeout=SEARCH_DELAY_MS * 10)
    qtbot.keyClicks(field(window), "le")
    # The answer to "wha" arrives after the user typed on: not shown.
    sidebar.show_search_results("wha", [hit(1, "What", "what is it", "wha")])
    assert not sidebar.searching()
    qtbot.waitUntil(lambda: window.searches == ["wha", "whale"], timeout=SEARCH_DELAY_MS * 10)
    sidebar.show_search_results("whale", [hit(2, "Whales", "a whale song", "whale")])
    assert sidebar.results.rowCount() == 1 and sidebar.results.hit(0).conversation_id == 2
    # Late again: the "wha" answer does not replace the "whale" one.
    sidebar.show_search_results("wha", [hit(1, "What", "what is it", "wha")])
    assert sidebar.results.hit(0).conversation_id == 2


def test_no_matches_is_said_plainly(qtbot: QtBot, window: Window) -> None:
    sidebar = window.sidebar
    qtbot.keyClicks(field(window), "zzzq")
    qtbot.waitUntil(lambda: window.searches == ["zzzq"], timeout=SEARCH_DELAY_MS * 10)
    sidebar.show_search_results("zzzq", [])
    label = window.findChild(QLabel, "searchNoMatches")
    assert label.isVisible() and label.text() == "No matches"
    assert not sidebar.view.isVisible()


def test_esc_clears_the_search_before_it_stops_anything(
    qtbot: QtBot, window: Window
) -> None:
    sidebar = window.sidebar
    sidebar.focus_search()
    qtbot.keyClicks(field(window), "whale")
    qtbot.waitUntil(lambda: window.searches == ["whale"], timeout=SEARCH_DELAY_MS * 10)
    sidebar.show_search_results("whale", [hit(2, "Whales", "a whale song", "whale")])
    assert sidebar.searching()

    qtbot.keyClick(field(window), Qt.Key.Key_Escape)
    assert field(window).text() == ""
    assert not sidebar.searching() and sidebar.view.isVisible()
    assert sidebar.view.hasFocus()
    assert window.stops == 0  # Esc went to the search, not to the window's stop
    qtbot.keyClick(sidebar.view, Qt.Key.Key_Escape)
    assert window.stops == 1
    qtbot.wait(SEARCH_DELAY_MS * 2)
    assert window.searches == ["whale"]  # clearing is not a search


def test_a_refresh_while_searching_searches_again(qtbot: QtBot, window: Window) -> None:
    sidebar = window.sidebar
    qtbot.keyClicks(field(window), "whale")
    qtbot.waitUntil(lambda: window.searches == ["whale"], timeout=SEARCH_DELAY_MS * 10)
    sidebar.set_conversations([conversation(i) for i in range(1, 41)], None)
    assert window.searches == ["whale", "whale"]


def test_the_store_s_list_and_hits_shown_as_they_come(
    qtbot: QtBot, window: Window, paths: AppPaths
) -> None:
    with HistoryStore.open(paths.database) as store:
        notes = store.create_conversation("Notes on 语言模型")
        store.add_message(notes.id, "user", "nothing to see")
        trip = store.create_conversation("Trip")
        store.add_message(trip.id, "user", "我们讨论一下小型语言模型在笔记本上的速度")
        answer = store.add_message(trip.id, "assistant", "小型语言模型很快。")
        other = store.create_conversation("Other")
        store.add_message(other.id, "user", "nothing here either")
        store.set_pinned(notes.id, True)
        conversations = store.list_conversations()
        hits = store.search("语言模型")
    sidebar = window.sidebar
    sidebar.set_conversations(conversations, None)
    assert sidebar.titles() == ["Notes on 语言模型", "Other", "Trip"]

    field(window).insert("语言模型")
    qtbot.waitUntil(lambda: window.searches == ["语言模型"], timeout=SEARCH_DELAY_MS * 10)
    sidebar.show_search_results("语言模型", hits)
    results = window.findChild(QListView, "searchResults")
    assert results.model().rowCount() == 2
    qtbot.wait(20)
    for row in range(2):
        rect = results.visualRect(results.model().index(row, 0))
        assert marked_pixels(results.viewport().grab(rect).toImage()) > 10, row
    row_of_trip = [h.conversation_id for h in hits].index(trip.id)
    with qtbot.waitSignal(sidebar.messageRequested) as jumped:
        qtbot.mouseClick(results.viewport(), Qt.MouseButton.LeftButton,
                         pos=results.visualRect(results.model().index(row_of_trip, 0)).center())
    assert jumped.args == [trip.id, answer.id]


def test_marked_html_escapes_merges_and_counts_characters() -> None:
    html = marked_html("<b>模型</b> & 🚀模型", [(3, 5), (4, 5), (13, 15), (40, 50)])
    assert html.count("<span") == 2  # overlapping spans merged, out-of-range one dropped
    assert "&lt;b&gt;" in html and "&amp;" in html
    assert html.endswith(f'🚀<span style="{MARK_STYLE}">模型</span>')
