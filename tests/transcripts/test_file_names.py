"""Export file names: the title in any script, safe on every system, never colliding."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from desktop_llm.errors import ExportError
from desktop_llm.storage import ConversationRecord
from desktop_llm.transcripts.file_names import FALLBACK_TITLE, export_file_name, safe_title
from desktop_llm.transcripts.formats import FORMATS, export_format, format_for_path

MOMENT = datetime(2025, 1, 2, tzinfo=timezone.utc)


def named(title: str, conversation_id: int = 12) -> ConversationRecord:
    return ConversationRecord(
        id=conversation_id, title=title, created_at=MOMENT, updated_at=MOMENT, model=None,
        system_prompt="", settings={},
    )


def test_the_title_and_the_id_in_any_script() -> None:
    assert export_file_name(named("Rust 与 Python 🦀"), "md") == "Rust 与 Python 🦀 (12).md"
    assert export_file_name(named("x"), FORMATS["html"]) == "x (12).html"
    # Same title, different conversations: different names.
    assert export_file_name(named("同名", 1), "txt") != export_file_name(named("同名", 2), "txt")


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ('a/b\\c:d*e?f"g<h>i|j', "a_b_c_d_e_f_g_h_i_j"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ("..", FALLBACK_TITLE),
        ("  . hidden. ", "hidden"),
        ("", FALLBACK_TITLE),
        ("line\nbreak\ttab\x00nul", "line break tab nul"),
        ("evil\u202etxt.exe", "evil txt.exe"),
        ("zero\u200bwidth", "zero width"),
        ("CON", "_CON"),
        ("lpt1.txt", "_lpt1.txt"),
        ("Café", "Café"),
    ],
)
def test_unsafe_titles(title: str, expected: str) -> None:
    assert safe_title(title) == expected


def test_long_titles_are_cut_at_a_character_within_the_byte_limit() -> None:
    name = export_file_name(named("长" * 300, 123456789), "html")
    assert name.endswith("… (123456789).html")
    assert len(name.encode("utf-8")) <= 200
    assert set(name[: name.index("…")]) == {"长"}


def test_formats_by_name_and_by_extension() -> None:
    assert export_format(".PDF") is FORMATS["pdf"] and not FORMATS["pdf"].is_text
    assert all(FORMATS[key].is_text for key in ("md", "html", "json", "txt"))
    with pytest.raises(ExportError, match="no export format 'docx'"):
        export_format("docx")
    from pathlib import Path

    assert format_for_path(Path("a.markdown")) is FORMATS["md"]
    assert format_for_path(Path("a.HTM")) is FORMATS["html"]
    assert format_for_path(Path("a.zip")) is None
