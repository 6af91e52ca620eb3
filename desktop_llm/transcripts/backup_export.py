"""A backup: every conversation as our JSON document, in one zip.

Layout (version 1): ``manifest.json`` (format, version, exported_at, app_version, how many
conversations) and ``conversations/000001.json``, ``000002.json``, ... one document each. The
zip is streamed, one conversation in memory at a time, into a temporary file that is renamed
into place only when complete (``atomic_write``).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from desktop_llm.errors import ConversationNotFoundError
from desktop_llm.transcripts.atomic_write import atomic_zip
from desktop_llm.transcripts.json_export import (
    backup_manifest,
    conversation_document,
    dumps,
    now_utc,
)
from desktop_llm.transcripts.transcript import Transcript

MANIFEST_NAME = "manifest.json"
CONVERSATIONS_FOLDER = "conversations"


def entry_name(number: int) -> str:
    """The zip entry of the ``number``-th conversation (from 1)."""
    return f"{CONVERSATIONS_FOLDER}/{number:06d}.json"


def write_backup(
    path: Path,
    conversation_ids: Sequence[int],
    load: Callable[[int], Transcript],
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write every conversation of ``conversation_ids`` (read one at a time with ``load``) to
    the zip at ``path``; returns how many were written. A conversation deleted meanwhile is
    left out. ``progress(done, total)`` is called after each one."""
    exported_at = now_utc()
    # Entries dated like the export (zip dates are local wall-clock times without a zone).
    stamp = exported_at.astimezone().timetuple()[:6]
    total = len(conversation_ids)
    written = 0
    with atomic_zip(path) as archive:
        for done, conversation_id in enumerate(conversation_ids, start=1):
            if _add(archive, entry_name(written + 1), conversation_id, load, exported_at, stamp):
                written += 1
            if progress is not None:
                progress(done, total)
        manifest = backup_manifest(written, exported_at=exported_at)
        _write_entry(
            archive, MANIFEST_NAME, json.dumps(manifest, ensure_ascii=False, indent=2), stamp
        )
    return written


def _add(
    archive: zipfile.ZipFile,
    name: str,
    conversation_id: int,
    load: Callable[[int], Transcript],
    exported_at: datetime,
    stamp: tuple[int, ...],
) -> bool:
    """Write one conversation; False when it no longer exists. Its transcript and text are
    gone when this returns, before the next one is read."""
    try:
        transcript = load(conversation_id)
    except ConversationNotFoundError:
        return False
    text = dumps(conversation_document(transcript, exported_at=exported_at))
    _write_entry(archive, name, text, stamp)
    return True


def _write_entry(
    archive: zipfile.ZipFile, name: str, text: str, stamp: tuple[int, ...]
) -> None:
    info = zipfile.ZipInfo(name, date_time=stamp)  # type: ignore[arg-type]
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, text.encode("utf-8"))
