"""``make package``: the one-folder app for this machine, then what each system needs around it.

    .venv/bin/python packaging/build.py [--self-test]

PyInstaller builds ``dist/desktop-llm/`` (``dist/desktop-llm.app`` on macOS) from
``packaging/desktop-llm.spec``. On Linux the folder also gets the ``.desktop`` entry and
``install.sh`` (which puts the entry and icon in the user's menu) and is archived as
``dist/desktop-llm-VERSION-linux-ARCH.tar.gz``; on Windows and macOS as a ``.zip``. No AppImage:
appimagetool is not part of the build's tools (it is downloaded from GitHub, and the build runs
offline); the archive unpacks and runs anywhere an AppImage would. The last lines say where
everything is and how big it is. ``--self-test`` then runs the bundle's own ``--self-test``
with no display (the API server on the window's thread among its steps), starts it once as a
user would, in a new user profile (offscreen): the window shown and the model ready (with the
times), the data in the profile, nothing written into the app's own folder; and runs the
bundle's ``serve`` as a script would (uvicorn in the foreground, its own event loop): asked
for its models and one streamed reply, then stopped with Ctrl+C.
"""

from __future__ import annotations

import argparse
import os
import platform
import queue
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from desktop_llm import __version__  # noqa: E402
from desktop_llm.self_test import api_request, streamed_reply  # noqa: E402

SPEC = ROOT / "packaging" / "desktop-llm.spec"
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"
LINUX_FILES = ROOT / "resources" / "linux"
NAME = "desktop-llm"


def folder_size(path: Path) -> tuple[int, int]:
    """Bytes and files under ``path`` (links not followed)."""
    total = files = 0
    for item in path.rglob("*"):
        if item.is_file() and not item.is_symlink():
            total += item.stat().st_size
            files += 1
    return total, files


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.0f} MB"


def build() -> Path:
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(DIST), "--workpath", str(WORK), str(SPEC)],
        cwd=ROOT, check=True,
    )
    if sys.platform == "darwin":
        return DIST / f"{NAME}.app"
    return DIST / NAME


def executable_of(bundle: Path) -> Path:
    if sys.platform == "win32":
        return bundle / f"{NAME}-cli.exe"  # the console one: its output is seen
    if sys.platform == "darwin":
        return bundle / "Contents" / "MacOS" / NAME
    return bundle / NAME


def add_linux_files(bundle: Path) -> None:
    for name in ("desktop-llm.desktop", "install.sh"):
        target = bundle / name
        shutil.copyfile(LINUX_FILES / name, target)
        if name.endswith(".sh"):
            target.chmod(0o755)


def archive(bundle: Path) -> Path:
    machine = platform.machine().lower() or "unknown"
    system = {"win32": "windows", "darwin": "macos"}.get(sys.platform, "linux")
    stem = DIST / f"{NAME}-{__version__}-{system}-{machine}"
    if system == "linux":
        path = stem.with_name(stem.name + ".tar.gz")
        with tarfile.open(path, "w:gz", compresslevel=6) as tar:
            tar.add(bundle, arcname=NAME)
        return path
    if system == "macos" and shutil.which("ditto"):
        path = stem.with_name(stem.name + ".zip")
        # ditto keeps the .app's symlinks and signature, which a plain zip would break.
        subprocess.run(["ditto", "-c", "-k", "--keepParent", str(bundle), str(path)], check=True)
        return path
    return Path(shutil.make_archive(str(stem), "zip", bundle.parent, bundle.name))


def _headless_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "DESKTOP_LLM_HOME")}


def self_test(bundle: Path) -> int:
    command = [str(executable_of(bundle)), "--self-test"]
    print(f"$ {' '.join(command)}   (no display)", flush=True)
    return subprocess.run(command, env=_headless_env()).returncode


def _files(folder: Path) -> dict[str, float]:
    return {str(p): p.stat().st_mtime for p in folder.rglob("*") if not p.is_symlink()}


def first_start(bundle: Path) -> str | None:
    """The app started as a user starts it, in a new user profile (offscreen): its window is
    shown and its model ready, its data lands in the profile, and nothing is written in its
    own folder. Returns the problem, or None; prints the times."""
    before = _files(bundle)
    with tempfile.TemporaryDirectory(prefix="desktop-llm-first-start-") as scratch:
        home = Path(scratch) / "home"
        probe = Path(scratch) / "probe.txt"
        env = {k: v for k, v in _headless_env().items() if not k.startswith("XDG_")}
        env.update(HOME=str(home), USERPROFILE=str(home), LOCALAPPDATA=str(home / "local"),
                   APPDATA=str(home / "roaming"), QT_QPA_PLATFORM="offscreen",
                   DESKTOP_LLM_STARTUP_PROBE=str(probe))
        started = time.time()
        done = subprocess.run([str(executable_of(bundle))], env=env, capture_output=True,
                              text=True, timeout=300)
        if done.returncode != 0 or not probe.is_file():
            return f"the app's first start failed (exit code {done.returncode}): {done.stderr}"
        moments = dict(line.split() for line in probe.read_text().splitlines())
        if "ready" not in moments:
            return f"the default model did not load on the first start: {moments}"
        shown = float(moments["shown"]) - started
        ready = float(moments["ready"]) - started
        databases = list(home.rglob("history.sqlite3"))
        if not databases:
            return f"no history was written in the new user profile {home}"
        print(f"first start: window shown {shown:.2f} s and model ready {ready:.2f} s after "
              f"launch; data in {databases[0].parent}")
    if _files(bundle) != before:
        changed = sorted(set(_files(bundle).items()) ^ set(before.items()))[:5]
        return f"the app wrote into its own folder: {changed}"
    return None


SERVE_TIMEOUT = 300.0


def serve_check(bundle: Path) -> str | None:
    """The bundle's ``serve`` on a free loopback port, in a new data folder: its address read
    from its first line, its model listed, one streamed reply read to its end, then Ctrl+C (a
    clean stop, exit 130). Returns the problem, or None; prints the figures."""
    with tempfile.TemporaryDirectory(prefix="desktop-llm-serve-") as home:
        # A new user: no API server key saved either (serve starts from the saved one).
        env = {**_headless_env(), "DESKTOP_LLM_HOME": home,
               "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
        command = [str(executable_of(bundle)), "serve", "--port", "0"]
        print(f"$ {' '.join(command)}", flush=True)
        started = time.monotonic()
        process = subprocess.Popen(
            command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, encoding="utf-8",
        )
        assert process.stdout is not None and process.stderr is not None
        try:
            lines: queue.Queue[str] = queue.Queue()
            threading.Thread(target=lambda: lines.put(process.stdout.readline()),
                             daemon=True).start()
            try:
                line = lines.get(timeout=SERVE_TIMEOUT)
            except queue.Empty:
                return f"`serve` said nothing in {SERVE_TIMEOUT:g} s"
            if not line.startswith("Serving ") or " at http://" not in line:
                process.kill()
                return f"`serve` did not start: {line.strip() or process.stderr.read().strip()}"
            ready = time.monotonic() - started
            model, _, rest = line.removeprefix("Serving ").rpartition(" at ")
            port = int(rest.split()[0].rsplit(":", 1)[1].split("/")[0])
            status, listed = api_request(port, "GET", "/v1/models")
            ids = [entry.get("id") for entry in listed.get("data", [])]
            if status != 200 or ids != [model]:
                return f"`serve`: GET /v1/models answered {status}: {listed}"
            chunks, _text = streamed_reply(port, model)
            if sys.platform == "win32":
                process.terminate()  # no Ctrl+C to send to a console of its own
                process.wait(30)
                code = "terminated"
            else:
                process.send_signal(signal.SIGINT)
                exit_code = process.wait(30)
                if exit_code != 130:
                    return (f"`serve` ended with exit code {exit_code} after Ctrl+C: "
                            f"{process.stderr.read()}")
                code = "exit 130"
        except Exception as error:  # a failed request or a hang: the reason, one line
            return f"`serve` failed: {error}"
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            process.stdout.close()
            process.stderr.close()
    print(f"serve:   {model} at port {port}, ready {ready:.2f} s after launch, listed, "
          f"{chunks} chunks streamed, Ctrl+C: {code}")
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--self-test", action="store_true",
                        help="run the built app's --self-test afterwards")
    args = parser.parse_args(argv)
    started = time.monotonic()
    bundle = build()
    if sys.platform.startswith("linux"):
        add_linux_files(bundle)
    built = time.monotonic() - started
    packed = archive(bundle)
    size, files = folder_size(bundle)
    print(f"\nbundle:  {bundle}  ({megabytes(size)} in {files:,} files; built in {built:.0f} s)")
    print(f"archive: {packed}  ({megabytes(packed.stat().st_size)})")
    print(f"start:   {executable_of(bundle)}")
    if args.self_test:
        code = self_test(bundle)
        if code != 0:
            print(f"the bundle's self-test failed (exit code {code})", file=sys.stderr)
            return code
        problem = first_start(bundle) or serve_check(bundle)
        if problem is not None:
            print(problem, file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
