"""PDF export through Qt, read back with pypdf: pages, page numbers, Chinese (copyable as the
characters themselves), code in a monospace font, hostile text as text, atomic writes, and
the command line's offscreen path in a process with no display."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pypdf
import pytest
from PySide6.QtGui import QFontDatabase, QFontInfo
from pytestqt.qtbot import QtBot

from desktop_llm.errors import ExportError
from desktop_llm.paths import AppPaths
from desktop_llm.storage import HistoryStore
from desktop_llm.transcripts.transcript import Transcript
from desktop_llm.ui.pdf_export import PdfFonts, missing_font_warning, write_pdf
from desktop_llm.ui.pdf_text_map import fix_radicals

pytestmark = pytest.mark.gui

HOSTILE = (
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "<style>body { display:none }</style>",
)
CHINESE = "你好，世界！一人大文二日月水火子心中国"


@pytest.fixture
def chinese_font(qapp: object) -> str:
    """A font this machine has for Chinese: without one the PDF cannot show it, and a test
    that skipped would hide that. Debian/Ubuntu: apt install fonts-noto-cjk."""
    families = QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)
    if not families:
        pytest.fail("No installed font covers Chinese; install one (fonts-noto-cjk on "
                    "Debian/Ubuntu, Noto Sans CJK elsewhere) to run the PDF tests.")
    return families[0]


def build(tmp_path: Path, *, title: str = "A chat", turns: int = 2, code: bool = True,
          question: str = "Question {i}", reasoning: str = "", model: str = "smol-135m"
          ) -> Transcript:
    """A conversation in a real history file, read back as the exporter is given it."""
    with HistoryStore.open(tmp_path / "history.db") as store:
        conversation = store.create_conversation(title, model=model)
        for i in range(turns):
            store.add_message(conversation.id, "user", question.format(i=i))
            answer = f"Answer {i} with **bold** text."
            if code:
                answer += f"\n\n```python\ndef answer_{i}():\n    return {i}\n```\n"
            reply = store.start_reply(conversation.id, model=model)
            store.finish_reply(reply.id, content=answer, finish_reason="stop",
                               reasoning=reasoning.format(i=i))
        return Transcript(store.get_conversation(conversation.id),
                          tuple(store.list_messages(conversation.id)))


def read(path: Path) -> tuple[pypdf.PdfReader, list[str]]:
    # strict: a cross-reference table that points at the wrong bytes is an error, not a repair
    reader = pypdf.PdfReader(path, strict=True)
    return reader, [page.extract_text() for page in reader.pages]


def squeezed(text: str) -> str:
    """pypdf puts tabs and line breaks where the PDF moves the pen: compare without spaces."""
    return re.sub(r"\s+", "", text)


def fonts_of(reader: pypdf.PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            names.add(str(font.get_object()["/BaseFont"]).lstrip("/"))
    return names


def test_a_long_conversation_has_numbered_pages(qapp: object, tmp_path: Path) -> None:
    transcript = build(tmp_path, turns=40)
    path = tmp_path / "chat.pdf"
    write_pdf(transcript, path)
    reader, pages = read(path)
    assert len(pages) > 1
    for number, text in enumerate(pages, 1):
        assert f"Page{number}of{len(pages)}" in squeezed(text)
    everything = squeezed("".join(pages))
    for i in (0, 17, 39):
        assert f"Question{i}" in everything and f"Answer{i}withboldtext." in everything
    assert reader.metadata is not None and reader.metadata.title == "A chat"


def test_chinese_is_drawn_and_copies_as_the_characters_themselves(
    chinese_font: str, tmp_path: Path
) -> None:
    transcript = build(tmp_path, title=f"中文对话 {CHINESE}", question=CHINESE + " {i}",
                       reasoning="思考一下：人和大 {i}")
    path = tmp_path / "chat.pdf"
    write_pdf(transcript, path)
    reader, pages = read(path)
    text = squeezed("".join(pages))
    assert squeezed(CHINESE) in text
    assert "中文对话" in text and "思考一下：人和大" in text
    # Qt's own text map named Kangxi radicals (⽂ for 文, ⼀ for 一): none may be left.
    assert not re.search("[\u2e80-\u2fdf]", text)
    assert any("CJK" in name or "Han" in name or "Hei" in name for name in fonts_of(reader))
    assert missing_font_warning(transcript) is None


def test_code_blocks_use_a_monospace_font(qapp: object, tmp_path: Path) -> None:
    fixed = QFontInfo(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    assert fixed.fixedPitch(), f"the system's fixed font {fixed.family()} is not monospace"
    expected = fixed.family().replace(" ", "")
    with_code, without = tmp_path / "code.pdf", tmp_path / "prose.pdf"
    write_pdf(build(tmp_path / "a", code=True), with_code)
    write_pdf(build(tmp_path / "b", code=False), without)
    assert any(name.startswith(expected) for name in fonts_of(read(with_code)[0]))
    assert not any(name.startswith(expected) for name in fonts_of(read(without)[0]))
    code_text = squeezed("".join(read(with_code)[1]))
    assert "defanswer_0():" in code_text
    # The window's "Copy" link above each block has no place on paper.
    assert "Copy" not in code_text and b"/URI" not in with_code.read_bytes()


def test_hostile_text_shows_as_text(qapp: object, tmp_path: Path) -> None:
    payload = " ".join(HOSTILE)
    with HistoryStore.open(tmp_path / "history.db") as store:
        conversation = store.create_conversation(f"Title {HOSTILE[0]}", model=HOSTILE[1])
        store.add_message(conversation.id, "user", payload)
        reply = store.start_reply(conversation.id, model=HOSTILE[1])
        store.finish_reply(
            reply.id, finish_reason="stop", reasoning=payload,
            content=f"{payload}\n\n[click me](javascript:alert(1)) and <a href='x'>raw</a>",
        )
        transcript = Transcript(store.get_conversation(conversation.id),
                                tuple(store.list_messages(conversation.id)))
    path = tmp_path / "chat.pdf"
    write_pdf(transcript, path)
    text = squeezed("".join(read(path)[1]))
    for piece in HOSTILE:
        # in the question, the reasoning and the reply (and the title or model line)
        assert text.count(squeezed(piece)) >= 3, piece
    assert text.count(squeezed(HOSTILE[0])) == 4 and text.count(squeezed(HOSTILE[1])) == 5
    assert "clickme" in text and "<ahref='x'>raw</a>" in text
    raw = path.read_bytes()
    assert b"javascript" not in raw.lower() and b"/JS" not in raw and b"/URI" not in raw


def test_works_on_a_worker_thread(qapp: object, tmp_path: Path) -> None:
    transcript = build(tmp_path, turns=3)
    problems: list[BaseException] = []

    def work() -> None:
        try:
            write_pdf(transcript, tmp_path / "from-thread.pdf")
        except BaseException as error:  # reported below, on the test's thread
            problems.append(error)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(60)
    assert not problems and not worker.is_alive()
    assert "Answer2withboldtext." in squeezed("".join(read(tmp_path / "from-thread.pdf")[1]))


def test_a_failed_write_leaves_nothing_and_says_why(qapp: object, tmp_path: Path) -> None:
    transcript = build(tmp_path, turns=1)
    with pytest.raises(ExportError, match="does not exist"):
        write_pdf(transcript, tmp_path / "missing" / "chat.pdf")
    folder = tmp_path / "out"
    folder.mkdir()
    existing = folder / "chat.pdf"
    existing.write_bytes(b"the old export")
    with pytest.raises(ExportError, match="is a folder"):
        write_pdf(transcript, folder)
    write_pdf(transcript, existing)
    assert existing.read_bytes().startswith(b"%PDF-")
    assert sorted(p.name for p in folder.iterdir()) == ["chat.pdf"]  # no temporary left


def test_chinese_without_a_font_is_written_with_a_warning(tmp_path: Path) -> None:
    transcript = build(tmp_path, question=CHINESE)
    no_cjk = PdfFonts(text=("DejaVu Sans",), code=("DejaVu Sans Mono",), covers_chinese=False)
    warning = missing_font_warning(transcript, no_cjk)
    assert warning is not None and "Chinese" in warning
    assert missing_font_warning(build(tmp_path / "en", question="Hello"), no_cjk) is None


def test_the_text_map_fix_keeps_the_file_readable(qapp: object, tmp_path: Path) -> None:
    """Offsets after the rewritten maps move; unrelated PDFs pass through untouched."""
    transcript = build(tmp_path, question="一人大 {i}", turns=5)
    path = tmp_path / "chat.pdf"
    write_pdf(transcript, path)
    data = path.read_bytes()
    start = int(re.findall(rb"startxref\n(\d+)", data)[-1])
    table = re.compile(rb"xref\n0 (\d+)\n").match(data, start)
    assert table is not None
    for number in range(1, int(table.group(1))):
        entry = data[table.end() + 20 * number:table.end() + 20 * number + 20]
        assert data[int(entry[:10]):].startswith(b"%d 0 obj" % number)
    assert fix_radicals(data) == data  # nothing left to fix
    assert fix_radicals(b"%PDF-1.4 not what Qt writes") == b"%PDF-1.4 not what Qt writes"


def test_the_command_line_writes_pdfs_without_a_display(paths: AppPaths, tmp_path: Path) -> None:
    """`desktop-llm export ID --format pdf -o F` in a process with no display and no Qt
    loaded: an offscreen application is started, whatever QT_QPA_PLATFORM says."""
    with HistoryStore.open(paths.database) as store:
        ids = []
        for title in ("第一个", "Second"):
            conversation = store.create_conversation(title)
            store.add_message(conversation.id, "user", f"{CHINESE} in {title}")
            store.add_message(conversation.id, "assistant", "```\nprint('hi')\n```")
            ids.append(conversation.id)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "xcb"  # would need an X server: the writer must not use it

    def export(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "desktop_llm", "export", *args],
                              env=env, capture_output=True, text=True, timeout=180)

    single = tmp_path / "one.pdf"
    done = export(str(ids[0]), "--format", "pdf", "-o", str(single))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no Qt warning, no missing-font warning
    assert squeezed(f"{CHINESE}in第一个") in squeezed("".join(read(single)[1]))
    folder = tmp_path / "many"
    done = export(*map(str, ids), "--format", "pdf", "-o", str(folder))
    assert done.returncode == 0, done.stderr
    written = sorted(folder.iterdir())
    assert [p.suffix for p in written] == [".pdf", ".pdf"]
    assert all(read(p)[1] for p in written)


def test_the_window_s_application_is_used(qtbot: QtBot, tmp_path: Path) -> None:
    """In the window's process the existing QApplication draws (no second one is made)."""
    from PySide6.QtCore import QCoreApplication

    from desktop_llm.ui import pdf_export

    before = QCoreApplication.instance()
    write_pdf(build(tmp_path, turns=1), tmp_path / "chat.pdf")
    assert QCoreApplication.instance() is before
    assert pdf_export._application is None
