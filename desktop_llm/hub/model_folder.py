"""Download a Hugging Face model repository's weights, as conversion to GGUF needs them.

Only the files the converter reads are fetched (config, tokenizer, weights, their index);
a repository's README, images, ONNX or GGUF copies and the like stay on the Hub.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from fnmatch import fnmatch
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_llm.hub.endpoint import HubConfig, ensure_online, prepare_environment
from desktop_llm.hub.error_mapping import translated_errors

if TYPE_CHECKING:
    from huggingface_hub.hf_api import RepoSibling

CONVERSION_FILES = (
    "config.json",
    "generation_config.json",
    "*.safetensors",
    "*.safetensors.index.json",
    "pytorch_model*.bin",
    "pytorch_model*.bin.index.json",
    "tokenizer.json",
    "tokenizer.model",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "vocab.json",
    "merges.txt",
    "chat_template.jinja",
    "chat_template.json",
)
_REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")


def looks_like_repo_id(text: str) -> bool:
    """``owner/name``, as the Hub spells repository ids."""
    return bool(_REPO_ID.match(text))


class FolderDownloadStopped(Exception):
    """Raised inside the download when ``should_stop()`` said so; the partial files stay."""


def download_model_folder(
    config: HubConfig,
    repo_id: str,
    target: Path,
    *,
    revision: str = "main",
    check_config: Callable[[Path], None] | None = None,
    check_space: Callable[[int], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> str:
    """Fetch what conversion needs into ``target``; returns the commit it came from.

    The revision is pinned to a commit first, so every file comes from the same one (and the
    provenance records which). ``check_config(path)`` is called with config.json, fetched
    alone first, so an unsupported model is refused before its weights are downloaded;
    ``check_space(bytes)`` is called with the size of the files to
    fetch before any is, and may refuse by raising; ``on_progress(bytes done, bytes in all)``
    as the data arrives. When ``should_stop()`` turns true the download ends with
    :class:`FolderDownloadStopped` at its next piece. A repeated call reuses the files already
    in ``target`` (and resumes partial ones).
    """
    ensure_online(config)
    prepare_environment(config)
    from huggingface_hub import HfApi, hf_hub_download, snapshot_download

    token: str | bool = config.token or False
    with translated_errors(
        config.endpoint, repo_id=repo_id, revision=revision, has_token=bool(config.token)
    ):
        api = HfApi(endpoint=config.endpoint, token=token)
        info = api.model_info(repo_id, revision=revision, files_metadata=True)
        commit = info.sha or revision
        if check_config is not None:
            config_path = hf_hub_download(
                repo_id,
                "config.json",
                revision=commit,
                local_dir=target,
                endpoint=config.endpoint,
                token=token,
            )
            check_config(Path(config_path))
        missing = _missing_bytes(info.siblings or [], target)
        if check_space is not None:
            check_space(missing)
        snapshot_download(
            repo_id,
            revision=commit,
            local_dir=target,
            allow_patterns=list(CONVERSION_FILES),
            endpoint=config.endpoint,
            token=token,
            tqdm_class=_reporting_bar(missing, on_progress, should_stop),
        )
    return commit


def is_conversion_file(path: str) -> bool:
    return any(fnmatch(path, pattern) for pattern in CONVERSION_FILES)


def _missing_bytes(siblings: list[RepoSibling], target: Path) -> int:
    """Bytes still to fetch: the wanted files not already complete in ``target``."""
    total = 0
    for sibling in siblings:
        if not is_conversion_file(sibling.rfilename):
            continue
        size = sibling.size or 0
        existing = target / sibling.rfilename
        if existing.is_file() and existing.stat().st_size == size:
            continue
        total += size
    return total


def _reporting_bar(
    total: int,
    on_progress: Callable[[int, int], None] | None,
    should_stop: Callable[[], bool] | None,
) -> type:
    """A silent tqdm class for snapshot_download: every bar it makes reports here instead.

    huggingface_hub updates its byte bars from the download threads after each piece; raising
    there is the one way to end a running snapshot_download early.
    """
    from tqdm.auto import tqdm

    lock = threading.Lock()
    # Bytes seen by each byte bar: huggingface_hub keeps two over the same bytes (received
    # and written), so the larger count is the progress.
    seen: dict[int, int] = {}

    class ReportingBar(tqdm):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["disable"] = True
            # Only the byte bars count toward progress (another one counts files).
            self._counts_bytes = kwargs.get("unit") == "B"
            super().__init__(*args, **kwargs)

        def update(self, n: float | None = 1) -> bool | None:
            if should_stop is not None and should_stop():
                raise FolderDownloadStopped
            if self._counts_bytes and on_progress is not None and n:
                with lock:
                    seen[id(self)] = seen.get(id(self), 0) + int(n)
                    done = max(seen.values())
                on_progress(min(done, total), total)
            return super().update(n)

    return ReportingBar
