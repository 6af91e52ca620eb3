"""``export``: conversations to Markdown, HTML, JSON, plain text or PDF, and backups."""

from __future__ import annotations

import argparse


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Filled in by issue 10's export work."""
