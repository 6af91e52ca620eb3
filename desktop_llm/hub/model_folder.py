"""Download a Hugging Face model repository's weights, as conversion to GGUF needs them.

Only the files the converter reads are fetched (config, tokenizer, weights, their index);
a repository's README, images, ONNX or GGUF copies and the like stay on the Hub.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from fnmatch import fnmatch
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_llm.hub.endpoint import HubConfig, prepare_environment
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


def download_model_folder(
    config: HubConfig,
    repo_id: str,
    target: Path,
    *,
    revision: str = "main",
    check_space: Callable[[int], None] | None = None,
) -> str:
    """Fetch what conversion needs into ``target``; returns the commit it came from.

    The revision is pinned to a commit first, so every file comes from the same one (and the
    provenance records which). ``check_space(bytes)`` is called with the size of the files to
    fetch before any is, and may refuse by raising. A repeated call reuses the files already
    in ``target``.
    """
    prepare_environment(config)
    from huggingface_hub import HfApi, snapshot_download

    token: str | bool = config.token or False
    with translated_errors(
        config.endpoint, repo_id=repo_id, revision=revision, has_token=bool(config.token)
    ):
        api = HfApi(endpoint=config.endpoint, token=token)
        info = api.model_info(repo_id, revision=revision, files_metadata=True)
        commit = info.sha or revision
        if check_space is not None:
            check_space(_missing_bytes(info.siblings or [], target))
        snapshot_download(
            repo_id,
            revision=commit,
            local_dir=target,
            allow_patterns=list(CONVERSION_FILES),
            endpoint=config.endpoint,
            token=token,
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
