"""``import``: our own exports and backups, OpenAI-style message files, ChatGPT exports."""

from __future__ import annotations

import argparse


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Filled in by issue 10's import work."""
