"""First start: from launching the app to its main window on screen, and to the model ready.

Each run launches a process and reads the moments it noted (``DESKTOP_LLM_STARTUP_PROBE``, see
``desktop_llm/ui/startup_probe.py``): the window's first paint (``shown``) and the default
model's load (``ready``), measured from just before the process was started. Three things are
launched, in turn, in the same run so they share the machine's load:

- baseline: a bare Python process that imports PySide6 and shows an empty QMainWindow (what
  any Qt app in Python pays);
- source: ``python -m desktop_llm``, as ``make run`` starts it;
- bundle: the PyInstaller app in ``dist/`` (if built; ``--bundle PATH`` names another).

Each app is started twice per round in a fresh data folder: a first start (an empty
profile: the history is created, the bundled model registered) and the next start (the same
folder again). The figures are medians over the rounds; the goal is a window on screen in
under a second. Offscreen by default (no display needed; window-manager work is not counted,
for the baseline either); ``--display`` uses the real one.

    .venv/bin/python bench/first_start.py [--rounds 5] [--bundle PATH] [--no-bundle] [--display]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_S = 1.0
TIMEOUT_S = 300.0
PROBE_VARIABLE = "DESKTOP_LLM_STARTUP_PROBE"
# The moments the app notes, in order, and what the time between two of them is.
STAGES = (
    ("app", "Python started, desktop_llm imported"),
    ("qt", "window code imported, QApplication made"),
    ("service", "core imported, history opened"),
    ("window", "main window built"),
    ("shown", "first paint"),
)


def baseline_child(probe: str) -> int:
    """The bare Qt process: an empty QMainWindow, timed the same way."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.resize(1000, 700)

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if watched is window and event.type() == QEvent.Type.Paint:
                Path(probe).write_text(f"shown {time.time():.6f}\n", encoding="utf-8")
                app.quit()
            return False

    watcher = FirstPaint()
    window.installEventFilter(watcher)
    window.show()
    return app.exec()


def launch(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Seconds from launch to each moment the process noted."""
    with tempfile.TemporaryDirectory(prefix="first-start-probe-") as folder:
        probe = Path(folder) / "probe.txt"
        run_env = {**env, PROBE_VARIABLE: str(probe)}
        if command[-1] == "PROBE":
            command = [*command[:-1], str(probe)]
        started = time.time()
        done = subprocess.run(command, env=run_env, capture_output=True, text=True,
                              timeout=TIMEOUT_S, cwd=ROOT)
        if done.returncode != 0 or not probe.is_file():
            raise SystemExit(
                f"{' '.join(command)} failed (exit code {done.returncode}): "
                f"{done.stderr.strip()[-2000:]}"
            )
        moments = {}
        for line in probe.read_text(encoding="utf-8").splitlines():
            name, when = line.split()
            moments[name] = float(when) - started
        return moments


def median(runs: list[dict[str, float]], name: str) -> float | None:
    values = [run[name] for run in runs if name in run]
    return statistics.median(values) if values else None


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:6.2f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "desktop-llm" /
                        ("desktop-llm-cli.exe" if sys.platform == "win32" else "desktop-llm"))
    parser.add_argument("--no-bundle", action="store_true")
    parser.add_argument("--display", action="store_true",
                        help="use the real display instead of Qt's offscreen platform")
    parser.add_argument("--baseline-child", metavar="PROBE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_child:
        return baseline_child(args.baseline_child)

    env = dict(os.environ)
    if not args.display:
        env["QT_QPA_PLATFORM"] = "offscreen"
    subjects: list[tuple[str, list[str]]] = [
        ("source", [sys.executable, "-m", "desktop_llm"]),
    ]
    if not args.no_bundle:
        if args.bundle.is_file():
            subjects.append(("bundle", [str(args.bundle)]))
        else:
            print(f"no bundle at {args.bundle} (make package builds it): measuring the source")
    baseline_command = [sys.executable, str(Path(__file__).resolve()), "--baseline-child", "PROBE"]

    results: dict[str, list[dict[str, float]]] = {"baseline": []}
    for name, _ in subjects:
        results[f"{name}, first start"] = []
        results[f"{name}, next start"] = []
    for round_number in range(1, args.rounds + 1):
        results["baseline"].append(launch(baseline_command, env))
        for name, command in subjects:
            with tempfile.TemporaryDirectory(prefix="first-start-home-") as home:
                app_env = {**env, "DESKTOP_LLM_HOME": home}
                results[f"{name}, first start"].append(launch(command, app_env))
                results[f"{name}, next start"].append(launch(command, app_env))
        shown = {key: runs[-1]["shown"] for key, runs in results.items()}
        print(f"round {round_number}: " + ", ".join(f"{k} {v:.2f} s" for k, v in shown.items()),
              flush=True)

    mode = "offscreen" if not args.display else "on the display"
    print(f"\nlaunch -> main window shown, and -> default model ready "
          f"(median of {args.rounds}, {mode})")
    print(f"{'':24}{'shown':>10}{'ready':>10}")
    for key, runs in results.items():
        print(f"{key:24}{seconds(median(runs, 'shown')):>10}{seconds(median(runs, 'ready')):>10}")
    baseline = median(results["baseline"], "shown") or 0.0
    for name, _ in subjects:
        first = median(results[f"{name}, first start"], "shown") or 0.0
        verdict = "under" if first < GOAL_S else "over"
        print(f"{name}: first start {first:.2f} s, {first - baseline:+.2f} s over the bare Qt "
              f"window ({verdict} the {GOAL_S:.0f} s goal)")

    print("\nwhere the first start's time goes (medians, seconds from the previous moment):")
    for name, _ in subjects:
        runs = results[f"{name}, first start"]
        previous = 0.0
        parts = []
        for moment, meaning in STAGES:
            at = median(runs, moment)
            if at is None:
                continue
            parts.append(f"  {meaning:42} {at - previous:5.2f}")
            previous = at
        print(f"{name}:")
        print("\n".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
