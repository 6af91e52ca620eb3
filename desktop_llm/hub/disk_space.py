"""The free-space check made before a download starts, with sizes people can read."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple, Protocol

from desktop_llm.errors import DownloadError
from desktop_llm.i18n import translate
from desktop_llm.model_files.humanize import human_size

# Room left over for the sidecars, the database and whatever else writes meanwhile.
FREE_SPACE_MARGIN = 64 * 1024 * 1024


class DiskUsage(Protocol):
    @property
    def free(self) -> int: ...


class Usage(NamedTuple):
    """Same fields as shutil.disk_usage's result, for injected ``disk_usage`` functions."""

    total: int
    used: int
    free: int


DiskUsageFunction = Callable[[Path], DiskUsage]


def free_space_shortfall(
    folder: Path,
    needed: int,
    *,
    disk_usage: DiskUsageFunction = shutil.disk_usage,
    margin: int = FREE_SPACE_MARGIN,
) -> tuple[Path, int] | None:
    """(the folder measured, its free bytes) when its disk can't take ``needed`` more bytes
    plus ``margin``; None when it can. Each caller words its own refusal."""
    if needed <= 0:
        return None
    existing = _nearest_existing(folder)
    free = disk_usage(existing).free
    return (existing, free) if free < needed + margin else None


def ensure_free_space(
    folder: Path,
    needed: int,
    *,
    what: str,
    disk_usage: DiskUsageFunction = shutil.disk_usage,
    margin: int = FREE_SPACE_MARGIN,
) -> None:
    """Raise DownloadError when ``folder``'s disk can't take ``needed`` more bytes (+ margin)."""
    shortfall = free_space_shortfall(folder, needed, disk_usage=disk_usage, margin=margin)
    if shortfall is not None:
        existing, free = shortfall
        raise DownloadError(translate(
            "Downloads",
            "Not enough free space to download {name}: it needs {size} more, and {folder} has "
            "only {free} free. Free some space or choose another models folder, then try again.",
        ).format(name=what, size=human_size(needed), folder=existing, free=human_size(free)))


def _nearest_existing(folder: Path) -> Path:
    """disk_usage needs an existing path; the models folder may not be created yet."""
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            return candidate
    return folder
