"""The reply being streamed, drawn incrementally at the end of the transcript's document.

Appending must cost the same for the 2,000th token as for the 10th, so the document is never
rebuilt per append. The reply's text is cut in two: finished top-level Markdown blocks (a
block is finished once the next one has started) are rendered once and never touched again;
only the open end (usually one paragraph) is removed and rendered again on each append. A
code fence still open streams as plain monospace lines appended to the document (no
re-rendering at all) and is highlighted once it closes.

The ``<think>`` part of a reply is shown as a one-line "Reasoning ▸" (or its text, when
expanded) above the answer; it is redrawn while it grows, which is cheap when collapsed.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import (
    QColor,
    QFont,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)

from desktop_llm.chat.reasoning import OPEN_TAG as THINK_OPEN
from desktop_llm.chat.reasoning import split_reasoning
from desktop_llm.ui.markdown_render import OpenFence, Theme, render_markdown, settle

LIVE_KEY = "live"


class LiveReply:
    """Owns the document from ``start`` (the end of the reply's heading) to its end."""

    def __init__(
        self,
        document: QTextDocument,
        theme: Theme,
        reasoning_html: Callable[[str], str],
        copy_label: str,
        code_label: str = "code",
    ) -> None:
        self._document = document
        self._theme = theme
        self._reasoning_html = reasoning_html  # the reasoning line (collapsed or expanded)
        self._copy_label = copy_label
        self._code_label = code_label
        self.text = ""
        self.code_blocks: list[str] = []
        self._start = self._end_position()
        self._reasoning: str | None = None  # the reasoning drawn above the answer, if any
        self._settled_text = ""  # the answer's finished blocks, drawn once
        self._settled_end = self._start  # where they end in the document
        self._fence: OpenFence | None = None
        self._fence_shown = 0  # characters of the open end already in the document
        self._fence_scan = 0  # where the first line not yet checked for a closing fence starts

    def append(self, text: str) -> None:
        # A carriage return would shift markdown-it's line numbers against ours; it shows
        # nothing anyway.
        self.text += text.replace("\r", "")
        reasoning, answer = self._split()
        if (reasoning or None) != self._reasoning or not answer.startswith(self._settled_text):
            self._rebuild(reasoning)
        self._update_answer(answer)

    def redraw(self) -> None:
        """Draw everything again (after the reasoning was expanded or collapsed)."""
        reasoning, answer = self._split()
        self._rebuild(reasoning)
        self._update_answer(answer)

    def _split(self) -> tuple[str, str]:
        reasoning, answer = split_reasoning(self.text)
        if not reasoning and THINK_OPEN.startswith(answer.lstrip() or "-"):
            return "", ""  # "<thi": the tag is still arriving; never show it as text
        return reasoning, answer

    # The parts -------------------------------------------------------------------------------

    def _rebuild(self, reasoning: str) -> None:
        cursor = self._cursor_from(self._start)
        cursor.removeSelectedText()
        self._reasoning = reasoning or None
        if reasoning:
            self._open_block(cursor)
            cursor.insertHtml(self._reasoning_html(reasoning))
        self._settled_text = ""
        self._settled_end = self._end_position()
        self._fence = None
        self.code_blocks.clear()

    def _update_answer(self, answer: str) -> None:
        while True:
            pending = answer[len(self._settled_text):]
            if self._fence is not None:
                closed_at = self._grow_fence(pending)
                if closed_at is None:
                    return
                self._settle(pending[:closed_at])
                continue
            settled, fence = settle(pending)
            if settled:
                self._settle(pending[:settled])
                pending = pending[settled:]
            if fence is not None:
                self._open_fence(pending, fence.body_start - settled, fence)
            else:
                self._draw_tail(pending)
            return

    def _settle(self, chunk: str) -> None:
        """Draw finished blocks once, after those already drawn."""
        cursor = self._cursor_from(self._settled_end)
        cursor.removeSelectedText()
        self._fence = None
        rendered = render_markdown(
            chunk, self._theme, LIVE_KEY, len(self.code_blocks), self._copy_label,
            self._code_label,
        )
        self._open_block(cursor)
        cursor.insertHtml(rendered.html)
        self.code_blocks.extend(rendered.code_blocks)
        self._settled_text += chunk
        self._settled_end = self._end_position()

    def _draw_tail(self, pending: str) -> None:
        cursor = self._cursor_from(self._settled_end)
        cursor.removeSelectedText()
        if pending.strip():
            rendered = render_markdown(
                pending, self._theme, LIVE_KEY, len(self.code_blocks), self._copy_label,
                self._code_label,
            )
            self._open_block(cursor)
            cursor.insertHtml(rendered.html)

    def _open_fence(self, pending: str, start: int, fence: OpenFence) -> None:
        """Start showing an open code fence (its code from ``start`` in ``pending``) as plain
        monospace lines."""
        self._fence = OpenFence(fence.marker, fence.indent, start)
        cursor = self._cursor_from(self._settled_end)
        cursor.removeSelectedText()
        self._open_block(cursor)
        block = QTextBlockFormat()
        block.setBackground(QColor(self._theme.inline_code_bg))
        cursor.setBlockFormat(block)
        cursor.setCharFormat(_monospace())
        code = pending[start:]
        cursor.insertText(code, _monospace())
        self._fence_shown = len(pending)
        self._fence_scan = start + code.rfind("\n") + 1 if "\n" in code else start

    def _grow_fence(self, pending: str) -> int | None:
        """Append what is new in an open fence; the end of the fence once it has closed."""
        fence = self._fence
        assert fence is not None
        position = self._fence_scan
        while (newline := pending.find("\n", position)) >= 0:
            if fence.closes(pending[position:newline]):
                return newline + 1
            position = newline + 1
        self._fence_scan = position
        new = pending[self._fence_shown:]
        if new:
            cursor = QTextCursor(self._document)
            cursor.movePosition(QTextCursor.MoveOperation.End)
            cursor.insertText(new, _monospace())
            self._fence_shown = len(pending)
        return None

    # Document helpers ------------------------------------------------------------------------

    def _cursor_from(self, position: int) -> QTextCursor:
        """A cursor selecting from ``position`` to the end of the document."""
        cursor = QTextCursor(self._document)
        cursor.setPosition(position)
        cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        return cursor

    def _end_position(self) -> int:
        cursor = QTextCursor(self._document)
        cursor.movePosition(QTextCursor.MoveOperation.End)
        return cursor.position()

    @staticmethod
    def _open_block(cursor: QTextCursor) -> None:
        """Put the cursor in a fresh, plain block at the end: reuse an empty one (Qt leaves one
        after a table, and removing a list leaves its first block in the list), else add one.
        insertHtml then starts there instead of merging into what came before."""
        block = cursor.block()
        if block.length() == 1 and cursor.currentTable() is None:
            text_list = block.textList()
            if text_list is not None:
                text_list.remove(block)
            cursor.setBlockFormat(QTextBlockFormat())
            cursor.setCharFormat(QTextCharFormat())
        else:
            cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())


def _monospace() -> QTextCharFormat:
    char = QTextCharFormat()
    char.setFontFamilies(["monospace"])
    char.setFontFixedPitch(True)
    char.setFontStyleHint(QFont.StyleHint.Monospace)
    return char
