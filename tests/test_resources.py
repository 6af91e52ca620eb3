"""The app's run-time files are found (checkout, wheel), the icon files are what they claim,
and the Linux menu entry installs and uninstalls."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from desktop_llm.licenses import components
from desktop_llm.resources import APP_ICON_SIZES, app_icon_files, resource_path

REPO = Path(__file__).resolve().parents[1]
LINUX = REPO / "resources" / "linux"


def test_every_run_time_file_is_found_through_the_loader() -> None:
    icons = app_icon_files()
    assert [int(path.stem.rsplit("-", 1)[1]) for path in icons] == list(APP_ICON_SIZES)
    for path in icons:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for name in ("Apache-2.0.txt", "LGPL-3.0.txt", "GPL-3.0.txt", "llama.cpp-MIT.txt"):
        assert resource_path("licenses", name).is_file()
    assert resource_path("evaluation", "alice-ch1.txt").is_file()
    assert list(resource_path("schemas").glob("*.json"))
    # Every part the About dialog lists has its license text, ours or its own.
    assert all(part.texts for part in components())


def test_the_platform_icons_hold_every_size() -> None:
    ico = (REPO / "resources" / "icons" / "desktop-llm.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1)
    sides = [ico[6 + 16 * i] or 256 for i in range(count)]
    assert sides == [16, 24, 32, 48, 64, 128, 256]
    icns = (REPO / "resources" / "icons" / "desktop-llm.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)
    assert b"ic10" in icns  # the 1024 px entry


@pytest.mark.slow
def test_a_wheel_carries_the_run_time_files(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(tmp_path), str(REPO)],
        check=True, capture_output=True, timeout=300,
    )
    wheel = next(tmp_path.glob("desktop_llm-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for size in APP_ICON_SIZES:
        assert f"desktop_llm/resources/icons/desktop-llm-{size}.png" in names
    assert "desktop_llm/resources/licenses/LGPL-3.0.txt" in names
    assert "desktop_llm/resources/licenses/llama.cpp-MIT.txt" in names


def _fake_bundle(folder: Path) -> Path:
    """The unpacked app's layout as packaging/build.py leaves it, with a stand-in program."""
    folder.mkdir(parents=True)
    program = folder / "desktop-llm"
    program.write_text("#!/bin/sh\n", encoding="utf-8")
    program.chmod(0o755)
    for name in ("desktop-llm.desktop", "install.sh"):
        shutil.copy2(LINUX / name, folder / name)
    icons = folder / "_internal" / "desktop_llm" / "resources" / "icons"
    shutil.copytree(resource_path("icons"), icons)
    return folder


@pytest.mark.skipif(sys.platform != "linux", reason="the Linux menu entry")
def test_install_sh_puts_the_app_in_the_menu_and_takes_it_away(tmp_path: Path) -> None:
    bundle = _fake_bundle(tmp_path / "my apps" / "desktop-llm & co")
    data = tmp_path / "data"
    env = {**os.environ, "XDG_DATA_HOME": str(data)}
    done = subprocess.run([str(bundle / "install.sh")], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr

    entry = (data / "applications" / "desktop-llm.desktop").read_text(encoding="utf-8")
    assert f'Exec="{bundle}/desktop-llm"\n' in entry
    assert f"TryExec={bundle}/desktop-llm\n" in entry
    assert "Icon=desktop-llm\n" in entry and "GenericName[zh_CN]=本地 AI 聊天\n" in entry
    for size in (16, 48, 256, 512):
        icon = data / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "desktop-llm.png"
        assert icon.read_bytes() == resource_path("icons", f"desktop-llm-{size}.png").read_bytes()

    done = subprocess.run([str(bundle / "install.sh"), "--uninstall"], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert not (data / "applications" / "desktop-llm.desktop").exists()
    assert not list((data / "icons").rglob("desktop-llm.png"))


@pytest.mark.skipif(sys.platform != "linux", reason="the Linux menu entry")
def test_install_sh_refuses_a_folder_the_menu_entry_cannot_name(tmp_path: Path) -> None:
    bundle = _fake_bundle(tmp_path / "costs $5")
    done = subprocess.run([str(bundle / "install.sh")], capture_output=True, text=True,
                          env={**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")})
    assert done.returncode == 1
    assert "move the desktop-llm folder elsewhere" in done.stderr
    assert not (tmp_path / "data" / "applications").exists()
