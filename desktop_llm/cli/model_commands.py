"""``desktop-llm models``: list, search, files, download, import, remove."""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_llm.cli import conversion_commands
from desktop_llm.cli.output import EXIT_INTERRUPTED, fail, open_service, print_json
from desktop_llm.cli.progress import ProgressLine
from desktop_llm.cli.remote_commands import remote_models_to_dicts
from desktop_llm.errors import DesktopLLMError
from desktop_llm.model_files import human_size
from desktop_llm.paths import AppPaths

if TYPE_CHECKING:
    from desktop_llm.chat.model_manager import FitEstimate, ModelManager
    from desktop_llm.hub import ModelFile, RepoFiles
    from desktop_llm.hub.download import DownloadSnapshot
    from desktop_llm.storage import ModelRecord


def add_commands(commands: argparse._SubParsersAction) -> None:
    models = commands.add_parser("models", help="installed models and the Hugging Face Hub")
    actions = models.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True

    listing = actions.add_parser("list", help="installed models, and those of remote servers")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_list)

    search = actions.add_parser("search", help="search the Hub for GGUF models")
    search.add_argument("query", metavar="QUERY")
    search.add_argument("--sort", choices=("downloads", "likes", "updated"), default="downloads")
    search.add_argument("--author", help="only repositories of this user or organisation")
    search.add_argument("--json", action="store_true")
    search.set_defaults(handler=_search)

    files = actions.add_parser("files", help="a repository's GGUF files, with fit estimates")
    files.add_argument("repo", metavar="REPO")
    files.add_argument("--context", type=int, metavar="N", help="context length for the fit")
    files.add_argument("--json", action="store_true")
    files.set_defaults(handler=_files)

    download = actions.add_parser(
        "download", help="download a model (run again after an interruption to resume)"
    )
    download.add_argument("repo", metavar="REPO")
    download.add_argument("file", metavar="FILE", help="file name, or a quantization like Q4_K_M")
    download.add_argument("--json", action="store_true", help="print the result as JSON")
    download.set_defaults(handler=_download)

    add = actions.add_parser("import", help="add a .gguf file, or every one in a folder")
    add.add_argument("path", type=Path, metavar="PATH")
    add.add_argument("--json", action="store_true")
    add.set_defaults(handler=_import)

    remove = actions.add_parser("remove", help="remove an installed model")
    remove.add_argument("name", metavar="NAME")
    remove.add_argument("--keep-file", action="store_true", help="only forget it; keep the file")
    remove.set_defaults(handler=_remove)

    conversion_commands.add_actions(actions)


def model_to_dict(record: ModelRecord) -> dict[str, Any]:
    return {
        "name": record.name,
        "engine": "local",
        "path": str(record.path),
        "size_bytes": record.size_bytes,
        "source": record.source,
        "sha256": record.sha256,
        "added_at": record.added_at.isoformat(timespec="seconds"),
        **{
            key: record.metadata.get(key)
            for key in (
                "architecture",
                "parameters",
                "parameter_count",
                "quantization",
                "context_length",
                "chat_template_present",
                "repo",
                "revision",
                "converted_from",
                "outtype",
                "warnings",
            )
        },
    }


def fit_to_dict(fit: FitEstimate | None) -> dict[str, Any] | None:
    if fit is None:
        return None
    return {
        "verdict": fit.verdict,
        "ram_needed_bytes": fit.estimate.cpu_bytes,
        "vram_needed_bytes": fit.estimate.gpu_bytes,
        "ram_bytes": fit.ram_bytes,
        "vram_bytes": fit.vram_bytes,
        "kv_cache_bytes": fit.estimate.kv_cache_bytes,
        "context_length": fit.n_ctx,
        "gpu_layers": fit.n_gpu_layers,
    }


def _list(args: argparse.Namespace, paths: AppPaths) -> int:
    with open_service(paths) as service:
        models = service.installed_models()
        remotes = service.remotes.models()  # each server asked at once, with a short timeout
    for entry in remotes:
        if entry.error is not None:
            print(f"desktop-llm: {entry.remote.name}: {entry.error}", file=sys.stderr)
    if args.json:
        print_json([model_to_dict(m) for m in models] + [
            found for entry in remotes for found in remote_models_to_dicts(entry)
        ])
        return 0
    if not models and not remotes:
        print("No models installed. Try: desktop-llm models search QUERY")
    for model in models:
        facts = [model.metadata.get(k) for k in ("architecture", "parameters", "quantization")]
        summary = ", ".join(str(fact) for fact in facts if fact)
        print(f"{model.name}  ({human_size(model.size_bytes)}; {summary}; {model.source})")
    for entry in remotes:
        for name in entry.names():
            print(f"{name}  (remote: {entry.remote.base_url})")
    return 0


def _search(args: argparse.Namespace, paths: AppPaths) -> int:
    with open_service(paths) as service:
        repos = service.models.search(args.query, sort=args.sort, author=args.author)
    if args.json:
        print_json(
            [
                {
                    "repo": repo.repo_id,
                    "author": repo.author,
                    "downloads": repo.downloads,
                    "likes": repo.likes,
                    "last_modified": repo.last_modified.isoformat() if repo.last_modified else None,
                    "license": repo.license,
                    "gated": repo.gated,
                    "parameter_count": repo.parameter_count,
                    "architecture": repo.architecture,
                    "context_length": repo.context_length,
                }
                for repo in repos
            ]
        )
        return 0
    if not repos:
        print("Nothing found.")
    for repo in repos:
        gated = "  [gated]" if repo.gated else ""
        print(f"{repo.repo_id}  ↓{repo.downloads}  ♥{repo.likes}{gated}")
    return 0


def _files(args: argparse.Namespace, paths: AppPaths) -> int:
    with open_service(paths) as service:
        repo = service.models.repo_files(args.repo)
        fits = service.models.repo_fits(args.repo, repo, n_ctx=args.context)
    if args.json:
        print_json(
            {
                "repo": repo.repo_id,
                "revision": repo.commit_sha,
                "gated": repo.gated,
                "files": [_file_to_dict(model, fits.get(model.name)) for model in repo.files],
            }
        )
        return 0
    for model in repo.files:
        fit = fits.get(model.name)
        verdict = fit.verdict.replace("_", " ") if fit else "fit unknown"
        parts = f" ({len(model.parts)} parts)" if model.is_split else ""
        print(
            f"{model.quantization or '?':<8} {human_size(model.size_bytes):>9}  "
            f"{verdict:<13} {model.name}{parts}"
        )
    return 0


def _file_to_dict(model: ModelFile, fit: FitEstimate | None) -> dict[str, Any]:
    return {
        "name": model.name,
        "quantization": model.quantization,
        "size_bytes": model.size_bytes,
        "parts": [
            {"path": part.path, "size_bytes": part.size_bytes, "sha256": part.sha256}
            for part in model.parts
        ],
        "complete": model.complete,
        "fit": fit_to_dict(fit),
    }


def choose_file(repo: RepoFiles, wanted: str) -> ModelFile:
    """A file by name (or any part's path), else the one file of a quantization."""
    found = repo.find(wanted)
    if found is not None:
        return found
    matches = [m for m in repo.files if (m.quantization or "").upper() == wanted.upper()]
    if len(matches) == 1:
        return matches[0]
    names = ", ".join(m.name for m in (matches or repo.files)) or "none"
    raise DesktopLLMError(f"{repo.repo_id} has no single file matching {wanted!r}; files: {names}")


def _download(args: argparse.Namespace, paths: AppPaths) -> int:
    with open_service(paths) as service:
        manager = service.models
        model = choose_file(manager.repo_files(args.repo), args.file)
        if not model.complete:
            raise DesktopLLMError(f"{model.name} is missing parts on the Hub: it cannot be used.")
        finished = _run_download(manager, args.repo, model, quiet=args.json)
        if finished.state.value == "paused":
            return fail("paused: run the same command again to resume", EXIT_INTERRUPTED)
        if finished.error is not None or finished.state.value != "completed":
            reason = finished.error or f"the download ended as {finished.state.value}"
            return fail(str(reason))
        record = service.library.resolve(str(sorted(finished.paths)[0]))
    if args.json:
        print_json(
            {
                "name": record.name,
                "path": str(record.path),
                "size_bytes": finished.bytes_total,
                "repo": args.repo,
                "already_installed": finished.already_installed,
            }
        )
    elif finished.already_installed:
        print(f"{record.name} is already installed at {record.path}.")
    else:
        print(f"Installed {record.name} ({human_size(finished.bytes_total)}) at {record.path}")
    return 0


def _run_download(
    manager: ModelManager, repo_id: str, model: ModelFile, *, quiet: bool
) -> DownloadSnapshot:
    """Download with a progress line; Ctrl+C pauses (the partial file stays for next time)."""
    done = threading.Event()
    pausing = threading.Event()
    last: list[DownloadSnapshot] = []
    progress = ProgressLine(sys.stderr, enabled=not quiet)
    job_id: list[str] = []

    def on_snapshot(snapshot: DownloadSnapshot) -> None:
        if job_id and snapshot.job_id != job_id[0]:
            return
        last[:] = [snapshot]
        progress.show(snapshot)
        # "paused" also describes an unfinished download found on disk before it resumes:
        # only the pause asked for below ends the wait.
        finished = ("completed", "failed", "cancelled")
        if snapshot.state.value in finished or (
            pausing.is_set() and snapshot.state.value == "paused"
        ):
            done.set()

    downloads = manager.downloads()
    unsubscribe = downloads.subscribe(on_snapshot)
    try:
        job = manager.download(repo_id, model)
        job_id.append(job.id)
        try:
            while not done.wait(0.2):
                pass
        except KeyboardInterrupt:
            pausing.set()
            downloads.pause(job.id)
            done.wait(30)
    finally:
        unsubscribe()
        progress.finish()
    return last[-1]


def _import(args: argparse.Namespace, paths: AppPaths) -> int:
    with open_service(paths) as service:
        if args.path.is_dir():
            report = service.models.scan_folder(args.path)
            imported, refused = report.imported, report.refused
        else:
            imported, refused = [service.models.import_file(args.path)], []
    if args.json:
        print_json(
            {
                "imported": [model_to_dict(m) for m in imported],
                "refused": [{"path": str(path), "reason": reason} for path, reason in refused],
            }
        )
    else:
        for model in imported:
            print(f"Imported {model.name} ({human_size(model.size_bytes)})")
        for path, reason in refused:
            print(f"Refused {path}: {reason}", file=sys.stderr)
    return 0 if imported or not refused else 1


def _remove(args: argparse.Namespace, paths: AppPaths) -> int:
    with open_service(paths) as service:
        removed = service.models.remove(args.name, delete_file=not args.keep_file)
    print(f"Removed {removed.name}")
    return 0
