"""Download throughput of the app's resumable transfer against huggingface_hub's `hf download`.

A FakeHub on 127.0.0.1 (tests/fake_hub) serves one LFS file, redirected to its "CDN" origin as
the real Hub does: by default the bundled 98 MB model, or ``--size-mb`` of random bytes. Runs
alternate (ours, hf, ours, hf, ...), each in a fresh subprocess of the same interpreter so
both sides pay for their own imports and neither shares the server's GIL:

* ours: ``download_file`` (desktop_llm.hub.download), which also hashes (sha256) and fsyncs;
* hf:   ``hf download REPO FILE --local-dir DIR``, huggingface_hub's own command line, with
  ``HF_ENDPOINT`` pointing at the fake Hub, Xet, telemetry, the update check and progress bars
  off, and ``HF_HOME`` in a temporary folder.

Each child times its own download (after its imports: interpreter start-up is the same for
both and only adds noise); the wall-clock time of the whole subprocess is printed as well.
The ratio is the median of per-pair ratios of MB/s, ours / hf (goal >= 0.95).

Then the interruption: the server drops the connection at 60 % of the file; the bytes fetched
again after it (bytes served in total minus the file size) are printed with the chunk size
(goal: nothing before the last incomplete chunk, i.e. at most one chunk).

The exit status is 0 whatever the figures, non-zero only when something broke (a download
failed, a file came out wrong).

    .venv/bin/python bench/download.py [--pairs 5] [--size-mb 500] [--chunk-kb 1024]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # tests.fake_hub lives in the source tree, not the package

from desktop_llm.bundled_model import DEFAULT_MODEL, default_model_path  # noqa: E402
from tests.fake_hub import FakeFile, FakeHub, FakeRepo, Fault  # noqa: E402

REPO = "bench/Download-GGUF"
GOAL = 0.95
CHILD_TIMEOUT_S = 600

# Runs `hf download` in this interpreter, timing the command after its imports.
HF_CHILD = """
import sys, time
from huggingface_hub.cli.hf import main
repo, name, dest = sys.argv[1:4]
sys.argv = ["hf", "download", repo, name, "--local-dir", dest]
started = time.perf_counter()
try:
    main()
except SystemExit as done:
    if done.code:
        raise
print("SECONDS", time.perf_counter() - started)
"""


class BenchError(RuntimeError):
    """Something broke; the figures would mean nothing."""


@dataclass(frozen=True)
class Run:
    side: str
    seconds: float  # the download itself, timed in the child
    wall_seconds: float  # the whole subprocess, start-up included
    size: int

    @property
    def mb_per_s(self) -> float:
        return self.size / self.seconds / 1e6


def bench_file(args: argparse.Namespace) -> FakeFile:
    if args.size_mb:
        # Random bytes: nothing along the way can compress them.
        return FakeFile("synthetic.gguf", os.urandom(args.size_mb * 1_000_000))
    path = args.model or default_model_path()
    if not path.is_file():
        raise BenchError(f"{path} is missing: run `make model` (or pass --size-mb)")
    return FakeFile(DEFAULT_MODEL.file_name, path.read_bytes())


def run_ours(hub: FakeHub, file: FakeFile, dest: Path, chunk_size: int) -> Run:
    command = [
        sys.executable, __file__, "--child-ours",
        hub.url, REPO, file.path, str(file.size), file.sha256, str(dest), str(chunk_size),
    ]  # fmt: skip
    return _timed("ours", command, dict(os.environ), file, dest / REPO / file.path)


def run_hf(hub: FakeHub, file: FakeFile, dest: Path, hf_home: Path) -> Run:
    env = {
        **os.environ,
        "HF_ENDPOINT": hub.url,
        "HF_HUB_DISABLE_XET": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        # No PyPI version check (no network here) and no tqdm redraws: only the transfer.
        "HF_HUB_DISABLE_UPDATE_CHECK": "1",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "HF_HOME": str(hf_home),
    }
    env.pop("HF_TOKEN", None)
    command = [sys.executable, "-c", HF_CHILD, REPO, file.path, str(dest)]
    return _timed("hf", command, env, file, dest / file.path)


def _timed(side: str, command: list[str], env: dict[str, str], file: FakeFile, out: Path) -> Run:
    started = time.perf_counter()
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S, check=False
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise BenchError(f"{side} download failed ({done.returncode}):\n{done.stderr[-2000:]}")
    seconds = next(
        (float(line.split()[1]) for line in done.stdout.splitlines() if line.startswith("SECONDS")),
        None,
    )
    if seconds is None:
        raise BenchError(f"{side} child printed no timing:\n{done.stdout[-2000:]}")
    if not out.is_file() or out.stat().st_size != file.size or _sha256(out) != file.sha256:
        raise BenchError(f"{side} produced a wrong or missing {out}")
    return Run(side, seconds, wall, file.size)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(4 << 20):
            digest.update(block)
    return digest.hexdigest()


def child_ours(argv: list[str]) -> int:
    """The `ours` subprocess: download_file once, print how long it took."""
    url, repo, name, size, sha, dest, chunk = argv
    from desktop_llm.hub.download.transfer import TransferOptions, download_file
    from desktop_llm.hub.endpoint import HubConfig

    started = time.perf_counter()
    download_file(
        Path(dest), HubConfig(endpoint=url), repo, name,
        expected_size=int(size), expected_sha256=sha,
        options=TransferOptions(chunk_size=int(chunk)),
    )  # fmt: skip
    print("SECONDS", time.perf_counter() - started)
    return 0


def interruption(hub: FakeHub, file: FakeFile, scratch: Path, chunk_size: int) -> int:
    """Drop the connection at 60 %; return the bytes served again after it."""
    from desktop_llm.hub.download.retry import RetryPolicy
    from desktop_llm.hub.download.transfer import TransferOptions, download_file
    from desktop_llm.hub.endpoint import HubConfig

    before = hub.bytes_served(REPO, file.path)
    hub.inject(REPO, file.path, Fault(drop_after=int(file.size * 0.6)))
    path = download_file(
        scratch / "interrupted", HubConfig(endpoint=hub.url), REPO, file.path,
        expected_size=file.size, expected_sha256=file.sha256,
        options=TransferOptions(chunk_size=chunk_size, retry=RetryPolicy(initial_delay=0.1)),
    )  # fmt: skip
    if _sha256(path) != file.sha256:
        raise BenchError("the interrupted download came out wrong")
    ranges = [r.range for r in hub.file_requests(REPO, file.path) if r.status in (200, 206)]
    print(f"  requests with bytes: {ranges[-2:]}")
    return hub.bytes_served(REPO, file.path) - before - file.size


def bench(args: argparse.Namespace) -> int:
    file = bench_file(args)
    chunk_size = args.chunk_kb * 1024
    print(f"file: {file.path}, {file.size / 1e6:.1f} MB; {args.pairs} pairs after a warm-up")
    runs: list[tuple[Run, Run]] = []
    with (
        tempfile.TemporaryDirectory(prefix="bench-download-") as scratch_name,
        FakeHub([FakeRepo(REPO, [file])], lfs_redirect=True) as hub,
    ):
        scratch = Path(scratch_name)
        for pair in range(args.pairs + 1):  # pair 0 warms the page cache and imports
            ours = run_ours(hub, file, scratch / "ours", chunk_size)
            hf = run_hf(hub, file, scratch / "hf", scratch / "hf-home")
            for folder in ("ours", "hf", "hf-home"):
                shutil.rmtree(scratch / folder, ignore_errors=True)
            label = "warm-up" if pair == 0 else f"pair {pair}"
            print(
                f"  {label:8} ours {ours.mb_per_s:7.1f} MB/s ({ours.seconds:.2f} s, "
                f"{ours.wall_seconds:.2f} s wall)   hf {hf.mb_per_s:7.1f} MB/s "
                f"({hf.seconds:.2f} s, {hf.wall_seconds:.2f} s wall)"
            )
            if pair:
                runs.append((ours, hf))
        ratios = [ours.mb_per_s / hf.mb_per_s for ours, hf in runs]
        wall_ratios = [hf.wall_seconds / ours.wall_seconds for ours, hf in runs]
        print(
            f"median: ours {statistics.median(o.mb_per_s for o, _ in runs):.1f} MB/s, "
            f"hf {statistics.median(h.mb_per_s for _, h in runs):.1f} MB/s"
        )
        ratio = statistics.median(ratios)
        verdict = "meets" if ratio >= GOAL else "misses"
        print(
            f"throughput ratio (ours/hf, median of pairs): {ratio:.3f}  "
            f"[{min(ratios):.3f} .. {max(ratios):.3f}]  {verdict} the goal >= {GOAL}"
        )
        print(f"wall-clock ratio (start-up included): {statistics.median(wall_ratios):.3f}")

        print("interruption: connection dropped at 60 %")
        refetched = interruption(hub, file, scratch, chunk_size)
        verdict = "meets" if refetched <= chunk_size else "misses"
        print(
            f"bytes fetched again after the interruption: {refetched} "
            f"(chunk size {chunk_size}); {verdict} the goal <= one chunk"
        )
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=5, help="measured ours/hf pairs (5)")
    parser.add_argument(
        "--size-mb", type=int, default=0, help="serve this many MB of random bytes instead"
    )
    parser.add_argument("--model", type=Path, help="serve this file (default: bundled model)")
    parser.add_argument("--chunk-kb", type=int, default=1024, help="our write chunk (1024)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child-ours"]:
        return child_ours(argv[1:])
    try:
        return bench(parse_args(argv))
    except (BenchError, subprocess.TimeoutExpired) as error:
        print(f"bench/download.py: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
