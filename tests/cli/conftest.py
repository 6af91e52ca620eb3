"""Fixtures of the command-line tests: a private data folder with the bundled model at hand."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def home(isolated_home: Path, model_path: Path) -> Path:
    """This test's DESKTOP_LLM_HOME; needs the bundled model, which the CLI picks by default."""
    return isolated_home
