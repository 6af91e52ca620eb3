"""How a conversation title is stored, whoever sets it (a rename, a new chat, an import)."""

from __future__ import annotations

UNTITLED = "Untitled"


def clean_title(title: str) -> str:
    # Titles are often cut from a first message: fold newlines and runs of spaces into one.
    return " ".join(title.split()) or UNTITLED
