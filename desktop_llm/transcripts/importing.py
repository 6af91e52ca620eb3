"""What kind of file was offered for import, and its conversations one at a time.

``open_import(path)`` looks at the file (a zip, or JSON: which of the formats we read) and
gives an ``ImportFile`` whose ``conversations()`` yields ``ImportedConversation`` records
lazily, counting what had to be left out; the caller writes them in one transaction and makes
the ``ImportReport``. Anything wrong with the file is an ``ImportRefusedError`` with one line.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from desktop_llm.errors import ImportRefusedError
from desktop_llm.i18n import translatable, translate
from desktop_llm.storage import ImportedConversation
from desktop_llm.transcripts import chatgpt_import, json_import, openai_import
from desktop_llm.transcripts.backup_export import CONVERSATIONS_FOLDER, MANIFEST_NAME
from desktop_llm.transcripts.import_limits import (
    MAX_CONVERSATION_JSON_CHARS,
    MAX_CONVERSATIONS_PER_FILE,
    MAX_MANIFEST_BYTES,
    MAX_MESSAGES_PER_CONVERSATION,
)
from desktop_llm.transcripts.json_export import BACKUP_FORMAT_NAME, BACKUP_FORMAT_VERSION
from desktop_llm.transcripts.json_fields import Converted, Fields, short
from desktop_llm.transcripts.json_stream import JsonReader
from desktop_llm.transcripts.zip_import import ZIP_SIGNATURES, ZipArchive, open_zip

# The kinds of file, as the report names them (in English; the summary translates them).
OUR_DOCUMENT = translatable("Import", "desktop-llm conversation")
OUR_BACKUP = translatable("Import", "desktop-llm backup")
OPENAI = translatable("Import", "OpenAI messages")
CHATGPT = translatable("Import", "ChatGPT export")

CHATGPT_FILE_NAME = "conversations.json"


@dataclass(frozen=True)
class ImportReport:
    """What an import did: the kind of file, the new conversations, what was left out."""

    kind: str
    conversation_ids: tuple[int, ...]
    # Images, audio, files and other non-text parts of messages.
    skipped_parts: int = 0
    # Whole messages left out: tool calls and results, kinds of content the app cannot show.
    skipped_messages: int = 0
    # The file's name, for the summary.
    file_name: str = ""

    def summary(self) -> str:
        """One sentence for the status bar or the terminal, e.g. "Imported 3 conversations
        from conversations.json (ChatGPT export); 2 images and other non-text parts skipped."
        In the user's language: one template for each case of each part."""
        count = len(self.conversation_ids)
        if self.file_name and count == 1:
            imported = translate("Import", "Imported 1 conversation from {file} ({kind})")
        elif self.file_name:
            imported = translate("Import", "Imported {count} conversations from {file} ({kind})")
        elif count == 1:
            imported = translate("Import", "Imported 1 conversation ({kind})")
        else:
            imported = translate("Import", "Imported {count} conversations ({kind})")
        parts = [imported.format(
            count=count, file=self.file_name, kind=translate("Import", self.kind)
        )]
        if self.skipped_parts == 1:
            parts.append(translate("Import", "1 image or other non-text part skipped"))
        elif self.skipped_parts:
            parts.append(translate(
                "Import", "{count} images and other non-text parts skipped"
            ).format(count=self.skipped_parts))
        if self.skipped_messages == 1:
            parts.append(translate("Import", "1 tool or other message skipped"))
        elif self.skipped_messages:
            parts.append(translate(
                "Import", "{count} tool and other messages skipped"
            ).format(count=self.skipped_messages))
        if len(parts) == 1:
            return translate("Import", "{imported}.").format(imported=parts[0])
        if len(parts) == 2:
            return translate("Import", "{imported}; {skipped}.").format(
                imported=parts[0], skipped=parts[1]
            )
        return translate("Import", "{imported}; {skipped}; {also_skipped}.").format(
            imported=parts[0], skipped=parts[1], also_skipped=parts[2]
        )


class ImportFile:
    """A file opened for import, its kind known; ``conversations()`` reads it (once)."""

    def __init__(self, kind: str, name: str, read: Callable[[], Iterator[Converted]]) -> None:
        self.kind = kind
        self.name = name
        self._read = read
        self.skipped_parts = 0
        self.skipped_messages = 0

    def conversations(self) -> Iterator[ImportedConversation]:
        count = 0
        for converted in self._read():
            count += 1
            if count > MAX_CONVERSATIONS_PER_FILE:
                raise ImportRefusedError(translate(
                    "Import", "{name} holds more than {limit} conversations; split it to import it."
                ).format(name=self.name, limit=f"{MAX_CONVERSATIONS_PER_FILE:,}"))
            self.skipped_parts += converted.skipped_parts
            self.skipped_messages += converted.skipped_messages
            yield converted.conversation
        if count == 0:
            raise ImportRefusedError(
                translate("Import", "{name} holds no conversations.").format(name=self.name)
            )

    def report(self, conversation_ids: tuple[int, ...]) -> ImportReport:
        return ImportReport(
            kind=self.kind,
            conversation_ids=conversation_ids,
            skipped_parts=self.skipped_parts,
            skipped_messages=self.skipped_messages,
            file_name=self.name,
        )


@contextmanager
def open_import(path: Path, *, now: datetime | None = None) -> Iterator[ImportFile]:
    """Open ``path`` and work out its kind; ``now`` dates messages of files without times."""
    path = Path(path)
    name = path.name or str(path)
    moment = now or datetime.now(timezone.utc)
    _check_file(path)
    try:
        with path.open("rb") as file:
            head = file.read(4)
    except OSError as error:
        raise _unreadable(path, error) from None
    if head in ZIP_SIGNATURES:
        with open_zip(path, name) as archive:
            yield _zip_import(archive, moment)
        return
    try:
        file = path.open("rb")
    except OSError as error:
        raise _unreadable(path, error) from None
    with file:
        yield _json_import(JsonReader(file, source=name), moment)


def _check_file(path: Path) -> None:
    try:
        status = path.stat()
    except FileNotFoundError:
        raise ImportRefusedError(
            translate("Import", "{path} does not exist.").format(path=path)
        ) from None
    except OSError as error:
        raise _unreadable(path, error) from None
    if stat.S_ISDIR(status.st_mode):
        raise ImportRefusedError(
            translate("Import", "{path} is a folder; choose a file to import.").format(path=path)
        )
    if not stat.S_ISREG(status.st_mode):
        # A pipe or a device could block for ever or never end.
        raise ImportRefusedError(
            translate("Import", "{path} is not a regular file.").format(path=path)
        )
    if status.st_size == 0:
        raise ImportRefusedError(translate("Import", "{name} is empty.").format(name=path.name))


def _unreadable(path: Path, error: OSError) -> ImportRefusedError:
    return ImportRefusedError(translate("Import", "{where} could not be read: {problem}.").format(
        where=path, problem=error.strerror or error
    ))


def _conversation_at(name: str, number: int) -> str:
    """Where a conversation of a file is, for refusals: "conversations.json, conversation 3"."""
    return translate("Import", "{file}, conversation {number}").format(file=name, number=number)


# --------------------------------------------------------------------------- JSON files


def _json_import(reader: JsonReader, now: datetime) -> ImportFile:
    name = reader.source
    first = reader.peek()
    if first == "{":
        document = reader.value()
        if reader.peek() == "{":
            # More objects after the first: JSON Lines, one conversation a line.
            return _sequence(name, _values(document, reader), now)
        reader.expect_end()
        return _single(name, document, now)
    if first == "[":
        items = reader.items()
        head = next(items, None)
        if head is not None and openai_import.is_message(head):
            return _message_list(reader, head, items, now)
        return _sequence(name, _then(head, items, reader), now)
    raise ImportRefusedError(translate(
        "Import", "{name} is not a file desktop-llm can import: it is neither JSON nor a zip."
    ).format(name=name))


def _kind(value: Any) -> str | None:
    if json_import.is_document(value):
        return OUR_DOCUMENT
    if _our_other_format(value) is not None:
        return None  # ours, but not a conversation: never read as someone else's format
    if chatgpt_import.is_conversation(value):
        return CHATGPT
    if openai_import.is_conversation(value):
        return OPENAI
    return None


def _convert(kind: str, value: Any, where: str, now: datetime) -> Converted:
    if kind == OUR_DOCUMENT:
        return json_import.conversation_from_document(value, where=where)
    if kind == CHATGPT:
        return chatgpt_import.conversation_from_chatgpt(value, where=where, now=now)
    return openai_import.conversation_from_openai(value, where=where, now=now)


def _our_other_format(value: Any) -> str | None:
    form = value.get("format") if isinstance(value, dict) else None
    return form if isinstance(form, str) and form.startswith("desktop-llm") else None


def _unknown(name: str, value: Any) -> ImportRefusedError:
    form = _our_other_format(value)
    if form == BACKUP_FORMAT_NAME:
        return ImportRefusedError(translate(
            "Import",
            "{name} is the manifest of a desktop-llm backup; import the backup's zip file.",
        ).format(name=name))
    if form is not None:
        return ImportRefusedError(translate(
            "Import",
            "{name} is a desktop-llm file of a kind this version does not know ({kind}); a "
            "newer desktop-llm may import it.",
        ).format(name=name, kind=repr(short(form))))
    return ImportRefusedError(translate(
        "Import",
        "{name} is JSON but not a conversation format desktop-llm knows (its own JSON or "
        'backup, OpenAI-style "messages", or a ChatGPT export).',
    ).format(name=name))


def _single(name: str, value: Any, now: datetime) -> ImportFile:
    kind = _kind(value)
    if kind is None:
        raise _unknown(name, value)
    return ImportFile(kind, name, lambda: iter([_convert(kind, value, name, now)]))


def _values(first: Any, reader: JsonReader) -> Iterator[Any]:
    yield first
    while reader.peek() == "{":
        yield reader.value()
    reader.expect_end()


def _then(head: Any, items: Iterator[Any], reader: JsonReader) -> Iterator[Any]:
    if head is not None:
        yield head
        yield from items
    reader.expect_end()


def _sequence(name: str, values: Iterator[Any], now: datetime) -> ImportFile:
    """A list (or JSON Lines) of conversations, all of the first one's kind."""
    first = next(values, None)
    kind = _kind(first) if first is not None else OPENAI
    if kind is None:
        raise _unknown(_conversation_at(name, 1), first)

    def read() -> Iterator[Converted]:
        if first is None:
            return
        yield _convert(kind, first, _conversation_at(name, 1), now)
        for number, value in enumerate(values, start=2):
            where = _conversation_at(name, number)
            if _kind(value) != kind:
                raise ImportRefusedError(translate(
                    "Import", "{where} is not in the format of the ones before it ({kind})."
                ).format(where=where, kind=translate("Import", kind)))
            yield _convert(kind, value, where, now)

    return ImportFile(kind, name, read)


def _message_list(reader: JsonReader, head: Any, items: Iterator[Any], now: datetime) -> ImportFile:
    """A bare list of OpenAI messages: one conversation, so its size is bounded as one."""
    name = reader.source
    start = reader.position

    def read() -> Iterator[Converted]:
        messages = [head]
        for item in items:
            messages.append(item)
            if reader.position - start > MAX_CONVERSATION_JSON_CHARS:
                raise ImportRefusedError(translate(
                    "Import",
                    "{name} holds a conversation of more than {size} MiB of JSON, larger than "
                    "any chat; it was not imported.",
                ).format(name=name, size=MAX_CONVERSATION_JSON_CHARS // 2**20))
            if len(messages) > MAX_MESSAGES_PER_CONVERSATION:
                break  # refused by the converter, which names the limit
        else:
            reader.expect_end()
        yield openai_import.conversation_from_messages(messages, where=name, now=now)

    return ImportFile(OPENAI, name, read)


# --------------------------------------------------------------------------- zip files


def _zip_import(archive: ZipArchive, now: datetime) -> ImportFile:
    chatgpt = [n for n in archive.names if n.rsplit("/", 1)[-1] == CHATGPT_FILE_NAME]
    # At the top, or in the one folder the whole export was zipped from.
    chatgpt = [n for n in chatgpt if n.count("/") <= 1]
    if MANIFEST_NAME in archive.names:
        return _backup(archive)
    if len(chatgpt) == 1:
        entry = chatgpt[0]

        def read() -> Iterator[Converted]:
            reader = JsonReader(archive.open(entry), source=f"{archive.source}:{entry}")
            for number, value in enumerate(reader.items(), start=1):
                where = _conversation_at(reader.source, number)
                if not chatgpt_import.is_conversation(value):
                    raise ImportRefusedError(translate(
                        "Import", "{where} is not a ChatGPT conversation."
                    ).format(where=where))
                yield chatgpt_import.conversation_from_chatgpt(value, where=where, now=now)
            reader.expect_end()

        return ImportFile(CHATGPT, archive.source, read)
    raise ImportRefusedError(translate(
        "Import",
        "{name} is a zip file but neither a desktop-llm backup nor a ChatGPT data export (no "
        "manifest.json or conversations.json in it).",
    ).format(name=archive.source))


def _backup(archive: ZipArchive) -> ImportFile:
    source = f"{archive.source}:{MANIFEST_NAME}"
    manifest = Fields(
        _read_whole(archive, MANIFEST_NAME, max_chars=MAX_MANIFEST_BYTES),
        source,
        what=translatable("Import", "a backup manifest"),
    )
    if manifest.value.get("format") != BACKUP_FORMAT_NAME:
        raise ImportRefusedError(translate(
            "Import", "{source} is not the manifest of a desktop-llm backup."
        ).format(source=source))
    json_import.check_version(
        manifest,
        name=BACKUP_FORMAT_NAME,
        known=BACKUP_FORMAT_VERSION,
        what=translatable("Import", "backup format"),
    )
    expected = manifest.integer("conversations")
    entries = sorted(
        n
        for n in archive.names
        if n.startswith(f"{CONVERSATIONS_FOLDER}/") and n.endswith(".json") and n.count("/") == 1
    )
    if len(entries) != expected:
        raise ImportRefusedError(translate(
            "Import",
            "{name} is incomplete or altered: its manifest lists {expected} conversations and "
            "it holds {found}.",
        ).format(name=archive.source, expected=expected, found=len(entries)))

    def read() -> Iterator[Converted]:
        for entry in entries:
            where = f"{archive.source}:{entry}"
            yield json_import.conversation_from_document(_read_whole(archive, entry), where=where)

    return ImportFile(OUR_BACKUP, archive.source, read)


def _read_whole(
    archive: ZipArchive, entry: str, *, max_chars: int = MAX_CONVERSATION_JSON_CHARS
) -> Any:
    """The one JSON value of a zip entry."""
    stream = archive.open(entry)
    try:
        reader = JsonReader(stream, source=f"{archive.source}:{entry}", max_value_chars=max_chars)
        value = reader.value()
        reader.expect_end()
        return value
    finally:
        stream.close()
