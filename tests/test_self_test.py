"""``desktop-llm --self-test``: the real app end to end without a display, and its failures."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_llm import bundled_model
from desktop_llm.self_test import run_self_test

REPO = Path(__file__).resolve().parents[1]


def _headless_env(home: Path) -> dict[str, str]:
    """No display of any kind, and no offscreen platform chosen for it: the self-test must
    choose one itself."""
    env = dict(os.environ)
    for variable in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(variable, None)
    env["DESKTOP_LLM_HOME"] = str(home)
    return env


@pytest.mark.slow
def test_self_test_passes_without_a_display_and_leaves_the_data_folder_alone(
    tmp_path: Path, model_path: Path
) -> None:
    home = tmp_path / "user-data"
    done = subprocess.run(
        [sys.executable, "-m", "desktop_llm", "--self-test"],
        env=_headless_env(home), cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    steps = ("bundled model", "engine and reply", "history on disk", "API server", "conversion",
             "resources", "window")
    for step in steps:
        assert any(line.startswith(f"  ok  {step}: ") for line in lines), done.stdout
    engine_line = next(line for line in lines if "engine and reply" in line)
    assert " backend" in engine_line and " tokens: " in engine_line
    assert lines[-1].startswith("self-test passed in ")
    assert done.stderr == ""
    # The temporary data folder was used, and removed; the user's was never created.
    assert not home.exists()


def test_a_missing_bundled_model_fails_with_one_line_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "models" / bundled_model.DEFAULT_MODEL.file_name
    monkeypatch.setattr(bundled_model, "default_model_path", lambda: missing)
    out, err = io.StringIO(), io.StringIO()

    assert run_self_test(out=out, err=err) == 1

    assert err.getvalue() == (
        f"desktop-llm self-test failed: bundled model: the bundled model is missing: "
        f"{missing} does not exist.\n"
    )
    assert "ok" not in out.getvalue()


def test_a_damaged_bundled_model_fails_before_the_engine_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model_path: Path
) -> None:
    damaged = tmp_path / bundled_model.DEFAULT_MODEL.file_name
    shutil.copyfile(model_path, damaged)
    with damaged.open("r+b") as stream:
        stream.seek(10_000_000)
        stream.write(b"\0" * 16)
    monkeypatch.setattr(bundled_model, "default_model_path", lambda: damaged)
    err = io.StringIO()

    assert run_self_test(out=io.StringIO(), err=err) == 1

    assert err.getvalue().splitlines() == [
        f"desktop-llm self-test failed: bundled model: the bundled model {damaged} is "
        "damaged (its sha256 differs)."
    ]


def test_an_engine_that_cannot_start_fails_the_reply_step_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, model_path: Path
) -> None:
    from desktop_llm.engine import protocol

    monkeypatch.setattr(protocol, "host_command", lambda: [sys.executable, "-c", "exit(3)"])
    out, err = io.StringIO(), io.StringIO()

    assert run_self_test(out=out, err=err) == 1

    first = err.getvalue().splitlines()[0]
    assert first.startswith("desktop-llm self-test failed: engine and reply: ")
    assert "  ok  bundled model: " in out.getvalue()


def test_a_part_uvicorn_imports_by_name_missing_fails_the_api_server_step(
    monkeypatch: pytest.MonkeyPatch, model_path: Path
) -> None:
    """As in a bundle built without it: the server cannot start, and the step says so."""
    from desktop_llm.serve.server import modules_imported_by_name

    lifespan = next(name for name in modules_imported_by_name() if ".lifespan." in name)
    monkeypatch.setitem(sys.modules, lifespan, None)  # its import fails, as if left out
    out, err = io.StringIO(), io.StringIO()

    assert run_self_test(out=out, err=err) == 1

    first = err.getvalue().splitlines()[0]
    assert first.startswith(
        "desktop-llm self-test failed: API server: The API server could not start: "
    ), first
    assert lifespan in first
    assert "  ok  history on disk: " in out.getvalue()


def test_the_modules_serving_imports_by_name_exist() -> None:
    """The bundle's spec lists them; a name uvicorn or anyio no longer has would break it."""
    import importlib

    from desktop_llm.serve.server import modules_imported_by_name

    names = modules_imported_by_name()
    assert {"uvicorn.lifespan.off", "anyio._backends._asyncio"} <= set(names)
    assert any(name.startswith("uvicorn.loops.") for name in names)
    for name in names:
        importlib.import_module(name)


def test_help_lists_the_self_test_and_it_takes_nothing_else(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from desktop_llm.cli import main

    with pytest.raises(SystemExit):
        main(["--help"])
    assert "--self-test" in capsys.readouterr().out
    assert main(["--self-test", "info"]) == 2
    assert capsys.readouterr().err == (
        "desktop-llm: --self-test takes no command or other option\n"
    )
