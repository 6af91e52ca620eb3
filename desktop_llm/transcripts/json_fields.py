"""Checked reading of decoded JSON from a file being imported.

Every read names the field and where it is, so a wrong type becomes one sentence such as
``conversations.json, conversation 3: "title" must be text, not a list.`` Texts are bounded
(``import_limits``), times checked, and free-form objects kept as they are (settings) are
bounded in depth and size.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from desktop_llm.errors import ImportRefusedError
from desktop_llm.i18n import translatable, translate
from desktop_llm.storage import ImportedConversation
from desktop_llm.transcripts.import_limits import (
    MAX_MESSAGES_PER_CONVERSATION,
    MAX_NAME_CHARS,
    MAX_SETTINGS_CHARS,
    MAX_SETTINGS_DEPTH,
    MAX_TEXT_CHARS,
)

# Seconds since 1970 of 9999-12-31 23:59:59 UTC, the last moment a datetime can hold.
_LAST_EPOCH_SECOND = 253_402_300_799


@dataclass(frozen=True)
class Converted:
    """One conversation read from a file, with what had to be left out of it."""

    conversation: ImportedConversation
    # Images, audio, files and other non-text pieces of messages.
    skipped_parts: int = 0
    # Whole messages we cannot show: tool calls and their results, unknown kinds of content.
    skipped_messages: int = 0


def kind_of(value: object) -> str:
    """How a person would name a JSON value's type (in the user's language; null is JSON's)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return translate("Import", "true or false")
    if isinstance(value, (int, float)):
        return translate("Import", "a number")
    if isinstance(value, str):
        return translate("Import", "text")
    if isinstance(value, list):
        return translate("Import", "a list")
    return translate("Import", "an object")


def refuse(where: str, problem: str) -> ImportRefusedError:
    """``problem`` (already in the user's language) at ``where``, as one sentence."""
    return ImportRefusedError(
        translate("Import", "{where}: {problem}.").format(where=where, problem=problem)
    )


def too_many_messages(count: int) -> str:
    """The problem of a conversation with more messages than any chat has."""
    return translate(
        "Import", "it holds {count} messages, more than the {limit} allowed in one conversation"
    ).format(count=f"{count:,}", limit=f"{MAX_MESSAGES_PER_CONVERSATION:,}")


def short(text: str, limit: int = 40) -> str:
    """``text`` on one line, cut for quoting in a message."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


class Fields:
    """Checked access to the fields of one JSON object; ``where`` names it in refusals and
    ``what`` (marked ``translatable("Import", ...)``) says what it should have been."""

    def __init__(
        self, value: object, where: str, *, what: str = translatable("Import", "an object")
    ) -> None:
        if not isinstance(value, dict):
            raise refuse(where, translate("Import", "expected {what}, found {kind}").format(
                what=translate("Import", what), kind=kind_of(value)
            ))
        self.value: dict[str, Any] = value
        self.where = where

    def __contains__(self, name: str) -> bool:
        return name in self.value

    def _get(self, name: str, required: bool) -> Any:
        if name not in self.value:
            if required:
                raise refuse(self.where, translate("Import", '"{name}" is missing').format(
                    name=name
                ))
            return None
        return self.value[name]

    def _wrong(self, name: str, wanted: str) -> ImportRefusedError:
        """``wanted`` is already in the user's language."""
        return refuse(self.where, translate(
            "Import", '"{name}" must be {wanted}, not {kind}'
        ).format(name=name, wanted=wanted, kind=kind_of(self.value[name])))

    def text(
        self, name: str, *, required: bool = True, null: bool = False, limit: int = MAX_TEXT_CHARS
    ) -> str | None:
        value = self._get(name, required)
        if value is None and (null or not required):
            return None
        if not isinstance(value, str):
            raise self._wrong(
                name, translate("Import", "text or null") if null else translate("Import", "text")
            )
        check_text(value, self.where, name, limit)
        return value

    def name(self, name: str, *, required: bool = True, null: bool = False) -> str | None:
        """A one-line field: a title, a model's name, an id."""
        return self.text(name, required=required, null=null, limit=MAX_NAME_CHARS)

    def integer(
        self, name: str, *, required: bool = True, null: bool = False, minimum: int = 0
    ) -> int | None:
        value = self._get(name, required)
        if value is None and (null or not required):
            return None
        if type(value) is not int or value < minimum:
            wanted = (
                translate(
                    "Import",
                    '"{name}" must be a whole number of at least {minimum} or null, not {value}',
                )
                if null
                else translate(
                    "Import", '"{name}" must be a whole number of at least {minimum}, not {value}'
                )
            )
            raise refuse(
                self.where, wanted.format(name=name, minimum=minimum, value=_shown(value))
            )
        return value

    def number(self, name: str, *, required: bool = True, null: bool = False) -> float | None:
        """A number >= 0 (a duration, a rate, a time in seconds)."""
        value = self._get(name, required)
        if value is None and (null or not required):
            return None
        if type(value) not in (int, float) or not math.isfinite(value) or value < 0:
            wanted = (
                translate("Import", '"{name}" must be a number of at least 0 or null, not {value}')
                if null
                else translate("Import", '"{name}" must be a number of at least 0, not {value}')
            )
            raise refuse(self.where, wanted.format(name=name, value=_shown(value)))
        return float(value) if type(value) is float else value

    def boolean(self, name: str, *, required: bool = True) -> bool | None:
        value = self._get(name, required)
        if value is None and not required:
            return None
        if not isinstance(value, bool):
            raise self._wrong(name, translate("Import", "true or false"))
        return value

    def object(self, name: str, *, required: bool = True, null: bool = False) -> Fields | None:
        value = self._get(name, required)
        if value is None and (null or not required):
            return None
        if not isinstance(value, dict):
            raise self._wrong(name, translate("Import", "an object"))
        return Fields(value, f"{self.where}, {name}")

    def array(self, name: str, *, required: bool = True, null: bool = False) -> list[Any] | None:
        value = self._get(name, required)
        if value is None and (null or not required):
            return None
        if not isinstance(value, list):
            raise self._wrong(name, translate("Import", "a list"))
        return value

    def choice(self, name: str, choices: tuple[str | None, ...], *, required: bool = True) -> Any:
        value = self._get(name, required)
        if value not in choices or not (value is None or isinstance(value, str)):
            known = ", ".join("null" if c is None else c for c in choices)
            raise refuse(self.where, translate(
                "Import", '"{name}" must be one of {known}, not {value}'
            ).format(name=name, known=known, value=_shown(value)))
        return value

    def iso_time(self, name: str) -> datetime:
        """An ISO 8601 time with its offset from UTC, as we write them."""
        text = self.text(name, limit=64)
        assert text is not None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise refuse(self.where, translate(
                "Import", '"{name}" is not an ISO 8601 time: {text}'
            ).format(name=name, text=repr(short(text)))) from None
        if moment.utcoffset() is None:
            raise refuse(self.where, translate(
                "Import", '"{name}" has no offset from UTC: {text}'
            ).format(name=name, text=repr(short(text))))
        return moment.astimezone(timezone.utc)

    def epoch_time(self, name: str) -> datetime | None:
        """Seconds since 1970 (ChatGPT's create_time), or None when absent or null."""
        seconds = self.number(name, required=False, null=True)
        if seconds is None:
            return None
        if seconds > _LAST_EPOCH_SECOND:
            raise refuse(self.where, translate(
                "Import", '"{name}" is a time after the year 9999: {seconds}'
            ).format(name=name, seconds=repr(seconds)))
        return datetime.fromtimestamp(seconds, tz=timezone.utc)

    def settings(self, name: str) -> dict[str, Any]:
        """A free-form object kept as it is: bounded in depth and size."""
        fields = self.object(name)
        assert fields is not None
        _check_depth(fields.value, fields.where)
        if len(json.dumps(fields.value, ensure_ascii=False)) > MAX_SETTINGS_CHARS:
            raise refuse(
                fields.where, translate("Import", "is larger than any generation settings")
            )
        return fields.value


def check_text(value: str, where: str, name: str, limit: int = MAX_TEXT_CHARS) -> None:
    if len(value) > limit:
        raise refuse(where, translate(
            "Import", '"{name}" is {length} characters long, more than the {limit} allowed'
        ).format(name=name, length=f"{len(value):,}", limit=f"{limit:,}"))


def _shown(value: object) -> str:
    if isinstance(value, (bool, int, float)) or value is None:
        return json.dumps(value)
    if isinstance(value, str):
        return repr(short(value))
    return kind_of(value)


def _check_depth(value: object, where: str) -> None:
    pending: list[tuple[object, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_SETTINGS_DEPTH:
            raise refuse(where, translate(
                "Import", "nests more than {depth} levels deep"
            ).format(depth=MAX_SETTINGS_DEPTH))
        if isinstance(item, dict):
            pending.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)
