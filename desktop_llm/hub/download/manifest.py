"""A download job written down, so the queue outlives the app.

``<models_dir>/.partial/<job id>.job.json`` lists a job's files (all parts of a split model)
and which of them are already downloaded and verified. Per-file byte progress lives in each
partial file's own sidecar (partial_state); this file ties the parts into one model.

A job's id is derived from what it downloads (repository, revision, file paths), so a request,
the manifest of an interrupted run and a partial file found on disk all name the same job.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from desktop_llm.hub.download.local_paths import partial_dir
from desktop_llm.hub.types import FilePart

log = logging.getLogger(__name__)

MANIFEST_SUFFIX = ".job.json"
_TEMP = ".tmp"
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

    @classmethod
    def for_request(
        cls, repo_id: str, revision: str, files: tuple[FilePart, ...]
    ) -> JobManifest:
        return cls(job_id_for(repo_id, revision, [f.path for f in files]), repo_id, revision, files)

    @property
    def finished(self) -> frozenset[str]:
        return self.downloaded | self.adopted

    def with_files(self, files: tuple[FilePart, ...]) -> JobManifest:
        """The same job with the Hub's current listing; a finished file stays finished only
        if its size and hash are unchanged."""
        unchanged = {f.path for f in self.files if f in files}
        return replace(
            self,
            files=files,
            downloaded=self.downloaded & unchanged,
            adopted=self.adopted & unchanged,
        )

    def with_finished(self, repo_path: str, *, downloaded: bool) -> JobManifest:
        if downloaded:
            return replace(self, downloaded=self.downloaded | {repo_path})
        return replace(self, adopted=self.adopted | {repo_path})


def job_id_for(repo_id: str, revision: str, repo_paths: list[str]) -> str:
    """The id of the job that downloads these files: the same for every request for them."""
    key = "\n".join([repo_id, revision, *sorted(repo_paths)])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def manifest_path(models_dir: Path, job_id: str) -> Path:
    return partial_dir(models_dir) / f"{job_id}{MANIFEST_SUFFIX}"


def save_manifest(models_dir: Path, manifest: JobManifest) -> None:
    target = manifest_path(models_dir, manifest.job_id)
    target.parent.mkdir(parents=True, exist_ok=True)
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
    # A temporary file of its own: two processes (a window and a command asking for the same
    # model) write the same job's manifest, and must not rename each other's file away.
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=_TEMP)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(payload, stream, indent=1)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def remove_stale_temporaries(models_dir: Path, *, older_than: float = 3600.0) -> None:
    """Delete the temporary manifests of writers killed mid-write (a live write takes
    milliseconds, so an hour-old one is nobody's)."""
    folder = partial_dir(models_dir)
    if not folder.is_dir():
        return
    limit = time.time() - older_than
    for path in folder.glob(f"*{MANIFEST_SUFFIX}*{_TEMP}"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError as error:
            log.debug("could not remove %s: %s", path, error)


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
