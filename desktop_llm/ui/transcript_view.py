"""The conversation as it reads: the branch shown, then the reply streaming in.

One QTextBrowser (one document) rather than a widget per message, so a 1,000-message
conversation opens quickly: only the newest ``PAGE`` messages are drawn, with a "Show earlier
messages" link that adds more above. Replies are Markdown (markdown_render); the reply being
streamed is drawn incrementally (transcript_live).

Actions are links with the ``dllm:`` scheme, handled in ``_on_anchor_clicked``: copying
happens here; edit, regenerate, continue, delete and the branch arrows are emitted as
``messageAction(action, message_id)`` for the window to carry out. Links in replies open in
the system browser only when clicked, and only for http(s) and mailto; nothing is ever loaded
(``loadResource`` returns nothing).

Streamed text arrives already batched (about thirty times a second, by the chat bridge).
"""

from __future__ import annotations

import html

from PySide6.QtCore import QCoreApplication, QEvent, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QGuiApplication,
    QPalette,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import QTextBrowser, QTextEdit, QWidget

from desktop_llm.chat import MessageRecord
from desktop_llm.chat.reasoning import split_reasoning
from desktop_llm.ui.locale_format import decimal, number
from desktop_llm.ui.markdown_render import ACTION_SCHEME, Theme, render_markdown, safe_link
from desktop_llm.ui.transcript_live import LIVE_KEY, LiveReply

PAGE = 50  # messages drawn when a conversation opens, and added by "Show earlier messages"
HIGHLIGHT_MS = 1800
_ROLE_COLOURS = {
    False: {"user": "#2563eb", "assistant": "#059669", "system": "#6b7280"},
    True: {"user": "#60a5fa", "assistant": "#34d399", "system": "#9ca3af"},
}
_ERROR_COLOUR = {False: "#dc2626", True: "#f87171"}


def message_stats(message: MessageRecord) -> str:
    translate = QCoreApplication.translate
    parts = []
    if message.role != "assistant" and message.token_count is not None:
        parts.append(translate("TranscriptView", "{0} tokens").format(
            number(message.token_count)
        ))
    if message.completion_tokens is not None:
        parts.append(translate("TranscriptView", "{0} tokens").format(
            number(message.completion_tokens)
        ))
    if message.tokens_per_second:
        parts.append(translate("TranscriptView", "{0} tok/s").format(
            decimal(message.tokens_per_second, 1)
        ))
    if message.time_to_first_token is not None:
        parts.append(translate("TranscriptView", "{0} s to first token").format(
            decimal(message.time_to_first_token, 2)
        ))
    return " · ".join(parts)


def theme_from_palette(palette: QPalette) -> Theme:
    base = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    dark = base.lightness() < 128
    link = palette.color(QPalette.ColorRole.Link)
    if abs(link.lightnessF() - base.lightnessF()) < 0.4:
        # Palettes made by hand often keep the default blue, unreadable on a dark base.
        link = QColor("#8ab4f8" if dark else "#2563eb")
    muted = _mix(text, base, 0.45)
    return Theme(
        dark=dark,
        text=text.name(),
        muted=muted.name(),
        link=link.name(),
        border=_mix(text, base, 0.7).name(),
        inline_code_bg=_mix(text, base, 0.9).name(),
    )


def _mix(a: QColor, b: QColor, towards_b: float) -> QColor:
    return QColor(
        round(a.red() + (b.red() - a.red()) * towards_b),
        round(a.green() + (b.green() - a.green()) * towards_b),
        round(a.blue() + (b.blue() - a.blue()) * towards_b),
    )


def out_of_context_ids(messages: list[MessageRecord]) -> set[int]:
    """The messages before the last reply's ``context_from_id``: the model no longer saw
    them when it wrote that reply (system messages are always kept)."""
    for message in reversed(messages):
        if message.role == "assistant" and message.context_from_id is not None:
            ids = [m.id for m in messages]
            if message.context_from_id not in ids:
                return set()
            cut = ids.index(message.context_from_id)
            return {m.id for m in messages[:cut] if m.role != "system"}
    return set()


class TranscriptView(QTextBrowser):
    # (action, message id): "edit" (a user message), "regenerate", "continue" (a reply cut at
    # the length limit), "delete"; "previous" and "next" carry the id of the version to show.
    messageAction = Signal(str, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("transcriptView")
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        # Read-only: an undo history would only grow with every streamed piece.
        self.document().setUndoRedoEnabled(False)
        self.setPlaceholderText(
            self.tr("Ask the model anything. Everything stays on this computer.")
        )
        self.anchorClicked.connect(self._on_anchor_clicked)
        self._theme = theme_from_palette(self.palette())
        self._messages: list[MessageRecord] = []
        self._first_shown = 0
        self._out_of_context: set[int] = set()
        self._expanded: set[str] = set()  # message ids (as text) or LIVE_KEY: reasoning shown
        self._code_blocks: dict[str, tuple[str, ...]] = {}
        self._question: str | None = None  # asked, not saved yet: shown above the live reply
        self._live: LiveReply | None = None
        self._highlight = QTimer(self)
        self._highlight.setSingleShot(True)
        self._highlight.timeout.connect(lambda: self.setExtraSelections([]))

    # The API ----------------------------------------------------------------------------------

    def show_branch(self, messages: list[MessageRecord]) -> None:
        """Show these messages (root first), the newest ``PAGE`` of them, scrolled to the end."""
        self._messages = list(messages)
        self._first_shown = max(0, len(self._messages) - PAGE)
        self._out_of_context = out_of_context_ids(self._messages)
        self._question = None
        self._live = None
        self._expanded.discard(LIVE_KEY)  # the next reply starts collapsed
        self._render()
        self._scroll_to_end()

    show_messages = show_branch  # the name callers used before branches

    def begin_exchange(self, question: str) -> None:
        """Show the question at once and open an empty reply for the stream to fill."""
        self._question = question
        self._insert_html(self._message_html_unsaved("user", question))
        self._start_live("")

    def begin_reply(self, prefix: str = "") -> None:
        """Open a reply for the stream to fill, after what is shown: empty (regenerate), or
        starting with ``prefix`` (continue: show the branch without that reply first)."""
        self._start_live(prefix)

    @Slot(str)
    def append_reply_text(self, text: str) -> None:
        live = self._live
        if live is None:
            return
        following = self._following()
        live.append(text)
        self._code_blocks[LIVE_KEY] = tuple(live.code_blocks)
        if following:
            self._scroll_to_end()

    def scroll_to_message(self, message_id: int) -> None:
        """Bring a message into view (drawing earlier messages if needed) and highlight it."""
        ids = [m.id for m in self._messages]
        if message_id not in ids:
            return
        index = ids.index(message_id)
        if index < self._first_shown:
            self._first_shown = max(0, index - 5)
            self._render()
        name = f"m{message_id}"
        self.scrollToAnchor(name)
        span = self._message_span(name)
        if span is not None:
            selection = QTextEdit.ExtraSelection()
            cursor = QTextCursor(self.document())
            cursor.setPosition(span[0])
            cursor.setPosition(span[1], QTextCursor.MoveMode.KeepAnchor)
            selection.cursor = cursor
            highlight = QTextCharFormat()
            colour = QColor(self.palette().color(QPalette.ColorRole.Highlight))
            colour.setAlpha(60)
            highlight.setBackground(colour)
            highlight.setProperty(QTextFormat.Property.FullWidthSelection, True)
            selection.format = highlight
            self.setExtraSelections([selection])
            self._highlight.start(HIGHLIGHT_MS)

    def clear(self) -> None:
        self._messages = []
        self._first_shown = 0
        self._out_of_context = set()
        self._question = None
        self._live = None
        self._code_blocks.clear()
        self.setExtraSelections([])
        super().clear()

    def loadResource(self, type_: int, url: QUrl | str) -> object:
        """Nothing is ever loaded: not images, not style sheets, whatever a reply links."""
        return None

    # Drawing --------------------------------------------------------------------------------

    def _render(self) -> None:
        """Draw the shown messages (and a reply streaming, if any) from scratch."""
        bar = self.verticalScrollBar()
        from_bottom = bar.maximum() - bar.value()
        self._code_blocks.clear()
        parts = []
        if self._first_shown > 0:
            parts.append(
                '<p align="center" style="margin:6px 0 10px 0;">'
                f'<a href="{ACTION_SCHEME}:earlier/0" style="color:{self._theme.link};">'
                + html.escape(self.tr("Show earlier messages ({0} more)").format(
                    self._first_shown))
                + "</a></p>"
            )
        parts += [self._message_html(m) for m in self._messages[self._first_shown:]]
        if self._question is not None:
            parts.append(self._message_html_unsaved("user", self._question))
        self.setHtml("".join(parts))
        live = self._live
        if live is not None:
            self._start_live(live.text)
        bar.setValue(bar.maximum() - from_bottom)

    def _start_live(self, prefix: str) -> None:
        self._insert_html(self._heading_html("assistant", self.tr("writing…"), None, False))
        self._live = LiveReply(
            self.document(),
            self._theme,
            lambda reasoning: self._reasoning_html(LIVE_KEY, reasoning, streaming=True),
            self.tr("Copy"),
            self.tr("code"),
        )
        if prefix:
            self._live.append(prefix)
        self._code_blocks[LIVE_KEY] = tuple(self._live.code_blocks)
        self._scroll_to_end()

    def _insert_html(self, fragment: str) -> None:
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        # insertHtml merges a lone paragraph into the current block: start a fresh one, with
        # plain formats so nothing of the previous fragment's style carries over.
        if not self.document().isEmpty():
            cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
            cursor.setBlockFormat(QTextBlockFormat())
            cursor.setCharFormat(QTextCharFormat())
        cursor.insertHtml(fragment)

    def _message_html(self, message: MessageRecord) -> str:
        notes = {
            "cancelled": self.tr("stopped"),
            "interrupted": self.tr("interrupted: the app closed before this reply finished"),
            "length": self.tr("cut off at the length limit"),
            "error": self.tr("failed"),
        }
        note = notes.get(message.finish_reason or "", "")
        if message.streaming:
            note = self.tr("writing…")
        dimmed = message.id in self._out_of_context
        if dimmed:
            context = self.tr("no longer in the model's context")
            note = f"{note} · {context}" if note else context
        parts = [self._heading_html(message.role, note, message.id, dimmed)]
        key = str(message.id)
        if message.role == "assistant":
            reasoning, answer = message.reasoning, message.content
            if not reasoning:
                reasoning, answer = split_reasoning(answer)
            if reasoning:
                parts.append(self._reasoning_html(key, reasoning, streaming=False))
            rendered = render_markdown(
                answer, self._theme, key, 0, self.tr("Copy"), self.tr("code")
            )
            self._code_blocks[key] = rendered.code_blocks
            parts.append(rendered.html)
        elif message.content:
            parts.append(self._plain_html(message.content, dimmed))
        if message.error:
            parts.append(self._plain_html(message.error, False, _ERROR_COLOUR[self._theme.dark]))
        parts.append(self._footer_html(message))
        return "".join(parts)

    def _message_html_unsaved(self, role: str, text: str) -> str:
        return self._heading_html(role, "", None, False) + self._plain_html(text, False)

    def _heading_html(self, role: str, note: str, message_id: int | None, dimmed: bool) -> str:
        label = {"user": self.tr("You"), "assistant": self.tr("Assistant"),
                 "system": self.tr("System")}.get(role, role)
        colour = self._theme.muted if dimmed else _ROLE_COLOURS[self._theme.dark].get(
            role, self._theme.text)
        name = f"m{message_id}" if message_id is not None else "pending"
        suffix = (
            f' <span style="color:{self._theme.muted}; font-weight:normal;">'
            f"· {html.escape(note)}</span>" if note else ""
        )
        return (
            f'<p style="margin-top:12px; margin-bottom:2px;"><a name="{name}">'
            f'<span style="color:{colour}; font-weight:bold;">{html.escape(label)}</span>'
            f"</a>{suffix}</p>"
        )

    def _plain_html(self, text: str, dimmed: bool, colour: str = "") -> str:
        colour = colour or (self._theme.muted if dimmed else "")
        style = f" color:{colour};" if colour else ""
        return (
            f'<p style="white-space:pre-wrap; margin-top:2px; margin-bottom:4px;{style}">'
            f"{html.escape(text)}</p>"
        )

    def _reasoning_html(self, key: str, reasoning: str, *, streaming: bool) -> str:
        expanded = key in self._expanded
        label = self.tr("Reasoning") + (" ▾" if expanded else " ▸")
        if streaming and not expanded:
            label += " · " + self.tr("{0} words").format(len(reasoning.split()))
        link = (
            f'<p style="margin-top:2px; margin-bottom:4px;">'
            f'<a href="{ACTION_SCHEME}:reasoning/{key}" style="color:{self._theme.muted};'
            f' text-decoration:none;">{html.escape(label)}</a></p>'
        )
        if not expanded:
            return link
        return link + (
            f'<p style="white-space:pre-wrap; margin-left:16px; margin-top:0;'
            f' margin-bottom:6px; color:{self._theme.muted}; font-style:italic;">'
            f"{html.escape(reasoning)}</p>"
        )

    def _footer_html(self, message: MessageRecord) -> str:
        actions = [("copy", message.id, self.tr("Copy"))]
        if message.role == "user":
            actions.append(("edit", message.id, self.tr("Edit")))
        elif message.role == "assistant" and not message.streaming:
            actions.append(("regenerate", message.id, self.tr("Regenerate")))
            if message.finish_reason == "length":
                actions.append(("continue", message.id, self.tr("Continue")))
        if not message.streaming:
            actions.append(("delete", message.id, self.tr("Delete")))
        muted = self._theme.muted
        links = [self._action_link(action, target, label) for action, target, label in actions]
        parts = ["&nbsp;·&nbsp; ".join(links)]
        siblings = message.sibling_ids
        if len(siblings) > 1 and message.id in siblings:
            index = siblings.index(message.id)
            previous = (
                self._action_link("previous", siblings[index - 1], "‹") if index > 0 else "‹"
            )
            following = (
                self._action_link("next", siblings[index + 1], "›")
                if index + 1 < len(siblings) else "›"
            )
            parts.append(f"{previous} {index + 1}/{len(siblings)} {following}")
        stats = message_stats(message)
        if stats:
            parts.append(html.escape(stats))
        return (
            f'<p style="margin-top:0; margin-bottom:6px; font-size:small; color:{muted};">'
            + "&nbsp;&nbsp;&nbsp; ".join(parts) + "</p>"
        )

    def _action_link(self, action: str, message_id: int, label: str) -> str:
        return (
            f'<a href="{ACTION_SCHEME}:{action}/{message_id}" style="color:{self._theme.link};'
            f' text-decoration:none;">{html.escape(label)}</a>'
        )

    # Clicks ---------------------------------------------------------------------------------

    @Slot(QUrl)
    def _on_anchor_clicked(self, url: QUrl) -> None:
        if url.scheme() != ACTION_SCHEME:
            if safe_link(url.toString()):
                QDesktopServices.openUrl(url)
            return
        action, _, rest = url.path().partition("/")
        if action == "copy-code":
            key, _, index = rest.partition("/")
            blocks = self._code_blocks.get(key, ())
            if index.isdigit() and int(index) < len(blocks):
                QGuiApplication.clipboard().setText(blocks[int(index)])
        elif action == "reasoning":
            self._toggle_reasoning(rest)
        elif action == "earlier":
            self._first_shown = max(0, self._first_shown - PAGE)
            self._render()
        elif rest.isdigit():
            message_id = int(rest)
            if action == "copy":
                self._copy_message(message_id)
            else:
                self.messageAction.emit(action, message_id)

    def _copy_message(self, message_id: int) -> None:
        for message in self._messages:
            if message.id == message_id:
                text = message.content
                if message.role == "assistant" and not message.reasoning:
                    text = split_reasoning(text)[1]
                QGuiApplication.clipboard().setText(text)
                return

    def _toggle_reasoning(self, key: str) -> None:
        self._expanded.symmetric_difference_update({key})
        live = self._live
        if key == LIVE_KEY and live is not None:
            live.redraw()
            self._code_blocks[LIVE_KEY] = tuple(live.code_blocks)
        else:
            self._render()

    # Theme and scrolling ----------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            theme = theme_from_palette(self.palette())
            if theme != self._theme:
                self._theme = theme
                if self._messages or self._live is not None:
                    self._render()

    def _message_span(self, name: str) -> tuple[int, int] | None:
        """Where the message whose heading anchor is ``name`` starts and ends."""
        start = None
        block = self.document().begin()
        while block.isValid():
            iterator = block.begin()
            while not iterator.atEnd():
                fragment = iterator.fragment()
                names = fragment.charFormat().anchorNames()
                if names:
                    if start is not None and names[0] != name:
                        return start, block.position() - 1
                    if name in names:
                        start = block.position()
                iterator += 1
            block = block.next()
        if start is None:
            return None
        end = QTextCursor(self.document())
        end.movePosition(QTextCursor.MoveOperation.End)
        return start, end.position()

    def _following(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - 4

    def _scroll_to_end(self) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())
