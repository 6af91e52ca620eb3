"""JSON read from a file a piece at a time: a top-level list one element at a time, so a
500 MB ChatGPT export never needs its whole text, let alone its whole object tree, in memory.

``json.JSONDecoder.raw_decode`` runs over a buffer that grows until the next value is complete.
A value that is not complete yet fails to decode; the buffer then at least doubles before the
next try, so a value is decoded about twice in all, however large. A value may not grow past
``max_value_chars``: a runaway string or a list that never closes is refused at that size, not
when memory runs out. Nesting too deep for the decoder's recursion guard is refused as such.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from desktop_llm.errors import ImportRefusedError
from desktop_llm.i18n import translate
from desktop_llm.transcripts.import_limits import (
    MAX_CONVERSATION_JSON_CHARS,
    MAX_JSON_FILE_BYTES,
    READ_CHUNK_BYTES,
)

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_BOM = "\ufeff"


# Digits in one integer: ids and token counts have a handful; Python's own guard (4,300) would
# otherwise end with advice about sys.set_int_max_str_digits.
_MAX_INTEGER_DIGITS = 40


# The decoder's hooks refuse a number with a ValueError whose text ends the user's sentence
# ("{source} is not a file desktop-llm can import: {reason}."), so it is in their language.


def _no_constants(name: str) -> Any:
    # NaN and Infinity are Python's extension to JSON; no exporter we read writes them.
    raise ValueError(
        translate("Import", "it holds {name}, which is not a JSON number").format(name=name)
    )


def _finite_float(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise ValueError(translate(
            "Import", "it holds the number {number}, too large for any time or count"
        ).format(number=text[:20]))
    return number


def _short_int(text: str) -> int:
    if len(text) > _MAX_INTEGER_DIGITS:
        raise ValueError(translate(
            "Import", "it holds a whole number {digits} digits long"
        ).format(digits=len(text)))
    return int(text)


class JsonReader:
    """Reads JSON values one after another from ``stream`` (binary, UTF-8).

    Every failure is an ``ImportRefusedError`` naming ``source``: bytes that are not UTF-8, text
    that is not JSON, a file cut off in the middle of a value, a value larger than
    ``max_value_chars`` or nested too deeply, more than ``max_total_bytes`` read in all.
    """

    def __init__(
        self,
        stream: BinaryIO,
        *,
        source: str,
        max_value_chars: int = MAX_CONVERSATION_JSON_CHARS,
        max_total_bytes: int = MAX_JSON_FILE_BYTES,
        chunk_bytes: int = READ_CHUNK_BYTES,
    ) -> None:
        self._stream = stream
        self.source = source
        self._max_value = max_value_chars
        self._max_total = max_total_bytes
        self._chunk = chunk_bytes
        self._utf8 = codecs.getincrementaldecoder("utf-8")("strict")
        self._decoder = json.JSONDecoder(
            parse_constant=_no_constants, parse_float=_finite_float, parse_int=_short_int
        )
        self._buffer = ""
        self._pos = 0
        # Characters dropped from the front of the buffer: positions in errors are the file's.
        self._dropped = 0
        self._bytes_read = 0
        self._eof = False
        self._started = False

    @property
    def position(self) -> int:
        """Characters of the file consumed so far."""
        return self._dropped + self._pos

    # ----------------------------------------------------------------------------- reading

    def peek(self) -> str:
        """The next character that is not whitespace, without consuming it; "" at the end."""
        self._skip_whitespace()
        return self._buffer[self._pos] if self._pos < len(self._buffer) else ""

    def value(self) -> Any:
        """Decode the next whole value (of at most ``max_value_chars`` characters)."""
        if not self.peek():
            raise self._cut_off()
        while True:
            start = self._pos  # reading more drops what came before, moving the value's start
            try:
                value, end = self._decoder.raw_decode(self._buffer, start)
            except json.JSONDecodeError as error:
                if len(self._buffer) - start > self._max_value:
                    raise self._too_big() from None
                if self._eof:
                    raise self._malformed(error) from None
                self._need_more(start)
                continue
            except RecursionError:
                raise ImportRefusedError(translate(
                    "Import",
                    "{source} nests lists or objects too deeply to be a conversation file.",
                ).format(source=self.source)) from None
            except ValueError as error:  # a number refused above
                raise ImportRefusedError(translate(
                    "Import", "{source} is not a file desktop-llm can import: {reason}."
                ).format(source=self.source, reason=error)) from None
            if end == len(self._buffer) and not self._eof and isinstance(value, (int, float)):
                # "12" may be the start of "1234": a number is only complete before a delimiter.
                self._need_more(start)
                continue
            if end - start > self._max_value:
                raise self._too_big()
            self._pos = end
            return value

    def items(self) -> Iterator[Any]:
        """The elements of the list that comes next, one at a time."""
        if self.peek() != "[":
            raise ImportRefusedError(translate(
                "Import", "{source} does not hold a JSON list here."
            ).format(source=self.source))
        self._pos += 1
        if self.peek() == "]":
            self._pos += 1
            return
        while True:
            yield self.value()
            following = self.peek()
            self._pos += 1
            if following == "]":
                return
            if following != ",":
                if not following:
                    raise self._cut_off()
                raise ImportRefusedError(translate(
                    "Import", "{source} is not valid JSON: expected ',' or ']' at character {at}."
                ).format(source=self.source, at=self._dropped + self._pos))

    def expect_end(self) -> None:
        """Refuse anything but whitespace after the value(s) read."""
        if self.peek():
            raise ImportRefusedError(translate(
                "Import",
                "{source} is not valid JSON: more data follows its value (at character {at}).",
            ).format(source=self.source, at=self._dropped + self._pos + 1))

    # ----------------------------------------------------------------------------- buffer

    def _skip_whitespace(self) -> None:
        while True:
            match = _WHITESPACE.match(self._buffer, self._pos)
            assert match is not None  # the pattern matches the empty string
            self._pos = match.end()
            if self._pos < len(self._buffer) or self._eof:
                return
            self._read(self._chunk)

    def _need_more(self, start: int) -> None:
        """The value from ``start`` is not complete yet: read at least as much again."""
        pending = len(self._buffer) - start
        if pending >= self._max_value:
            raise self._too_big()
        self._read(max(self._chunk, pending))

    def _read(self, size: int) -> None:
        # Drop what was consumed, so the buffer holds at most the value being decoded.
        if self._pos:
            self._dropped += self._pos
            self._buffer = self._buffer[self._pos :]
            self._pos = 0
        pieces = [self._buffer]
        wanted = size
        while wanted > 0 and not self._eof:
            try:
                data = self._stream.read(min(wanted, self._chunk))
            except OSError as error:
                raise ImportRefusedError(translate(
                    "Import", "{where} could not be read: {problem}."
                ).format(where=self.source, problem=error.strerror or error)) from None
            self._bytes_read += len(data)
            if self._bytes_read > self._max_total:
                raise ImportRefusedError(translate(
                    "Import",
                    "{source} is larger than {size} of JSON, more than any chat history; it was "
                    "not imported.",
                ).format(source=self.source, size=_size(self._max_total)))
            wanted -= len(data)
            try:
                text = self._utf8.decode(data, final=not data)
            except UnicodeDecodeError:
                raise ImportRefusedError(translate(
                    "Import", "{source} is not UTF-8 text (a binary file?), so it is not JSON."
                ).format(source=self.source)) from None
            if not self._started and text:
                self._started = True
                text = text.removeprefix(_BOM)  # what some Windows editors put first
            pieces.append(text)
            if not data:
                self._eof = True
        self._buffer = "".join(pieces)

    # ----------------------------------------------------------------------------- errors

    def _cut_off(self) -> ImportRefusedError:
        if not self._started:
            return ImportRefusedError(
                translate("Import", "{name} is empty.").format(name=self.source)
            )
        return ImportRefusedError(translate(
            "Import",
            "{source} is cut off: its JSON ends in the middle (an interrupted download or copy?).",
        ).format(source=self.source))

    def _malformed(self, error: json.JSONDecodeError) -> ImportRefusedError:
        if self._stopped_early(error):
            return self._cut_off()
        # The problem is Python's json module's, in English.
        return ImportRefusedError(translate(
            "Import", "{source} is not valid JSON: {problem} at character {at}."
        ).format(source=self.source, problem=error.msg.lower(), at=self._dropped + error.pos + 1))

    def _stopped_early(self, error: json.JSONDecodeError) -> bool:
        """Whether the text could still have become valid JSON had it gone on: the decoder
        failed at its very end, inside a string never closed, an escape or a word cut short."""
        end = len(self._buffer.rstrip())
        rest = self._buffer[error.pos : end]
        return (
            error.pos >= end
            or error.msg.startswith("Unterminated string")
            or (error.msg.startswith("Invalid \\uXXXX") and len(rest) < 6)
            or (bool(rest) and any(word.startswith(rest) for word in ("true", "false", "null")))
        )

    def _too_big(self) -> ImportRefusedError:
        return ImportRefusedError(translate(
            "Import",
            "{source} holds a JSON value of more than {size}, larger than any conversation; it "
            "was not imported.",
        ).format(source=self.source, size=_size(self._max_value)))


def _size(count: int) -> str:
    """A limit for people: "64 MiB", "64 KiB"."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if count >= scale:
            return f"{count / scale:g} {unit}"
    return translate("Import", "{count} bytes").format(count=count)
