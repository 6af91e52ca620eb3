"""The sidebar's conversations: a search field above the list of conversations, whose
place the search results take while the field holds a query.

The window runs the searches (off the GUI thread): this widget asks with ``searchRequested``
and shows what comes back with ``show_search_results``, ignoring results for a query the
field no longer holds.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QListView,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_llm.chat import ConversationRecord
from desktop_llm.ui.conversation_view import ConversationView
from desktop_llm.ui.search_field import SearchField
from desktop_llm.ui.search_results import Hit, SearchHitDelegate, SearchResultsModel


class ConversationList(QWidget):
    conversationSelected = Signal(int)
    # (conversation id, message id): a search hit in a message was clicked.
    messageRequested = Signal(int, object)
    renameRequested = Signal(int, str)
    deleteRequested = Signal(int)
    pinRequested = Signal(int, bool)
    exportRequested = Signal(int)
    searchRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conversationList")
        self.search_field = SearchField()
        self.view = ConversationView()
        self.results = SearchResultsModel(self)
        self.results_view = QListView()
        self.results_view.setObjectName("searchResults")
        self.results_view.setModel(self.results)
        self.results_view.setItemDelegate(SearchHitDelegate(self.results_view))
        self.results_view.setUniformItemSizes(True)
        self.results_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results_view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.no_matches = QLabel(self.tr("No matches"))
        self.no_matches.setObjectName("searchNoMatches")
        self.no_matches.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.no_matches.setContentsMargins(0, 16, 0, 0)
        self.no_matches.setEnabled(False)  # drawn in the theme's quiet text colour

        self.pages = QStackedWidget()
        for page in (self.view, self.results_view, self.no_matches):
            self.pages.addWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.search_field)
        layout.addWidget(self.pages, 1)

        self.view.conversationActivated.connect(self.conversationSelected)
        self.view.renameRequested.connect(self.renameRequested)
        self.view.deleteRequested.connect(self.deleteRequested)
        self.view.pinRequested.connect(self.pinRequested)
        self.view.exportRequested.connect(self.exportRequested)
        self.results_view.clicked.connect(self._on_hit_activated)
        self.results_view.activated.connect(self._on_hit_activated)
        self.search_field.queryChanged.connect(self._on_query_changed)
        self.search_field.leaveRequested.connect(self._on_leave_search)

    # The list -------------------------------------------------------------------------------

    def set_conversations(
        self, conversations: Sequence[ConversationRecord], current_id: int | None
    ) -> None:
        self.view.set_conversations(conversations, current_id)
        query = self.search_field.query()
        if query:
            # Titles, messages or conversations changed: the results shown may be stale.
            self.searchRequested.emit(query)

    def select_id(self, conversation_id: int) -> None:
        self.view.select_id(conversation_id)

    def clear_selection(self) -> None:
        self.view.selectionModel().clear()
        self.results_view.selectionModel().clear()

    def current_id(self) -> int | None:
        return self.view.current_id()

    def select_row(self, row: int) -> None:
        self.view.setCurrentIndex(self.view.conversations.index(row))

    def count(self) -> int:
        return self.view.conversations.rowCount()

    def titles(self) -> list[str]:
        return self.view.conversations.titles()

    def records(self) -> list[ConversationRecord]:
        """The conversations listed, in the list's order."""
        model = self.view.conversations
        return [model.record(row) for row in range(model.rowCount())]

    def record_of(self, conversation_id: int) -> ConversationRecord | None:
        row = self.view.conversations.row_of(conversation_id)
        return None if row is None else self.view.conversations.record(row)

    def rename_current(self) -> None:
        self.view.rename_current()

    def delete_current(self) -> None:
        self.view.delete_current()

    # Search ---------------------------------------------------------------------------------

    def focus_search(self) -> None:
        self.search_field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_field.selectAll()

    def searching(self) -> bool:
        return self.pages.currentWidget() is not self.view

    def show_search_results(self, query: str, hits: Sequence[Hit]) -> None:
        if query != self.search_field.query():
            return  # the field has moved on: results for the current text are on their way
        self.results.set_hits(hits)
        self.pages.setCurrentWidget(self.results_view if hits else self.no_matches)

    @Slot(str)
    def _on_query_changed(self, query: str) -> None:
        if not query:
            self.results.set_hits([])
            self.pages.setCurrentWidget(self.view)
            return
        self.searchRequested.emit(query)

    @Slot()
    def _on_leave_search(self) -> None:
        target = self.pages.currentWidget()
        if not isinstance(target, QListView):
            return  # "No matches": nothing to move to
        target.setFocus(Qt.FocusReason.OtherFocusReason)
        if not target.currentIndex().isValid() and target.model().rowCount() > 0:
            target.setCurrentIndex(target.model().index(0, 0))

    @Slot(QModelIndex)
    def _on_hit_activated(self, index: QModelIndex | QPersistentModelIndex) -> None:
        if not index.isValid():
            return
        hit = self.results.hit(index.row())
        if hit.message_id is None:
            self.conversationSelected.emit(hit.conversation_id)
        else:
            self.messageRequested.emit(hit.conversation_id, hit.message_id)
