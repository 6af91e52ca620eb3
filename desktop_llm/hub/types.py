"""Plain, immutable results of Hub queries: what the GUI, the command line and the downloader see.

None of these is a huggingface_hub object, so nothing outside ``hub/`` depends on that library.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class RepoSummary:
    """One search result: a GGUF repository with the figures a user compares repositories by."""

    repo_id: str
    author: str | None
    downloads: int
    likes: int
    last_modified: datetime | None
    license: str | None
    gated: bool
    # From the Hub's GGUF metadata of the repository (None when it has none).
    parameter_count: int | None
    architecture: str | None
    context_length: int | None
    tags: tuple[str, ...]


@dataclass(frozen=True)
class FilePart:
    """One file of the repository, as the Hub lists it."""

    path: str
    size_bytes: int
    # The LFS object id, which is the sha256 of the content; None for a file stored in git
    # itself (the Hub only gives its git blob id, a sha1 of a header plus the content).
    sha256: str | None


@dataclass(frozen=True)
class ModelFile:
    """One downloadable model: a single GGUF file, or all parts of a split GGUF.

    ``name`` is the path of a single file, or for a split model the shared path without the
    ``-0000i-of-0000n`` part (``Q4_K_M/model-Q4_K_M.gguf``).
    """

    name: str
    parts: tuple[FilePart, ...]
    quantization: str | None
    # How many parts the file names announce; 1 for a file that is not split.
    split_count: int = 1
    # The 1-based numbers of announced parts the repository does not have: such a model
    # cannot be loaded, so it is shown but not offered for download.
    missing_parts: tuple[int, ...] = ()

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(part.path for part in self.parts)

    @property
    def size_bytes(self) -> int:
        return sum(part.size_bytes for part in self.parts)

    @property
    def is_split(self) -> bool:
        return self.split_count > 1

    @property
    def complete(self) -> bool:
        return not self.missing_parts

    @property
    def is_projector(self) -> bool:
        """A vision projector (``mmproj-*.gguf``) that goes with a model, not a model itself."""
        return "mmproj" in self.name.rsplit("/", 1)[-1].lower()


@dataclass(frozen=True)
class RepoFiles:
    """The GGUF models of one revision of a repository, smallest quantization first."""

    repo_id: str
    revision: str
    # The commit the revision pointed at when it was listed: download from this commit, so all
    # parts and the checksums shown belong together even if the branch moves meanwhile.
    commit_sha: str
    gated: bool
    files: tuple[ModelFile, ...]

    @property
    def quantizations(self) -> tuple[str | None, ...]:
        """Distinct quantization types in display order; None (not recognised) last."""
        return tuple(dict.fromkeys(file.quantization for file in self.files))

    def by_quantization(self) -> dict[str | None, tuple[ModelFile, ...]]:
        groups: dict[str | None, list[ModelFile]] = {}
        for file in self.files:
            groups.setdefault(file.quantization, []).append(file)
        return {quant: tuple(files) for quant, files in groups.items()}

    def find(self, name: str) -> ModelFile | None:
        """The model called ``name``, or the one one of whose parts has that path."""
        for file in self.files:
            if file.name == name or name in file.paths:
                return file
        return None
