"""The conversation as it reads: saved messages, then the reply streaming in.

Streamed text arrives already batched (about thirty times a second, by the chat bridge), so
each piece is appended as it comes.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Slot
from PySide6.QtGui import QTextBlockFormat, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QTextBrowser, QWidget

from desktop_llm.chat import MessageRecord

_ROLE_COLOURS = {"user": "#2563eb", "assistant": "#059669", "system": "#6b7280"}


def _paragraph(text: str, style: str = "") -> str:
    style = f"white-space: pre-wrap; margin: 2px 0 10px 0; {style}"
    return f'<p style="{style}">{html.escape(text)}</p>'


def message_stats(message: MessageRecord) -> str:
    parts = []
    if message.completion_tokens is not None:
        parts.append(f"{message.completion_tokens} tokens")
    if message.tokens_per_second:
        parts.append(f"{message.tokens_per_second:.1f} tok/s")
    if message.time_to_first_token is not None:
        parts.append(f"{message.time_to_first_token:.2f} s to first token")
    return " · ".join(parts)


def _reply_block_format() -> QTextBlockFormat:
    block = QTextBlockFormat()
    block.setTopMargin(2)
    block.setBottomMargin(10)
    return block


class TranscriptView(QTextBrowser):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("transcriptView")
        self.setOpenExternalLinks(True)
        self.setPlaceholderText(
            self.tr("Ask the model anything. Everything stays on this computer.")
        )

    def _heading(self, role: str, note: str = "") -> str:
        label = {"user": self.tr("You"), "assistant": self.tr("Assistant"),
                 "system": self.tr("System")}.get(role, role)
        colour = _ROLE_COLOURS.get(role, "#111827")
        suffix = f' <span style="color:#9ca3af; font-weight:normal;">· {html.escape(note)}</span>'
        return (
            f'<p style="margin: 8px 0 0 0; color:{colour}; font-weight:bold;">'
            f"{html.escape(label)}{suffix if note else ''}</p>"
        )

    def _message_html(self, message: MessageRecord) -> str:
        notes = {
            "cancelled": self.tr("stopped"),
            "interrupted": self.tr("interrupted: the app closed before this reply finished"),
            "length": self.tr("cut off at the length limit"),
            "error": self.tr("failed"),
        }
        note = notes.get(message.finish_reason or "", "")
        if message.role == "assistant" and not note:
            note = message_stats(message)
        body = _paragraph(message.content) if message.content else ""
        if message.error:
            body += _paragraph(message.error, "color:#dc2626;")
        return self._heading(message.role, note) + body

    def show_messages(self, messages: list[MessageRecord]) -> None:
        self.setHtml("".join(self._message_html(m) for m in messages))
        self._scroll_to_end()

    def begin_exchange(self, question: str) -> None:
        """Show the question at once and open an empty reply for the stream to fill."""
        cursor = self._end_cursor()
        fragments = (
            self._heading("user"),
            _paragraph(question),
            self._heading("assistant", self.tr("writing…")),
        )
        for fragment in fragments:
            # insertHtml merges a lone paragraph into the current block: start a fresh one,
            # with plain formats so nothing of the previous fragment's style carries over.
            if not self.document().isEmpty():
                cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
            cursor.insertHtml(fragment)
        cursor.insertBlock(_reply_block_format(), QTextCharFormat())
        self._scroll_to_end()

    @Slot(str)
    def append_reply_text(self, text: str) -> None:
        bar = self.verticalScrollBar()
        following = bar.value() >= bar.maximum() - 4
        self._end_cursor().insertText(text, QTextCharFormat())
        if following:
            self._scroll_to_end()

    def _end_cursor(self) -> QTextCursor:
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        return cursor

    def _scroll_to_end(self) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())
