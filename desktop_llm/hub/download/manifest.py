"""A download job written down, so the queue outlives the app.

``<models_dir>/.partial/<job id>.job.json`` lists a job's files (all parts of a split model)
and which of them are already downloaded and verified. Per-file byte progress lives in each
partial file's own sidecar (partial_state); this file ties the parts into one model.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from desktop_llm.hub.download.local_paths import partial_dir
from desktop_llm.hub.types import FilePart

log = logging.getLogger(__name__)

MANIFEST_SUFFIX = ".job.json"
_FORMAT_VERSION = 1


@dataclass(frozen=True)
class JobManifest:
    job_id: str
    repo_id: str
    revision: str
    files: tuple[FilePart, ...]
    downloaded: frozenset[str] = field(default_factory=frozenset)
    """Repository paths this job fetched and verified (deleted again if the job is cancelled)."""
    adopted: frozenset[str] = field(default_factory=frozenset)
    """Repository paths that were already on disk, verified, and are left alone on cancel."""

    @property
    def finished(self) -> frozenset[str]:
        return self.downloaded | self.adopted

    def with_finished(self, repo_path: str, *, downloaded: bool) -> JobManifest:
        if downloaded:
            return replace(self, downloaded=self.downloaded | {repo_path})
        return replace(self, adopted=self.adopted | {repo_path})


def manifest_path(models_dir: Path, job_id: str) -> Path:
    return partial_dir(models_dir) / f"{job_id}{MANIFEST_SUFFIX}"


def save_manifest(models_dir: Path, manifest: JobManifest) -> None:
    target = manifest_path(models_dir, manifest.job_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".tmp")
    payload = {
        "version": _FORMAT_VERSION,
        "job_id": manifest.job_id,
        "repo_id": manifest.repo_id,
        "revision": manifest.revision,
        "files": [
            {"path": item.path, "size": item.size_bytes, "sha256": item.sha256}
            for item in manifest.files
        ],
        "downloaded": sorted(manifest.downloaded),
        "adopted": sorted(manifest.adopted),
    }
    with temporary.open("w", encoding="utf-8") as stream:
        json.dump(payload, stream, indent=1)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, target)


def remove_manifest(models_dir: Path, job_id: str) -> None:
    manifest_path(models_dir, job_id).unlink(missing_ok=True)


def load_manifests(models_dir: Path) -> list[JobManifest]:
    folder = partial_dir(models_dir)
    if not folder.is_dir():
        return []
    manifests = []
    for path in sorted(folder.glob(f"*{MANIFEST_SUFFIX}"), key=lambda p: p.stat().st_mtime):
        manifest = _read(path)
        if manifest is not None:
            manifests.append(manifest)
    return manifests


def _read(path: Path) -> JobManifest | None:
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        if payload.get("version") != _FORMAT_VERSION:
            raise ValueError(f"unknown format version {payload.get('version')!r}")
        return JobManifest(
            job_id=str(payload["job_id"]),
            repo_id=str(payload["repo_id"]),
            revision=str(payload["revision"]),
            files=tuple(
                FilePart(
                    path=str(item["path"]),
                    size_bytes=int(item["size"]),
                    sha256=None if item.get("sha256") is None else str(item["sha256"]),
                )
                for item in payload["files"]
            ),
            downloaded=frozenset(str(p) for p in payload.get("downloaded", ())),
            adopted=frozenset(str(p) for p in payload.get("adopted", ())),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        log.warning("ignoring unreadable download job %s: %s", path, error)
        return None
