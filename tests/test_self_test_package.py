"""``make package-test``'s check of the bundle's ``serve`` (packaging/build.py), run on a
stand-in bundle whose program is this checkout's command line."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="a shell script stands in")


@pytest.fixture(scope="module")
def build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("packaging_build", REPO / "packaging/build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def stand_in(folder: Path, script: str) -> Path:
    folder.mkdir()
    program = folder / "desktop-llm"
    program.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    program.chmod(0o755)
    return folder


def test_the_serve_check_passes_a_command_line_that_serves(
    build: ModuleType, tmp_path: Path, model_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = stand_in(tmp_path / "bundle", f'exec "{sys.executable}" -m desktop_llm "$@"')

    assert build.serve_check(bundle) is None

    figures = capsys.readouterr().out.splitlines()[-1]
    assert figures.startswith("serve:   SmolLM2 135M Instruct (Q4_1) at port "), figures
    assert " chunks streamed, Ctrl+C: exit 130" in figures


def test_the_serve_check_reports_a_serve_that_does_not_start(
    build: ModuleType, tmp_path: Path
) -> None:
    bundle = stand_in(tmp_path / "bundle", 'echo "No module named uvicorn.x" >&2; exit 1')

    assert build.serve_check(bundle) == "`serve` did not start: No module named uvicorn.x"
