"""Search the Hub for GGUF models, list a repository's quantizations, read a remote header.

Two deliberate departures from the obvious HfApi calls, both for a person waiting on a GUI:

* Search sends the ``/api/models`` request itself (with huggingface_hub's session, headers,
  error classification and ModelInfo parsing) instead of ``HfApi.list_models``, which has no
  timeout and retries a refused connection five times with back-off (about 23 s) before
  failing. One page is all a search shows anyway.
* Every call passes the endpoint and the token explicitly, and ``token=False`` when there is
  none: neither ``HF_ENDPOINT`` nor a token saved by the ``hf`` command line is used behind
  the user's back.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Literal

from desktop_llm import __version__
from desktop_llm.errors import HubError
from desktop_llm.hub.endpoint import HubConfig, ensure_online, prepare_environment
from desktop_llm.hub.error_mapping import translated_errors
from desktop_llm.hub.quantization import group_model_files
from desktop_llm.hub.remote_header import fetch_range, parse_gguf_prefix, read_header
from desktop_llm.hub.types import FilePart, RepoFiles, RepoSummary
from desktop_llm.i18n import translate
from desktop_llm.model_files import GGUFInfo

if TYPE_CHECKING:
    from huggingface_hub import HfApi, ModelInfo

SortOrder = Literal["downloads", "likes", "updated"]

_SORT_PARAMETER: dict[str, str] = {
    "downloads": "downloads",
    "likes": "likes",
    "updated": "lastModified",
}
# What a result row shows; asking for exactly these keeps the answer small.
_SEARCH_FIELDS = (
    "author",
    "downloads",
    "likes",
    "lastModified",
    "cardData",
    "gated",
    "gguf",
    "tags",
)
# The Hub's own page-size ceiling for /api/models.
MAX_SEARCH_RESULTS = 1000


class HubClient:
    """The app's one door to the Hub; every failure comes out as a ``HubError`` subclass."""

    def __init__(self, config: HubConfig) -> None:
        prepare_environment(config)
        self._config = config
        self._api: HfApi | None = None

    @property
    def config(self) -> HubConfig:
        return self._config

    def search(
        self,
        query: str,
        *,
        sort: SortOrder = "downloads",
        author: str | None = None,
        limit: int = 50,
    ) -> list[RepoSummary]:
        """GGUF repositories whose id contains ``query``, best first by ``sort``."""
        if sort not in _SORT_PARAMETER:
            raise ValueError(f"sort must be one of {sorted(_SORT_PARAMETER)}, not {sort!r}")
        if not 1 <= limit <= MAX_SEARCH_RESULTS:
            raise ValueError(f"limit must be between 1 and {MAX_SEARCH_RESULTS}")
        params: dict[str, Any] = {
            "filter": "gguf",
            "sort": _SORT_PARAMETER[sort],
            "limit": limit,
            "expand": list(_SEARCH_FIELDS),
        }
        if query.strip():
            params["search"] = query.strip()
        if author:
            params["author"] = author
        from huggingface_hub import ModelInfo
        from huggingface_hub.utils import get_session, hf_raise_for_status

        with self._errors():
            response = get_session().get(
                f"{self._config.endpoint}/api/models",
                params=params,
                headers=self._headers(),
                timeout=self._config.timeout,
            )
            hf_raise_for_status(response)
            items = response.json()
        if not isinstance(items, list):
            raise HubError(translate(
                "Hub",
                "The server at {endpoint} does not answer like a Hugging Face Hub: check the "
                "endpoint in Settings.",
            ).format(endpoint=self._config.endpoint))
        return [_summary(ModelInfo(**item)) for item in items[:limit]]

    def repo_files(self, repo_id: str, revision: str = "main") -> RepoFiles:
        """The repository's GGUF models at ``revision``, grouped and smallest type first."""
        with self._errors(repo_id=repo_id, revision=revision):
            # One request: model_info with blobs gives every file's size and LFS sha256 and
            # the commit, and unlike list_repo_tree it takes a timeout and does not retry.
            info = self._hf_api().model_info(
                repo_id, revision=revision, files_metadata=True, timeout=self._config.timeout
            )
        parts = [
            FilePart(
                path=sibling.rfilename,
                size_bytes=sibling.size or 0,
                sha256=sibling.lfs.sha256 if sibling.lfs is not None else None,
            )
            for sibling in info.siblings or ()
        ]
        if not info.sha:
            raise HubError(translate(
                "Hub", "The Hub did not say which commit {repo} is at: try again."
            ).format(repo=repo_id))
        return RepoFiles(
            repo_id=repo_id,
            revision=revision,
            commit_sha=info.sha,
            gated=bool(info.gated),
            files=tuple(group_model_files(parts)),
        )

    def file_url(self, repo_id: str, path: str, revision: str = "main") -> str:
        """Where ``path`` is downloaded from (``…/{repo_id}/resolve/{revision}/{path}``)."""
        from huggingface_hub import hf_hub_url

        return hf_hub_url(repo_id, path, revision=revision, endpoint=self._config.endpoint)

    def remote_header(self, repo_id: str, file_path: str, revision: str = "main") -> bytes:
        """The first bytes of a remote GGUF file, as many as its header takes (2 MB at least).

        Only byte ranges are requested, so a 40 GB file costs a few MB.
        """
        return self._read_header(repo_id, file_path, revision)[0]

    def remote_gguf_info(self, repo_id: str, file_path: str, revision: str = "main") -> GGUFInfo:
        """The parsed header of a remote GGUF file (architecture, context, layers, template).

        A file that is not a usable GGUF raises ``GGUFError`` with the parser's sentence.
        """
        return self._read_header(repo_id, file_path, revision)[1]

    def _read_header(self, repo_id: str, file_path: str, revision: str) -> tuple[bytes, GGUFInfo]:
        url = self.file_url(repo_id, file_path, revision)

        def fetch(start: int, end: int) -> tuple[bytes, int]:
            with self._errors(repo_id=repo_id, revision=revision, path=file_path):
                return fetch_range(url, self._headers(), start, end, self._config.timeout)

        return read_header(fetch, file_path, parse_gguf_prefix)

    def _hf_api(self) -> HfApi:
        if self._api is None:
            from huggingface_hub import HfApi

            self._api = HfApi(
                endpoint=self._config.endpoint,
                token=self._config.token or False,
                library_name="desktop-llm",
                library_version=__version__,
            )
        return self._api

    def _headers(self) -> dict[str, str]:
        from huggingface_hub.utils import build_hf_headers

        return build_hf_headers(
            token=self._config.token or False,
            library_name="desktop-llm",
            library_version=__version__,
        )

    def _errors(self, **where: str) -> AbstractContextManager[None]:
        # Every request goes through here first: HF_HUB_OFFLINE stops them all in one place.
        ensure_online(self._config)
        return translated_errors(
            self._config.endpoint, has_token=self._config.token is not None, **where
        )


def _summary(info: ModelInfo) -> RepoSummary:
    gguf = info.gguf or {}
    return RepoSummary(
        repo_id=info.id,
        author=info.author or (info.id.split("/", 1)[0] if "/" in info.id else None),
        downloads=info.downloads or 0,
        likes=info.likes or 0,
        last_modified=info.last_modified,
        license=_license(info),
        gated=bool(info.gated),
        parameter_count=_int_or_none(gguf.get("total")),
        architecture=gguf.get("architecture") or None,
        context_length=_int_or_none(gguf.get("context_length")),
        tags=tuple(info.tags or ()),
    )


def _license(info: ModelInfo) -> str | None:
    card = info.card_data
    license_name = getattr(card, "license", None) if card is not None else None
    if isinstance(license_name, str) and license_name:
        return license_name
    # The Hub also mirrors the card's license as a "license:<id>" tag.
    for tag in info.tags or ():
        if tag.startswith("license:"):
            return tag.split(":", 1)[1]
    return None


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
