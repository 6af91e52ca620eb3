"""``make package``: the one-folder app for this machine, then what each system needs around it.

    .venv/bin/python packaging/build.py [--self-test]

PyInstaller builds ``dist/desktop-llm/`` (``dist/desktop-llm.app`` on macOS) from
``packaging/desktop-llm.spec``. On Linux the folder also gets the ``.desktop`` entry and
``install.sh`` (which puts the entry and icon in the user's menu) and is archived as
``dist/desktop-llm-VERSION-linux-ARCH.tar.gz``; on Windows and macOS as a ``.zip``. No AppImage:
appimagetool is not part of the build's tools (it is downloaded from GitHub, and the build runs
offline); the archive unpacks and runs anywhere an AppImage would. The last lines say where
everything is and how big it is. ``--self-test`` then runs the bundle's own ``--self-test``
with no display.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from desktop_llm import __version__  # noqa: E402

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


def self_test(bundle: Path) -> int:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    command = [str(executable_of(bundle)), "--self-test"]
    print(f"$ {' '.join(command)}   (no display)", flush=True)
    return subprocess.run(command, env=env).returncode


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
    return 0


if __name__ == "__main__":
    sys.exit(main())
