"""Zip files offered for import (our backup, ChatGPT's data export), opened defensively.

Before zipfile reads the central directory, its size and entry count are read from the end
record and bounded (zipfile holds every entry's details in memory). Every entry name is
checked, even of entries never read: a path that leaves the folder (``../``, absolute, a drive
letter, backslashes) refuses the whole file. Entries are read as streams that count the bytes
that actually come out, never trusting the sizes in the headers: too many bytes in all, or too
many per compressed byte (a zip bomb), stop the import while decompressing.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, BinaryIO

from desktop_llm.errors import ImportRefusedError
from desktop_llm.i18n import translate
from desktop_llm.transcripts.import_limits import (
    MAX_COMPRESSION_RATIO,
    MAX_ZIP_DIRECTORY_BYTES,
    MAX_ZIP_ENTRIES,
    MAX_ZIP_UNCOMPRESSED_BYTES,
    MIN_RATIO_CHECK_BYTES,
)

ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")  # a zip's first bytes (the second: empty zip)

_END_RECORD = b"PK\x05\x06"
_END_RECORD_SIZE = 22
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_LOCATOR_SIZE = 20
_ZIP64_END_RECORD = b"PK\x06\x06"
_MAX_COMMENT = 0xFFFF
_DRIVE = re.compile(r"^[A-Za-z]:")
# What can go wrong inside zipfile and zlib when the bytes are damaged or hostile.
_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError, struct.error)


class ZipArchive:
    """An opened zip whose directory passed the checks; read entries with ``open``."""

    def __init__(self, archive: zipfile.ZipFile, source: str, size: int) -> None:
        self._archive = archive
        self.source = source
        self._size = size
        self._budget = MAX_ZIP_UNCOMPRESSED_BYTES
        self.names: list[str] = [info.filename for info in archive.infolist()]

    def open(self, name: str) -> BinaryIO:
        """A stream of the entry ``name``'s bytes, checked as they are decompressed."""
        info = self._archive.getinfo(name)
        where = f"{self.source}:{name}"
        if info.flag_bits & 0x1:
            raise ImportRefusedError(translate(
                "Import", "{where} is encrypted; desktop-llm cannot read it."
            ).format(where=where))
        # zipfile never returns more than the header's size (a longer entry fails its
        # checksum), so a header over what is left is refused at once; the bytes that really
        # come out are counted all the same, and a shorter entry than claimed costs nothing.
        if info.file_size > MAX_ZIP_UNCOMPRESSED_BYTES:
            raise ImportRefusedError(translate(
                "Import",
                "{where} says it unpacks to {size} bytes, more than the {limit} an import may "
                "read.",
            ).format(
                where=where, size=f"{info.file_size:,}", limit=f"{MAX_ZIP_UNCOMPRESSED_BYTES:,}"
            ))
        if info.file_size > self._budget:
            raise self._over_budget(where)
        try:
            stream = self._archive.open(info)
        except _DAMAGE as error:
            raise _damaged(where, error) from None
        # The entry's compressed bytes cannot exceed the file's, whatever its header says.
        compressed = max(1, min(info.compress_size, self._size))
        return _CheckedEntry(stream, self, where, compressed)  # type: ignore[return-value]

    def _spend(self, count: int, where: str) -> None:
        self._budget -= count
        if self._budget < 0:
            raise self._over_budget(where)

    @staticmethod
    def _over_budget(where: str) -> ImportRefusedError:
        return ImportRefusedError(translate(
            "Import",
            "{where} takes the zip past {limit} unpacked bytes in all, more than any chat "
            "export; it was not imported (a zip bomb?).",
        ).format(where=where, limit=f"{MAX_ZIP_UNCOMPRESSED_BYTES:,}"))


class _CheckedEntry:
    """A binary stream over one entry that enforces the limits on what really comes out."""

    def __init__(self, stream: IO[bytes], archive: ZipArchive, where: str, compressed: int):
        self._stream = stream
        self._archive = archive
        self._where = where
        self._compressed = compressed
        self._produced = 0

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = 1 << 20  # never everything at once: the limits apply per piece
        try:
            data = self._stream.read(size)
        except _DAMAGE as error:
            raise _damaged(self._where, error) from None
        except OSError as error:
            raise _unreadable(self._where, error) from None
        self._produced += len(data)
        self._archive._spend(len(data), self._where)
        if (
            self._produced > MIN_RATIO_CHECK_BYTES
            and self._produced > MAX_COMPRESSION_RATIO * self._compressed
        ):
            raise ImportRefusedError(translate(
                "Import",
                "{where} unpacks to over {ratio} times its packed size, as zip bombs do; it was "
                "not imported.",
            ).format(where=self._where, ratio=MAX_COMPRESSION_RATIO))
        return data

    def close(self) -> None:
        self._stream.close()


@contextmanager
def open_zip(path: Path, source: str) -> Iterator[ZipArchive]:
    """Open the zip at ``path`` (``source`` names it in refusals) after checking its
    directory's size, entry count and names."""
    try:
        file = path.open("rb")
    except OSError as error:
        raise _unreadable(source, error) from None
    with file:
        try:
            size = file.seek(0, 2)
            _check_directory(file, size, source)
            archive = zipfile.ZipFile(file)
        except OSError as error:
            raise _unreadable(source, error) from None
        except _DAMAGE as error:
            raise _damaged(source, error) from None
        with archive:
            _check_entries(archive.infolist(), source)
            yield ZipArchive(archive, source, size)


def _check_entries(infos: list[zipfile.ZipInfo], source: str) -> None:
    if len(infos) > MAX_ZIP_ENTRIES:
        raise _too_many(source, len(infos))
    seen: set[str] = set()
    for info in infos:
        _check_name(info.filename, source)
        if info.filename in seen:
            raise ImportRefusedError(translate(
                "Import",
                "{source} holds two entries named {name}; one would hide the other, so it was "
                "not imported.",
            ).format(source=source, name=repr(info.filename)))
        seen.add(info.filename)


def _check_directory(file: BinaryIO, size: int, source: str) -> None:
    """Bound the central directory from the end record, before zipfile reads it whole."""
    tail_size = min(size, _END_RECORD_SIZE + _MAX_COMMENT)
    file.seek(size - tail_size)
    tail = file.read(tail_size)
    at = tail.rfind(_END_RECORD)
    if at < 0 or len(tail) - at < _END_RECORD_SIZE:
        raise ImportRefusedError(translate(
            "Import",
            "{source} is damaged or cut off: the zip's table of contents at its end is missing.",
        ).format(source=source))
    entries, directory_size = struct.unpack("<HI", tail[at + 10 : at + 16])
    if entries == 0xFFFF or directory_size == 0xFFFFFFFF:
        entries, directory_size = _zip64_directory(file, size - tail_size + at, source)
    if entries > MAX_ZIP_ENTRIES:
        raise _too_many(source, entries)
    if directory_size > MAX_ZIP_DIRECTORY_BYTES:
        raise ImportRefusedError(translate(
            "Import",
            "{source} has a table of contents of {size} bytes, more than the {limit} allowed; "
            "it was not imported.",
        ).format(
            source=source, size=f"{directory_size:,}", limit=f"{MAX_ZIP_DIRECTORY_BYTES:,}"
        ))


def _zip64_directory(file: BinaryIO, end_record_at: int, source: str) -> tuple[int, int]:
    locator_at = end_record_at - _ZIP64_LOCATOR_SIZE
    if locator_at < 0:
        raise _damaged(source, translate("Import", "its zip64 locator is missing"))
    file.seek(locator_at)
    locator = file.read(_ZIP64_LOCATOR_SIZE)
    if len(locator) < _ZIP64_LOCATOR_SIZE or not locator.startswith(_ZIP64_LOCATOR):
        raise _damaged(source, translate("Import", "its zip64 locator is missing"))
    (record_at,) = struct.unpack("<Q", locator[8:16])
    file.seek(record_at)
    record = file.read(56)
    if len(record) < 56 or not record.startswith(_ZIP64_END_RECORD):
        raise _damaged(source, translate("Import", "its zip64 end record is missing"))
    entries, directory_size = struct.unpack("<QQ", record[32:48])
    return entries, directory_size


def _check_name(name: str, source: str) -> None:
    parts = name.split("/")
    if (
        name.startswith("/")
        or "\\" in name
        or "\x00" in name
        or _DRIVE.match(name)
        or ".." in parts
    ):
        raise ImportRefusedError(translate(
            "Import",
            "{source} holds an entry whose path leaves its folder ({name}); it was not imported.",
        ).format(source=source, name=repr(name[:80])))


def _too_many(source: str, count: int) -> ImportRefusedError:
    return ImportRefusedError(translate(
        "Import",
        "{source} lists {count} entries, more than the {limit} allowed; it was not imported.",
    ).format(source=source, count=f"{count:,}", limit=f"{MAX_ZIP_ENTRIES:,}"))


def _unreadable(where: str, error: OSError) -> ImportRefusedError:
    return ImportRefusedError(translate("Import", "{where} could not be read: {problem}.").format(
        where=where, problem=error.strerror or error
    ))


def _damaged(where: str, error: object) -> ImportRefusedError:
    """``error``: the exception zipfile or zlib raised (its text is theirs, in English), or
    what is wrong in the user's language."""
    reason = " ".join(str(error).split()) or type(error).__name__
    return ImportRefusedError(translate(
        "Import", "{where} is damaged or cut off ({reason})."
    ).format(where=where, reason=reason[:120]))
