"""A resumable, verified download of one file from the Hub.

huggingface_hub (1.18 and later) deletes a partial file instead of resuming it on the next call,
so the transfer itself is ours; URLs, auth headers, the HTTP client and error mapping stay
huggingface_hub's. The bytes go to ``<models_dir>/.partial/<name>.part`` with a JSON sidecar
(see partial_state); a later call, also in a new process, continues with ``Range: bytes=N-``.
While a call works on a file it holds that file's claim (partial_lock): a second call for the
same file, in this process or another, is refused instead of writing the same partial file.
The sha256 is computed while the bytes arrive and compared with the Hub's LFS hash; only a file
that matches is renamed into ``<models_dir>/<owner>/<repo>/<file>``.

Failures split in two: the network's (dropped connection, no data for ``stall_timeout``, 5xx,
429) are retried with exponential backoff, continuing from the last byte received; the Hub's
answers (401, 403, 404) are raised at once as HubAuthError / HubNotFoundError.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import NoReturn

# huggingface_hub 2.x does its HTTP through httpx2 (`get_session()` returns an httpx2.Client);
# the exception and timeout types have to come from the same package. huggingface_hub itself is
# imported inside functions, as everywhere in hub/ (see endpoint.prepare_environment).
import httpx2

import desktop_llm
from desktop_llm.errors import DesktopLLMError, DownloadError, HubOfflineError
from desktop_llm.hub.disk_space import (
    FREE_SPACE_MARGIN,
    DiskUsageFunction,
    ensure_free_space,
)
from desktop_llm.hub.download.local_paths import final_path, partial_path
from desktop_llm.hub.download.partial_lock import claimed
from desktop_llm.hub.download.partial_state import (
    PartialRecord,
    load_record,
    remove_partial,
    save_record,
    sidecar_path,
)
from desktop_llm.hub.download.retry import RetryPolicy, is_retryable_status, retry_after_seconds
from desktop_llm.hub.download.transfer_control import (
    DownloadCancelled,
    DownloadPaused,
    DownloadStopped,
    TransferControl,
)
from desktop_llm.hub.download.write_behind import WriteBehindFile
from desktop_llm.hub.endpoint import HubConfig, ensure_online, prepare_environment
from desktop_llm.hub.error_mapping import os_error_reason, translated_errors
from desktop_llm.i18n import translate
from desktop_llm.model_files.humanize import human_size

__all__ = [
    "DownloadCancelled",
    "DownloadPaused",
    "DownloadStopped",
    "TransferControl",
    "TransferOptions",
    "TransferPhase",
    "TransferProgress",
    "download_file",
    "sha256_of_file",
]

log = logging.getLogger(__name__)

_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")
_UNSATISFIED_RANGE = re.compile(r"bytes\s+\*/(\d+)")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_HASH_READ_SIZE = 4 * 1024 * 1024


@dataclass(frozen=True)
class TransferOptions:
    chunk_size: int = 1024 * 1024
    """Bytes buffered before a write to disk."""
    stall_timeout: float = 30.0
    """Seconds without a single byte after which the attempt is abandoned and retried."""
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    checkpoint_interval: float = 2.0
    """At most this often the sidecar records progress (a crash loses nothing on disk)."""
    disk_usage: DiskUsageFunction = shutil.disk_usage
    free_space_margin: int = FREE_SPACE_MARGIN


class TransferPhase(str, Enum):
    CHECKING = "checking"  # hashing bytes already on disk before continuing
    DOWNLOADING = "downloading"
    RETRYING = "retrying"  # an attempt failed; waiting before the next one
    VERIFYING = "verifying"


@dataclass(frozen=True)
class TransferProgress:
    phase: TransferPhase
    bytes_done: int
    bytes_total: int | None
    bytes_received: int
    """Bytes that came over the network during this call (for the speed)."""
    note: str | None = None
    """Why the transfer is waiting (RETRYING), in words for the status line."""


ProgressCallback = Callable[[TransferProgress], None]


class _Discard(Exception):
    """The partial file is useless (damaged, or of another version): delete it, raise ``error``."""

    def __init__(self, error: DownloadError) -> None:
        super().__init__(str(error))
        self.error = error


class _Retryable(Exception):
    """This attempt failed in a way another attempt may fix."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def download_file(
    models_dir: Path,
    config: HubConfig,
    repo_id: str,
    repo_path: str,
    *,
    revision: str = "main",
    expected_size: int | None = None,
    expected_sha256: str | None = None,
    control: TransferControl | None = None,
    on_progress: ProgressCallback | None = None,
    options: TransferOptions | None = None,
) -> Path:
    """Download one repository file into the models folder; return its final path.

    Continues a partial download left by an earlier call (or an earlier run of the app).
    Raises DownloadPaused / DownloadCancelled when ``control`` asks; DownloadError (damaged
    file, no space, unsafe name, retries exhausted, a file the disk refused),
    PartialInUseError (another transfer is writing this file), HubAuthError, HubNotFoundError
    or HubOfflineError otherwise.
    """
    ensure_online(config)
    prepare_environment(config)
    from huggingface_hub import hf_hub_url
    from huggingface_hub.utils import build_hf_headers

    models_dir = Path(models_dir)
    # The names first: an unsafe one is refused before anything touches the network or disk.
    target = final_path(models_dir, repo_id, repo_path)
    part = partial_path(models_dir, repo_id, repo_path)
    url = hf_hub_url(repo_id, repo_path, revision=revision, endpoint=config.endpoint)
    transfer = _FileTransfer(
        target=target,
        part=part,
        record=PartialRecord(
            repo_id=repo_id,
            revision=revision,
            repo_path=repo_path,
            url=url,
            expected_size=expected_size,
            expected_sha256=expected_sha256.lower() if expected_sha256 else None,
        ),
        # An explicit token, or none: never huggingface_hub's own look-up, so the token the
        # settings show (keyring, HF_TOKEN or `hf auth login`, see conventions.py) is the one sent.
        headers=build_hf_headers(
            token=config.token or False,
            library_name="desktop-llm",
            library_version=desktop_llm.__version__,
            # The stored size and hash are of the raw bytes: no compression in between.
            headers={"Accept-Encoding": "identity"},
        ),
        config=config,
        control=control or TransferControl(),
        on_progress=on_progress,
        options=options or TransferOptions(),
    )
    return transfer.run()


def sha256_of_file(
    path: Path, *, control: TransferControl | None = None, limit: int | None = None
) -> hashlib._Hash:
    """The running sha256 of ``path`` (its first ``limit`` bytes), checking ``control``."""
    digest = hashlib.sha256()
    remaining = limit
    with path.open("rb") as stream:
        while remaining is None or remaining > 0:
            if control is not None:
                control.raise_if_requested()
            size = _HASH_READ_SIZE if remaining is None else min(_HASH_READ_SIZE, remaining)
            block = stream.read(size)
            if not block:
                break
            digest.update(block)
            if remaining is not None:
                remaining -= len(block)
    return digest


class _FileTransfer:
    """The state of one download_file call; not shared between threads."""

    def __init__(
        self,
        *,
        target: Path,
        part: Path,
        record: PartialRecord,
        headers: dict[str, str],
        config: HubConfig,
        control: TransferControl,
        on_progress: ProgressCallback | None,
        options: TransferOptions,
    ) -> None:
        self.target = target
        self.part = part
        self.record = record
        self.headers = headers
        self.config = config
        self.control = control
        self.on_progress = on_progress
        self.options = options
        self.digest = hashlib.sha256()
        self.done = 0
        self.received = 0
        self._last_checkpoint = time.monotonic()

    @property
    def name(self) -> str:
        return translate("Downloads", "{path} from {repo}").format(
            path=self.record.repo_path, repo=self.record.repo_id
        )

    # -- the steps -----------------------------------------------------------------------

    def run(self) -> Path:
        self.control.raise_if_requested()
        try:
            # Only one transfer at a time may touch this partial file, in any process.
            with claimed(self.part, what=self.name):
                return self._run_claimed()
        except OSError as error:
            # What the steps below could not do with a file (the writing itself words its own).
            where = f": {error.filename}" if error.filename else ""
            raise DownloadError(translate(
                "Downloads",
                "Downloading {name} failed: {reason}{where}. Check the disk and the models "
                "folder, then try again.",
            ).format(name=self.name, reason=os_error_reason(error), where=where)) from error

    def _run_claimed(self) -> Path:
        if self._already_downloaded():
            # Whatever an earlier run left for this file (a sidecar that outlived the final
            # rename when the app was killed) is of no use any more.
            remove_partial(self.part)
            return self.target
        self._adopt_partial()
        if self.record.expected_size is not None:
            self._ensure_space(self.record.expected_size - self.done)
        save_record(self.part, self.record.with_progress(self.done))
        try:
            self._receive_into_partial()
            self._verify()
        except DownloadCancelled:
            remove_partial(self.part)
            raise
        except _Discard as discard:
            remove_partial(self.part)
            raise discard.error from None
        except (DownloadStopped, DesktopLLMError):
            if self.done:
                save_record(self.part, self.record.with_progress(self.done))
            else:
                remove_partial(self.part)  # nothing worth keeping for a resume
            raise
        self.target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.part, self.target)
        sidecar_path(self.part).unlink(missing_ok=True)
        log.info("downloaded %s to %s", self.name, self.target)
        return self.target

    def _receive_into_partial(self) -> None:
        try:
            with self.part.open("ab", buffering=self.options.chunk_size) as stream:
                sink = WriteBehindFile(stream)
                try:
                    self._receive_all(sink)
                finally:
                    # Durable before the file is renamed and registered, or left for a resume:
                    # a power cut must not leave a model with missing pages.
                    sink.stop(sync=self.control.requested is not DownloadCancelled)
        except OSError as error:
            raise DownloadError(translate(
                "Downloads",
                "Couldn't write {file}: {reason}. Check the disk and the models folder, then "
                "resume the download.",
            ).format(file=self.part, reason=os_error_reason(error))) from error

    def _already_downloaded(self) -> bool:
        """A verified copy is already in place (a split model's finished part, a re-download)."""
        expected_size, expected_sha = self.record.expected_size, self.record.expected_sha256
        if expected_size is None or expected_sha is None or not self.target.is_file():
            return False
        if self.target.stat().st_size != expected_size:
            return False
        self._report(TransferPhase.VERIFYING)
        if sha256_of_file(self.target, control=self.control).hexdigest() != expected_sha:
            return False
        self.done = expected_size
        self._report(TransferPhase.VERIFYING)
        return True

    def _adopt_partial(self) -> None:
        """Continue the bytes already on disk if they belong to the same file, else start over."""
        previous = load_record(self.part)
        size = self.part.stat().st_size if self.part.is_file() else 0
        expected = self.record.expected_size
        usable = (
            previous is not None
            and previous.same_file_as(self.record)
            and size > 0
            and (expected is None or size <= expected)
        )
        if not usable:
            if size or previous is not None:
                log.info("starting %s over: the partial file is of another version", self.name)
            remove_partial(self.part)
            return
        assert previous is not None
        self.record = self.record.with_progress(size, previous.etag)
        # Re-hash what is there: a local read, much cheaper than fetching it again.
        self._report(TransferPhase.CHECKING)
        self.digest = sha256_of_file(self.part, control=self.control, limit=size)
        self.done = size
        log.info("resuming %s at %s", self.name, human_size(size))

    def _ensure_space(self, needed: int) -> None:
        ensure_free_space(
            self.part.parent,
            needed,
            what=self.name,
            disk_usage=self.options.disk_usage,
            margin=self.options.free_space_margin,
        )

    def _receive_all(self, sink: WriteBehindFile) -> None:
        policy = self.options.retry
        failures = 0
        while True:
            self.control.raise_if_requested()
            received_before = self.received
            try:
                self._attempt(sink)
                return
            except _Retryable as failure:
                self.control.raise_if_requested()
                if self.received > received_before:
                    failures = 0  # data flowed: the connection works, it just broke once
                failures += 1
                self._checkpoint(sink)
                if failures >= policy.max_attempts:
                    raise DownloadError(translate(
                        "Downloads",
                        "Downloading {name} failed {count} times in a row; the last time "
                        "{reason}. The {size} received so far are kept: resume the download to "
                        "continue from there.",
                    ).format(
                        name=self.name, count=failures, reason=failure.reason,
                        size=human_size(self.done),
                    )) from failure
                delay = policy.delay(failures, failure.retry_after)
                log.warning(
                    "%s: %s (%r); trying again in %.1f s (attempt %d of %d) from byte %d",
                    self.name, failure.reason, failure.__cause__, delay, failures + 1,
                    policy.max_attempts, self.done,
                )
                self._report(TransferPhase.RETRYING, note=translate(
                    "Downloads", "{reason}; trying again in {seconds} s"
                ).format(reason=failure.reason, seconds=f"{delay:.0f}"))
                self.control.sleep(delay)

    def _attempt(self, sink: WriteBehindFile) -> None:
        headers = dict(self.headers)
        if self.done:
            headers["Range"] = f"bytes={self.done}-"
        # One timeout for connect and each read: "no byte for stall_timeout seconds" = a stall.
        timeout = httpx2.Timeout(self.options.stall_timeout)
        from huggingface_hub.errors import OfflineModeIsEnabled
        from huggingface_hub.utils import get_session

        try:
            # huggingface_hub's shared client: its proxy / certificate settings
            # (set_client_factory), offline switch, redirects to the CDN and connection pool.
            with get_session().stream(
                "GET", self.record.url, headers=headers, timeout=timeout
            ) as response:
                if not self._accept(response, sink):
                    return  # already complete (416 on a finished partial)
                with self.control.interrupting(response):
                    self._copy_body(response, sink)
        except OfflineModeIsEnabled as error:
            raise HubOfflineError(translate(
                "Downloads",
                "Can't download {name}: the Hub is switched off by the HF_HUB_OFFLINE "
                "environment variable.",
            ).format(name=self.name)) from error
        except httpx2.TimeoutException as error:
            self.control.raise_if_requested()
            raise _Retryable(translate(
                "Downloads", "no data arrived for {seconds} s (the connection stalled)"
            ).format(seconds=f"{self.options.stall_timeout:g}")) from error
        except httpx2.ConnectError as error:
            self.control.raise_if_requested()
            raise _Retryable(translate("Downloads", "the Hub could not be reached")) from error
        except httpx2.TransportError as error:
            self.control.raise_if_requested()
            raise _Retryable(translate("Downloads", "the connection dropped")) from error
        except httpx2.HTTPError as error:  # too many redirects, a bad URL: retrying won't help
            raise DownloadError(translate(
                "Downloads", "Downloading {name} failed: the server's answer could not be used "
                "({error})."
            ).format(name=self.name, error=error)) from error
        expected = self.record.expected_size
        if expected is not None and self.done < expected:
            raise _Retryable(translate(
                "Downloads", "the connection ended after {size} of {expected}"
            ).format(size=human_size(self.done), expected=human_size(expected)))

    def _accept(self, response: httpx2.Response, sink: WriteBehindFile) -> bool:
        """Check the status and ranges; False when there is nothing left to receive."""
        status = response.status_code
        if status == 416:
            return self._on_range_not_satisfiable(response, sink)
        if status >= 400:
            self._raise_for_status(response)
        if status == 206:
            self._check_content_range(response, sink)
        elif status == 200:
            if self.done:
                # The server ignored the Range header and sends everything: start over.
                log.info("%s: the server does not resume; receiving it from the start", self.name)
                self._restart(sink)
            self._adopt_size(_int_or_none(response.headers.get("Content-Length")))
        else:
            raise _Retryable(
                translate("Downloads", "the server answered HTTP {status}").format(status=status)
            )
        self._adopt_hub_hash(response)
        self.record = self.record.with_progress(self.done, response.headers.get("ETag"))
        return True

    def _raise_for_status(self, response: httpx2.Response) -> None:
        status = response.status_code
        if is_retryable_status(status):
            raise _Retryable(
                translate("Downloads", "the server answered HTTP {status}").format(status=status),
                retry_after=retry_after_seconds(response.headers.get("Retry-After")),
            )
        from huggingface_hub.utils import hf_raise_for_status

        response.read()  # the error body feeds huggingface_hub's message
        with translated_errors(
            self.config.endpoint,
            repo_id=self.record.repo_id,
            revision=self.record.revision,
            path=self.record.repo_path,
            has_token=self.config.token is not None,
        ):
            hf_raise_for_status(response)
        raise DownloadError(translate(
            "Downloads", "The Hub answered HTTP {status} for {name}."
        ).format(status=status, name=self.name))

    def _on_range_not_satisfiable(self, response: httpx2.Response, sink: WriteBehindFile) -> bool:
        match = _UNSATISFIED_RANGE.fullmatch(response.headers.get("Content-Range", "").strip())
        remote_size = int(match.group(1)) if match else self.record.expected_size
        if remote_size is not None and self.done == remote_size:
            self._adopt_size(remote_size)
            return False
        self._restart(sink)
        raise _Retryable(translate(
            "Downloads", "the partial file did not match the server's copy; starting over"
        ))

    def _check_content_range(self, response: httpx2.Response, sink: WriteBehindFile) -> None:
        match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", "").strip())
        if match is None or int(match.group(1)) != self.done:
            self._restart(sink)
            got = response.headers.get("Content-Range")
            raise _Retryable(translate(
                "Downloads", "the server sent another range than asked for ({got})"
            ).format(got=got))
        total = match.group(3)
        self._adopt_size(None if total == "*" else int(total))

    def _adopt_size(self, remote_size: int | None) -> None:
        expected = self.record.expected_size
        if remote_size is None:
            return
        if expected is None:
            self._ensure_space(remote_size - self.done)
            self.record = replace(self.record, expected_size=remote_size)
        elif remote_size != expected:
            raise _Discard(
                DownloadError(translate(
                    "Downloads",
                    "{name} changed on the Hub: it is now {size}, not {expected}. Refresh the "
                    "model's file list and download it again.",
                ).format(name=self.name, size=human_size(remote_size),
                         expected=human_size(expected)))
            )

    def _adopt_hub_hash(self, response: httpx2.Response) -> None:
        """Without a listed sha256, take the LFS hash the Hub puts on its redirect."""
        if self.record.expected_sha256 is not None:
            return
        for hop in (*response.history, response):
            linked = (hop.headers.get("X-Linked-Etag") or "").strip('"').lower()
            if _SHA256_HEX.fullmatch(linked):
                self.record = replace(self.record, expected_sha256=linked)
                return

    def _copy_body(self, response: httpx2.Response, sink: WriteBehindFile) -> None:
        expected = self.record.expected_size
        for piece in response.iter_bytes():
            if self.control.requested is not None:
                break
            sink.write(piece)
            self.digest.update(piece)
            self.done += len(piece)
            self.received += len(piece)
            if expected is not None and self.done > expected:
                self._discard_damaged(translate(
                    "Downloads", "the server sent more than {size}"
                ).format(size=human_size(expected)))
            self._report(TransferPhase.DOWNLOADING)
            now = time.monotonic()
            if now - self._last_checkpoint >= self.options.checkpoint_interval:
                self._checkpoint(sink, now)
        self.control.raise_if_requested()

    # -- bookkeeping ---------------------------------------------------------------------

    def _restart(self, sink: WriteBehindFile) -> None:
        sink.truncate()
        self.digest = hashlib.sha256()
        self.done = 0

    def _checkpoint(self, sink: WriteBehindFile, now: float | None = None) -> None:
        # The data is only flushed to the OS here; resuming trusts the file's real length, and
        # the final hash catches anything a power cut could have damaged.
        sink.flush()
        save_record(self.part, self.record.with_progress(self.done))
        self._last_checkpoint = time.monotonic() if now is None else now

    def _report(self, phase: TransferPhase, note: str | None = None) -> None:
        # Every piece: the listener decides how often to pass it on (the manager: ~10/s).
        if self.on_progress is not None:
            self.on_progress(
                TransferProgress(phase, self.done, self.record.expected_size, self.received, note)
            )

    def _verify(self) -> None:
        self._report(TransferPhase.VERIFYING)
        expected_size, expected_sha = self.record.expected_size, self.record.expected_sha256
        if expected_size is not None and self.done != expected_size:
            self._discard_damaged(translate(
                "Downloads", "it is {size} instead of {expected}"
            ).format(size=human_size(self.done), expected=human_size(expected_size)))
        if expected_sha is not None and self.digest.hexdigest() != expected_sha:
            self._discard_damaged(translate("Downloads", "its checksum doesn't match the Hub's"))
        if expected_sha is None:
            log.warning("%s has no sha256 on the Hub; only its size was checked", self.name)

    def _discard_damaged(self, why: str) -> NoReturn:
        raise _Discard(
            DownloadError(translate(
                "Downloads",
                "The downloaded {name} is damaged: {why}; it was deleted, download it again.",
            ).format(name=self.name, why=why))
        )


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
