"""Backup export and import of many conversations: time and peak memory.

A history of N conversations of 50 messages each (questions and replies of a few hundred
characters, some Chinese, some code) is written once through the importer. Then, each in a
fresh process so that its peak memory is its own:

- ``read``: the floor. Every conversation's messages read from SQLite and turned into JSON
  text, nothing written: what any export must at least do.
- ``export``: ``ChatService.backup`` writes every conversation to one zip (what
  ``desktop-llm export --all -o FILE.zip`` does).
- ``import``: ``ChatService.import_file`` reads that zip into an empty history, in one
  transaction.

This runs for 250 and for 1,000 conversations. It prints the time of each phase, its ratio to
the read floor, the process's peak RSS, and the peak of the Python memory the phase allocated
(tracemalloc, in a separate untimed run).
Goals: under 10 s each way for 1,000 conversations, and memory flat with the number of
conversations (the 1,000 figure about the 250 one). Messages are never all in memory; what
does grow is the zip's directory, one small record per conversation (zipfile keeps one per
entry to write or read the central directory), well under a kilobyte each. Exit status 0
whatever the figures; non-zero only when something broke.

    .venv/bin/python bench/export.py [--sizes 250 1000] [--messages 50]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path

GOAL_SECONDS = 10.0
PHASES = ("read", "export", "import")

QUESTION = (
    "第{n}个问题: how do I read a CSV file in Python and sum one column, skipping bad rows? "
    "请用中文解释。"
)
ANSWER = (
    "Use the csv module and convert each value, skipping the rows that fail:\n\n"
    "```python\nimport csv\n\ntotal = 0.0\nwith open('data.csv', newline='') as f:\n"
    "    for row in csv.DictReader(f):\n        try:\n            total += float(row['price'])\n"
    "        except (KeyError, ValueError):\n            continue\nprint(total)\n```\n\n"
    "这样可以跳过格式错误的行。Reply number {n}."
)


def _peak_rss_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kilobytes, macOS bytes.
    return peak if sys.platform == "darwin" else peak * 1024


def populate(home: Path, conversations: int, messages: int) -> None:
    from desktop_llm.paths import app_paths
    from desktop_llm.storage import HistoryStore, ImportedConversation, ImportedMessage

    paths = app_paths().ensure()
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    with HistoryStore.open(paths.database) as store, store.importing() as importer:
        for c in range(conversations):
            made = start + timedelta(hours=c)
            turns = []
            for m in range(messages):
                user = m % 2 == 0
                turns.append(ImportedMessage(
                    key=str(m),
                    parent_key=str(m - 1) if m else None,
                    role="user" if user else "assistant",
                    content=(QUESTION if user else ANSWER).format(n=m),
                    created_at=made + timedelta(seconds=m),
                    model=None if user else "SmolLM2-135M-Instruct",
                    finish_reason=None if user else "stop",
                    completion_tokens=None if user else 120,
                    tokens_per_second=None if user else 130.0,
                ))
            importer.add(ImportedConversation(
                title=f"Conversation {c}: CSV 问题",
                created_at=made,
                updated_at=made + timedelta(seconds=messages),
                messages=tuple(turns),
                model="SmolLM2-135M-Instruct",
                settings={"temperature": 0.7},
            ))


def run_phase(phase: str, zip_path: Path, trace: bool = False) -> tuple[float, int]:
    """One phase in this process; returns its seconds and, with ``trace``, the peak of the
    Python memory it allocated (tracemalloc; it slows the work, so such runs are not timed)."""
    from desktop_llm.chat.service import ChatService
    from desktop_llm.paths import app_paths

    paths = app_paths()
    with ChatService.open(paths) as service:
        if trace:
            tracemalloc.start()
        began = time.perf_counter()
        if phase == "read":
            for conversation in service.conversations():
                json.dumps([m.content for m in service.messages(conversation.id)])
        elif phase == "export":
            service.backup(zip_path)
        elif phase == "import":
            service.import_file(zip_path)
        seconds = time.perf_counter() - began
        peak = tracemalloc.get_traced_memory()[1] if trace else 0
        tracemalloc.stop()
        return seconds, peak


def child_main(args: argparse.Namespace) -> int:
    if args.phase == "populate":
        populate(Path(os.environ["DESKTOP_LLM_HOME"]), args.conversations, args.messages)
        return 0
    seconds, traced = run_phase(args.phase, Path(args.zip), trace=args.trace)
    print(json.dumps({"seconds": seconds, "peak_rss": _peak_rss_bytes(), "traced": traced}))
    return 0


def _child(phase: str, home: Path, trace: bool = False, **extra: object) -> dict[str, float]:
    command = [sys.executable, __file__, "--phase", phase, *(["--trace"] if trace else [])]
    for name, value in extra.items():
        command += [f"--{name}", str(value)]
    env = {**os.environ, "DESKTOP_LLM_HOME": str(home)}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"phase {phase} failed:\n{done.stderr.strip()}")
    lines = done.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else {}


def measure(size: int, messages: int, work: Path) -> dict[str, dict[str, float]]:
    source, target = work / f"source-{size}", work / f"target-{size}"
    zip_path = work / f"backup-{size}.zip"
    _child("populate", source, conversations=size, messages=messages)
    results = {
        "read": _child("read", source, zip=zip_path),
        "export": _child("export", source, zip=zip_path),
    }
    # The importing process opens an empty history, as a new installation restoring a backup.
    target.mkdir()
    results["import"] = _child("import", target, zip=zip_path)
    # Memory runs apart from the timed ones (tracemalloc slows Python down).
    for phase in ("read", "export"):
        results[phase]["traced"] = _child(phase, source, trace=True, zip=zip_path)["traced"]
    traced_target = work / f"traced-target-{size}"
    traced_target.mkdir()
    results["import"]["traced"] = _child(
        "import", traced_target, trace=True, zip=zip_path
    )["traced"]
    results["zip_bytes"] = {"seconds": 0.0, "peak_rss": float(zip_path.stat().st_size)}
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[250, 1000])
    parser.add_argument("--messages", type=int, default=50)
    parser.add_argument("--phase", choices=("populate", *PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--conversations", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--zip", default="", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        return child_main(args)

    mib = 1024 * 1024
    by_size: dict[int, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-export-") as work:
        for size in args.sizes:
            try:
                by_size[size] = measure(size, args.messages, Path(work))
            except RuntimeError as error:
                print(f"benchmark failed: {error}", file=sys.stderr)
                return 1
    print(f"{'conversations':>13} {'phase':>7} {'seconds':>8} {'x read':>7} {'RSS MiB':>8} "
          f"{'Python peak MiB':>15}")
    for size, results in by_size.items():
        floor = results["read"]["seconds"]
        for phase in ("read", "export", "import"):
            seconds, peak = results[phase]["seconds"], results[phase]["peak_rss"]
            traced = results[phase]["traced"]
            print(f"{size:>13} {phase:>7} {seconds:>8.2f} {seconds / floor:>7.2f} "
                  f"{peak / mib:>8.1f} {traced / mib:>15.2f}")
        print(f"{size:>13} zip size {results['zip_bytes']['peak_rss'] / mib:.1f} MiB, "
              f"{size * args.messages:,} messages")
    largest, smallest = max(by_size), min(by_size)
    for phase in ("export", "import"):
        seconds = by_size[largest][phase]["seconds"]
        verdict = "meets" if seconds < GOAL_SECONDS else "MISSES"
        print(f"{phase} of {largest:,} conversations: {seconds:.2f} s ({verdict} the "
              f"{GOAL_SECONDS:.0f} s goal)")
        if largest != smallest:
            peaks = [by_size[s][phase]["traced"] for s in (smallest, largest)]
            ratio = peaks[1] / peaks[0] if peaks[0] > 0 else float("nan")
            print(f"{phase} peak Python memory, {largest:,} vs {smallest:,} conversations: "
                  f"{peaks[1] / mib:.2f} vs {peaks[0] / mib:.2f} MiB (ratio {ratio:.2f}; "
                  "flat is about 1)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
