"""Where a file from the Hub lands on disk, and the names that are refused.

A repository file's path comes from the network, so it is untrusted input: ``..``, absolute
paths, backslashes and drive letters could write outside the models folder, and are refused
rather than "cleaned". Only the base name is used locally, under one folder per repository:
``<models_dir>/<owner>/<repo>/<file>``. Partial downloads live in ``<models_dir>/.partial``,
on the same file system, so the finished file moves into place with one atomic rename.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from desktop_llm.errors import DownloadError
from desktop_llm.i18n import translatable, translate

PARTIAL_DIR_NAME = ".partial"
PART_SUFFIX = ".part"

_DRIVE = re.compile(r"^[A-Za-z]:")
# Characters Windows refuses in file names, and control characters everywhere.
_UNPORTABLE = re.compile(r'[<>:"|?*\x00-\x1f]')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {
    f"{prefix}{n}" for prefix in ("COM", "LPT") for n in range(10)
}


def checked_repo_path(repo_path: str) -> PurePosixPath:
    """The repository path as a relative POSIX path, or DownloadError if it could escape."""
    problem = _path_problem(repo_path)
    if problem:
        raise DownloadError(translate(
            "Downloads",
            "The Hub listed a file named {path}, which {problem}; it was not downloaded, to "
            "keep files inside the models folder.",
        ).format(path=repr(repo_path), problem=translate("Downloads", problem)))
    return PurePosixPath(repo_path)


def _path_problem(repo_path: str) -> str | None:
    if not repo_path or not repo_path.strip():
        return translatable("Downloads", "is empty")
    if "\\" in repo_path:
        return translatable("Downloads", "contains a backslash")
    if repo_path.startswith("/"):
        return translatable("Downloads", "is an absolute path")
    if _DRIVE.match(repo_path):
        return translatable("Downloads", "starts with a drive letter")
    parts = repo_path.split("/")
    if any(part in ("..", ".") for part in parts):
        return translatable("Downloads", "points to a parent or current folder")
    if any(not part for part in parts):
        return translatable("Downloads", "has an empty folder name")
    return None


def repo_folder(models_dir: Path, repo_id: str) -> Path:
    """``<models_dir>/<owner>/<repo>`` for a valid Hub repository id."""
    # Lazy, like every huggingface_hub import in hub/ (see endpoint.prepare_environment).
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    try:
        validate_repo_id(repo_id)
    except HFValidationError as error:
        raise DownloadError(translate(
            "Downloads", "{repo} is not a valid Hub repository name."
        ).format(repo=repr(repo_id))) from error
    return Path(models_dir).joinpath(*repo_id.split("/"))


def local_file_name(repo_path: str) -> str:
    """The file name used on disk: the base name, made portable."""
    name = _UNPORTABLE.sub("_", checked_repo_path(repo_path).name).rstrip(" .")
    if not name:
        raise DownloadError(translate(
            "Downloads", "The Hub file {path} has no usable file name."
        ).format(path=repr(repo_path)))
    if name.split(".")[0].upper() in _WINDOWS_RESERVED:
        name = f"_{name}"
    return name


def final_path(models_dir: Path, repo_id: str, repo_path: str) -> Path:
    """Where the finished file goes; always inside ``models_dir``."""
    target = repo_folder(models_dir, repo_id) / local_file_name(repo_path)
    # Belt and braces: whatever the checks above missed (a symlinked folder, say) is caught here.
    root = Path(models_dir).resolve()
    if not target.resolve().is_relative_to(root):
        raise DownloadError(translate(
            "Downloads",
            "The Hub file {path} of {repo} would be saved outside the models folder {folder}; "
            "it was not downloaded.",
        ).format(path=repr(repo_path), repo=repo_id, folder=root))
    return target


def partial_dir(models_dir: Path) -> Path:
    return Path(models_dir) / PARTIAL_DIR_NAME


def partial_path(models_dir: Path, repo_id: str, repo_path: str) -> Path:
    """``<models_dir>/.partial/<owner>--<repo>--<file>.part``.

    Hub repository ids cannot contain ``--``, so the name maps back to one repository file.
    """
    repo_folder(models_dir, repo_id)  # validates the id
    flat = "--".join([*repo_id.split("/"), local_file_name(repo_path)])
    return partial_dir(models_dir) / f"{flat}{PART_SUFFIX}"


def size_on_disk(path: Path) -> int:
    """The file's size, 0 when there is none (a partial file may be renamed or removed at any
    moment by its transfer: no separate "does it exist" check before the stat)."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0
