"""The sidebar's conversation list, as real widgets: 10,000 rows, refreshes, pins, rename,
delete."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import QLocale, QPoint, Qt
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from desktop_llm.storage import ConversationRecord
from desktop_llm.ui.conversation_list import ConversationList
from desktop_llm.ui.conversation_model import relative_date

pytestmark = pytest.mark.gui

NOW = datetime.now(timezone.utc)


def conversation(
    conversation_id: int, *, title: str | None = None, minutes_ago: float | None = None,
    pinned: bool = False,
) -> ConversationRecord:
    when = NOW - timedelta(minutes=conversation_id if minutes_ago is None else minutes_ago)
    return ConversationRecord(
        id=conversation_id,
        title=title or f"Conversation {conversation_id}",
        created_at=when,
        updated_at=when,
        model=None,
        system_prompt="",
        settings={},
        pinned=pinned,
    )


def store_order(records: list[ConversationRecord]) -> list[ConversationRecord]:
    """The order HistoryStore.list_conversations gives: pinned first, then newest activity."""
    return sorted(records, key=lambda r: (not r.pinned, -r.updated_at.timestamp(), -r.id))


def sidebar(qtbot: QtBot) -> ConversationList:
    widget = ConversationList()
    qtbot.addWidget(widget)
    widget.resize(280, 600)
    widget.show()
    qtbot.waitExposed(widget)
    with qtbot.waitActive(widget):  # shortcuts (F2, Del) act in the active window only
        widget.activateWindow()
    return widget


def top_row_id(widget: ConversationList) -> int:
    index = widget.view.indexAt(QPoint(1, 1))
    assert index.isValid()
    return widget.view.conversations.record(index.row()).id


def test_ten_thousand_conversations_refresh_in_place(qtbot: QtBot) -> None:
    widget = sidebar(qtbot)
    records = store_order(
        [conversation(i, pinned=i in (7000, 8000)) for i in range(1, 10_001)]
    )
    widget.set_conversations(records, None)
    qtbot.wait(10)
    assert widget.count() == 10_000
    assert widget.titles()[:2] == ["Conversation 7000", "Conversation 8000"]
    # Rows are model rows, not widgets.
    assert len(widget.findChildren(QWidget)) < 40

    view = widget.view
    view.scrollTo(view.conversations.index(5000), QAbstractItemView.ScrollHint.PositionAtTop)
    widget.select_id(records[5003].id)
    top_before = top_row_id(widget)
    scroll_before = view.verticalScrollBar().value()
    assert top_before == records[5000].id

    # A refresh as after a reply: a conversation far below jumps to the top, a new one
    # appears, one above the rows in view was deleted, one title in view changed.
    selected = records[5003].id
    renamed = records[5001].id
    fresh = [r for r in records if r.id not in (9000, 100)]
    fresh = [dataclasses.replace(r, title="Renamed elsewhere") if r.id == renamed else r
             for r in fresh]
    fresh.append(dataclasses.replace(conversation(9000), updated_at=NOW + timedelta(seconds=1)))
    fresh.append(conversation(10_001, minutes_ago=-2))
    widget.set_conversations(store_order(fresh), selected)
    qtbot.wait(10)

    assert widget.count() == 10_000
    assert widget.titles()[:4] == [
        "Conversation 7000", "Conversation 8000", "Conversation 10001", "Conversation 9000"
    ]
    assert widget.current_id() == selected
    assert view.selectionModel().isSelected(view.currentIndex())
    assert top_row_id(widget) == top_before  # the rows in view did not move
    assert view.verticalScrollBar().value() != scroll_before  # because the list scrolled
    assert "Renamed elsewhere" in widget.titles()

    # A refresh with the same rows and nothing new changes nothing in view.
    value = view.verticalScrollBar().value()
    widget.set_conversations(store_order(fresh), selected)
    assert view.verticalScrollBar().value() == value
    assert widget.current_id() == selected


def test_at_the_top_new_activity_shows(qtbot: QtBot) -> None:
    widget = sidebar(qtbot)
    records = [conversation(i) for i in range(1, 200)]
    widget.set_conversations(records, 5)
    widget.set_conversations([conversation(500, minutes_ago=0), *records], 5)
    assert widget.view.verticalScrollBar().value() == 0
    assert top_row_id(widget) == 500
    assert widget.current_id() == 5


def test_pinned_rows_lead_and_pinning_keeps_the_selection(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    widget = sidebar(qtbot)
    records = store_order([conversation(i) for i in range(1, 30)] + [
        conversation(40, title="Pinned and old", minutes_ago=60 * 24 * 30, pinned=True)
    ])
    widget.set_conversations(records, 12)
    assert widget.titles()[0] == "Pinned and old"

    # Pin through the action the context menu shows.
    requests: list[tuple[int, bool]] = []
    widget.pinRequested.connect(lambda cid, pinned: requests.append((cid, pinned)))
    widget.select_id(12)
    widget.view.pin_action.trigger()
    assert requests == [(12, True)]
    pinned = [dataclasses.replace(r, pinned=True) if r.id == 12 else r for r in records]
    widget.set_conversations(store_order(pinned), 12)
    assert widget.titles()[:2] == ["Conversation 12", "Pinned and old"]
    assert widget.current_id() == 12
    widget.view.pin_action.trigger()
    assert requests[-1] == (12, False)

    widget.grab().save("/tmp/conversation_list_pinned.png")
    # The pin mark is drawn: a pinned row does not look like the same row unpinned.
    view = widget.view
    row_rect = view.visualRect(view.conversations.index(0))
    with_pin = view.viewport().grab(row_rect).toImage()
    widget.set_conversations(store_order(records), 12)
    row_rect = view.visualRect(view.conversations.index(view.conversations.row_of(12)))
    without_pin = view.viewport().grab(row_rect).toImage()
    assert with_pin != without_pin


def test_rows_show_short_relative_dates() -> None:
    """In the interface's locale: American English here (the ui tests' locale)."""
    now = datetime(2026, 3, 11, 15, 0).astimezone()
    assert relative_date(now - timedelta(minutes=57), now) == "2:03\u202fPM"
    assert relative_date(now - timedelta(days=1), now) == "Yesterday"
    weekday = relative_date(now - timedelta(days=3), now)
    short_names = [QLocale().dayName(d, QLocale.FormatType.ShortFormat) for d in range(1, 8)]
    assert weekday in short_names
    assert relative_date(now - timedelta(days=10), now) == "3/1/26"
    # Stored times are UTC; rows show local time.
    utc = (now - timedelta(minutes=57)).astimezone(timezone.utc)
    assert relative_date(utc, now) == "2:03\u202fPM"


def test_f2_renames_and_a_refresh_during_the_edit_waits(qtbot: QtBot) -> None:
    widget = sidebar(qtbot)
    records = [conversation(i) for i in range(1, 6)]
    widget.set_conversations(records, 3)
    renames: list[tuple[int, str]] = []
    widget.renameRequested.connect(lambda cid, title: renames.append((cid, title)))

    widget.view.setFocus()
    qtbot.keyClick(widget.view, Qt.Key.Key_F2)
    editor = widget.focusWidget()
    assert isinstance(editor, QLineEdit)
    assert editor.text() == "Conversation 3"
    editor.selectAll()
    qtbot.keyClicks(editor, "Trip to ")
    editor.insert("京都 🚆")  # as an input method does: QTest only types Latin-1
    # A refresh arrives mid-edit (a reply finishing elsewhere): a new conversation on top.
    widget.set_conversations([conversation(99, minutes_ago=0), *records], 3)
    assert editor.text() == "Trip to 京都 🚆"
    assert widget.count() == 5  # held back
    # The window opens another conversation meanwhile (a reply ended there): no jump either.
    widget.select_id(records[0].id)
    assert widget.view.state() == QAbstractItemView.State.EditingState
    assert widget.focusWidget() is editor
    qtbot.keyClick(editor, Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: renames == [(3, "Trip to 京都 🚆")])
    qtbot.waitUntil(lambda: widget.count() == 6)
    # The held-back refresh predates the rename: it does not bring the old title back.
    assert widget.titles()[0] == "Conversation 99"
    assert "Trip to 京都 🚆" in widget.titles()
    assert "Conversation 3" not in widget.titles()
    assert widget.current_id() == 3

    # An empty title is not a rename.
    widget.rename_current()
    editor = widget.focusWidget()
    editor.selectAll()
    qtbot.keyClicks(editor, "   ")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: widget.view.state() != QAbstractItemView.State.EditingState)
    qtbot.wait(50)
    assert len(renames) == 1
    assert "Trip to 京都 🚆" in widget.titles()


def test_delete_key_asks_first(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    widget = sidebar(qtbot)
    widget.set_conversations([conversation(i) for i in range(1, 4)], 2)
    deleted: list[int] = []
    widget.deleteRequested.connect(deleted.append)
    asked: list[str] = []

    def answer_with(button: QMessageBox.StandardButton) -> None:
        def question(_parent: QWidget, _title: str, text: str, *_a: object) -> object:
            asked.append(text)
            return button
        monkeypatch.setattr(QMessageBox, "question", question)

    widget.view.setFocus()
    answer_with(QMessageBox.StandardButton.Cancel)
    qtbot.keyClick(widget.view, Qt.Key.Key_Delete)
    assert deleted == [] and "Conversation 2" in asked[0]
    answer_with(QMessageBox.StandardButton.Yes)
    qtbot.keyClick(widget.view, Qt.Key.Key_Delete)
    assert deleted == [2]


def test_a_click_opens_and_clear_selection_forgets(qtbot: QtBot) -> None:
    widget = sidebar(qtbot)
    widget.set_conversations([conversation(i) for i in range(1, 4)], None)
    assert widget.current_id() is None
    view = widget.view
    with qtbot.waitSignal(widget.conversationSelected) as opened:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                         pos=view.visualRect(view.conversations.index(1)).center())
    assert opened.args == [2]
    assert widget.current_id() == 2
    widget.clear_selection()
    assert widget.current_id() is None
    assert not view.selectionModel().hasSelection()
