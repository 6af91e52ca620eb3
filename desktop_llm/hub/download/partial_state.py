"""The JSON sidecar next to a partial download, so a restarted app knows what it was fetching.

``<name>.part`` holds the bytes received so far; ``<name>.part.json`` says which repository
file they belong to, how big it is and what its sha256 must be. The sidecar is replaced
atomically (write a temporary file, then ``os.replace``), so a crash leaves either the old or
the new version, never half of one.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from desktop_llm.hub.download.local_paths import PART_SUFFIX

log = logging.getLogger(__name__)

SIDECAR_SUFFIX = ".json"
_FORMAT_VERSION = 1


@dataclass(frozen=True)
class PartialRecord:
    """What is known about one partial download, as saved in its sidecar."""

    repo_id: str
    revision: str
    repo_path: str
    url: str
    expected_size: int | None
    expected_sha256: str | None
    etag: str | None = None
    # Informational (progress after a restart): resuming trusts the partial file's real length.
    bytes_done: int = 0

    def same_file_as(self, other: PartialRecord) -> bool:
        """True when both describe the same content, so the bytes on disk can be continued."""
        return (
            self.repo_id == other.repo_id
            and self.repo_path == other.repo_path
            and self.expected_size == other.expected_size
            and self.expected_sha256 == other.expected_sha256
            # Without a hash the revision is the only proof the content is the same.
            and (self.expected_sha256 is not None or self.revision == other.revision)
        )

    def with_progress(self, bytes_done: int, etag: str | None = None) -> PartialRecord:
        return replace(self, bytes_done=bytes_done, etag=etag or self.etag)


def sidecar_path(part_path: Path) -> Path:
    return part_path.with_name(part_path.name + SIDECAR_SUFFIX)


def _temporary_path(sidecar: Path) -> Path:
    return sidecar.with_name(sidecar.name + ".tmp")


def save_record(part_path: Path, record: PartialRecord) -> None:
    target = sidecar_path(part_path)
    temporary = _temporary_path(target)
    payload = {"version": _FORMAT_VERSION, **asdict(record)}
    with temporary.open("w", encoding="utf-8") as stream:
        json.dump(payload, stream, indent=1)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, target)


def load_record(part_path: Path) -> PartialRecord | None:
    """The sidecar's record, or None when it is missing or unreadable (then start over)."""
    path = sidecar_path(part_path)
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        log.warning("ignoring unreadable download sidecar %s: %s", path, error)
        return None
    if not isinstance(payload, dict) or payload.get("version") != _FORMAT_VERSION:
        log.warning("ignoring download sidecar %s of an unknown format", path)
        return None
    try:
        return PartialRecord(
            repo_id=str(payload["repo_id"]),
            revision=str(payload["revision"]),
            repo_path=str(payload["repo_path"]),
            url=str(payload["url"]),
            expected_size=_optional_int(payload.get("expected_size")),
            expected_sha256=_optional_str(payload.get("expected_sha256")),
            etag=_optional_str(payload.get("etag")),
            bytes_done=int(payload.get("bytes_done") or 0),
        )
    except (KeyError, TypeError, ValueError) as error:
        log.warning("ignoring download sidecar %s with missing fields: %s", path, error)
        return None


def remove_partial(part_path: Path) -> None:
    """Delete a partial file and its sidecar (cancel, checksum failure, start over)."""
    sidecar = sidecar_path(part_path)
    for path in (part_path, sidecar, _temporary_path(sidecar)):
        path.unlink(missing_ok=True)


def find_partials(folder: Path) -> Iterator[tuple[Path, PartialRecord]]:
    """Every ``.part`` file in ``folder`` that has a readable sidecar."""
    if not folder.is_dir():
        return
    for sidecar in sorted(folder.glob(f"*{PART_SUFFIX}{SIDECAR_SUFFIX}")):
        part = sidecar.with_name(sidecar.name[: -len(SIDECAR_SUFFIX)])
        record = load_record(part)
        if record is not None:
            yield part, record


def _optional_int(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)
