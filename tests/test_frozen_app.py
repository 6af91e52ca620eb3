"""What changes in a frozen (PyInstaller) app: child processes are the app's own executable
with a flag, and conversion says plainly what the bundle leaves out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_llm.converter import protocol as converter_protocol
from desktop_llm.converter.availability import INSTALL_HINT, conversion_unavailable
from desktop_llm.engine import protocol as engine_protocol

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/opt/desktop-llm/desktop-llm")
    return "/opt/desktop-llm/desktop-llm"


def test_children_are_started_through_python_from_a_checkout() -> None:
    assert engine_protocol.host_command() == [sys.executable, "-m", "desktop_llm.engine.host"]
    assert converter_protocol.child_command("{}") == [
        sys.executable, "-m", "desktop_llm.converter.child", "{}"
    ]


def test_a_frozen_app_starts_its_children_as_itself_with_a_flag(frozen: str) -> None:
    assert engine_protocol.host_command() == [frozen, "--engine-host"]
    assert converter_protocol.child_command('{"stage": "quantize"}') == [
        frozen, "--converter-child", '{"stage": "quantize"}'
    ]


def test_the_converter_child_flag_reaches_the_child() -> None:
    """``desktop-llm --converter-child JOB`` is the child, not the command line: an unknown
    stage is reported as the child reports it (an event on stdout, its exit code)."""
    done = subprocess.run(
        [sys.executable, "-m", "desktop_llm", "--converter-child",
         json.dumps({"stage": "no-such-stage"})],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode in (converter_protocol.EXIT_FAILED, converter_protocol.EXIT_REFUSED)
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert events and events[-1]["event"] in (
        converter_protocol.FAILED, converter_protocol.REFUSED
    )


def test_a_bundle_says_what_conversion_needs_instead_of_failing(frozen: str) -> None:
    message = conversion_unavailable()
    assert message is not None
    assert "torch and transformers" in message
    assert INSTALL_HINT in message
    assert "Quantizing a GGUF works here." in message
