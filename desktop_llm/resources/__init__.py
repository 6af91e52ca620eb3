"""Data files shipped inside the package (read with importlib.resources, no code)."""

from __future__ import annotations

from pathlib import Path

RESOURCES_DIR = Path(__file__).parent
# The text perplexity is measured on unless the user names another (see evaluation/README.md).
EVALUATION_TEXT = RESOURCES_DIR / "evaluation" / "alice-ch1.txt"
