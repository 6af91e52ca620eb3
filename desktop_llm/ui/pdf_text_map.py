"""Copying Chinese out of Qt's PDFs: the Kangxi radicals Qt maps common characters to, undone.

A PDF says which characters each drawn glyph stands for in a ``/ToUnicode`` map; viewers use it
to copy and search. Qt builds that map by asking, for each glyph, which character the font
draws with it, lowest code point first. CJK fonts draw a common character and its Kangxi
radical (文 U+6587 and ⽂ U+2F42, 一 and ⼀, 人 and ⼈: 214 of the most used characters) with one
glyph, and the radical's code point is lower: text copied from the PDF held radicals that look
right and match nothing in a search. This rewrites those entries to the characters themselves
(a radical's compatibility decomposition, NFKC) and moves the cross-reference table's offsets
by what the rewritten maps grew. Anything unexpected leaves the PDF as Qt wrote it.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable

logger = logging.getLogger(__name__)

# CJK Radicals Supplement and Kangxi Radicals.
_RADICALS = range(0x2E80, 0x2FE0)
_TO_UNICODE = re.compile(rb"/ToUnicode (\d+) 0 R")
_RANGE_LINE = re.compile(rb"<([0-9A-Fa-f]+)> <([0-9A-Fa-f]+)> (\[[^\]]*\]|<[0-9A-Fa-f]+>)")
_CODE = re.compile(rb"<([0-9A-Fa-f]+)>")
_XREF = re.compile(rb"xref\n0 (\d+)\n")


def fix_radicals(pdf: bytes) -> bytes:
    """``pdf`` with its ToUnicode maps naming characters rather than radicals."""
    try:
        return _fix(pdf)
    except (ValueError, IndexError) as error:  # not the layout Qt writes: leave it alone
        logger.debug("PDF text map left as it was: %s", error)
        return pdf


def _fix(pdf: bytes) -> bytes:
    edits: list[tuple[int, int, bytes]] = []  # (start, end, replacement) in the old file
    for number in dict.fromkeys(_TO_UNICODE.findall(pdf)):
        header = re.search(rb"\n" + number + rb" 0 obj\n<< /Length (\d+) >>\nstream\n", pdf)
        if header is None:
            raise ValueError(f"object {number.decode()} not found")
        start = header.end()
        body = pdf[start:start + int(header.group(1))]
        fixed = _fix_cmap(body)
        if fixed != body:
            # From the length on: the object's own start (what the table points at) stays.
            length_at = header.start(1)
            rest = pdf[header.end(1):start]
            edits.append((length_at, start + len(body), b"%d" % len(fixed) + rest + fixed))
    if not edits:
        return pdf
    edits.sort()
    out: list[bytes] = []
    cursor = 0
    for begin, end, replacement in edits:
        out += [pdf[cursor:begin], replacement]
        cursor = end
    out.append(pdf[cursor:])
    return _move_xref(b"".join(out), edits)


def _fix_cmap(body: bytes) -> bytes:
    def line(match: re.Match[bytes]) -> bytes:
        first, last, target = match.group(1), match.group(2), match.group(3)
        if target.startswith(b"["):
            codes = _CODE.findall(target)
        else:  # consecutive glyphs to consecutive characters: spelled out if one is a radical
            base = int(target[1:-1], 16)
            count = int(last, 16) - int(first, 16) + 1
            codes = [b"%04X" % (base + i) for i in range(count)] if len(target) == 6 else []
        fixed = [_character(code) for code in codes]
        if fixed == codes:
            return match.group(0)
        return b"<%s> <%s> [%s]" % (first, last, b" ".join(b"<%s>" % c for c in fixed))

    return _RANGE_LINE.sub(line, body)


def _character(code: bytes) -> bytes:
    if len(code) != 4 or int(code, 16) not in _RADICALS:
        return code
    character = unicodedata.normalize("NFKC", chr(int(code, 16)))
    if len(character) != 1 or ord(character) > 0xFFFF:
        return code
    return b"%04X" % ord(character)


def _move_xref(pdf: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """Every object's offset in the cross-reference table, moved past the rewritten maps."""
    found = list(re.finditer(rb"startxref\n(\d+)", pdf))
    if not found:
        raise ValueError("no startxref")
    startxref = found[-1]
    old_xref = int(startxref.group(1))
    moved = _mover(edits)
    xref = moved(old_xref)
    table = _XREF.match(pdf, xref)
    if table is None:
        raise ValueError("no cross-reference table where startxref points")
    entries_start = table.end()
    count = int(table.group(1))
    entries = []
    for index in range(count):
        entry = pdf[entries_start + 20 * index:entries_start + 20 * (index + 1)]
        if entry[17:18] == b"n":
            entry = b"%010d" % moved(int(entry[:10])) + entry[10:]
        entries.append(entry)
    end = entries_start + 20 * count
    # The table keeps its length, so startxref has not moved.
    pdf = pdf[:entries_start] + b"".join(entries) + pdf[end:]
    return pdf[:startxref.start()] + b"startxref\n%d" % xref + pdf[startxref.end():]


def _mover(edits: list[tuple[int, int, bytes]]) -> Callable[[int], int]:
    """Where a byte of the old file is in the new one."""

    def moved(offset: int) -> int:
        shift = 0
        for begin, end, replacement in edits:
            if begin < offset:
                if offset < end:
                    raise ValueError("an object starts inside a rewritten map")
                shift += len(replacement) - (end - begin)
        return offset + shift

    return moved
