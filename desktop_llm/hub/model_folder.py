"""Download a Hugging Face model repository's weights, as conversion to GGUF needs them.

Only the files the converter reads are fetched (config, tokenizer, weights, their index);
a repository's README, images, ONNX or GGUF copies and the like stay on the Hub.
"""

from __future__ import annotations

import re
from pathlib import Path

from desktop_llm.hub.endpoint import HubConfig, prepare_environment
from desktop_llm.hub.error_mapping import translated_errors

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
    config: HubConfig, repo_id: str, target: Path, *, revision: str = "main"
) -> str:
    """Fetch what conversion needs into ``target``; returns the commit it came from.

    The revision is pinned to a commit first, so every file comes from the same one (and the
    provenance records which). A repeated call reuses the files already in ``target``.
    """
    prepare_environment(config)
    from huggingface_hub import HfApi, snapshot_download

    token: str | bool = config.token or False
    with translated_errors(
        config.endpoint, repo_id=repo_id, revision=revision, has_token=bool(config.token)
    ):
        info = HfApi(endpoint=config.endpoint, token=token).model_info(repo_id, revision=revision)
        commit = info.sha or revision
        snapshot_download(
            repo_id,
            revision=commit,
            local_dir=target,
            allow_patterns=list(CONVERSION_FILES),
            endpoint=config.endpoint,
            token=token,
        )
    return commit
