"""Export, backup and import in the real window over a real history file (issue 10, points
1 and 3): the File menu and its shortcuts, the export dialog's checklist, dropped files, and a
window that keeps answering while the work runs off the GUI thread."""

from __future__ import annotations

import io
import json
import re
import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pypdf
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QComboBox, QDialogButtonBox, QFileDialog, QPlainTextEdit
from pytestqt.qtbot import QtBot

from desktop_llm.app import create_main_window
from desktop_llm.chat.service import ChatService
from desktop_llm.paths import AppPaths
from desktop_llm.storage import HistoryStore
from desktop_llm.transcripts.file_names import export_file_name
from desktop_llm.transcripts.formats import FORMATS
from desktop_llm.ui.export_dialog import ExportDialog
from desktop_llm.ui.main_window import MainWindow
from tests.thread_check import assert_threads_end, python_threads
from tests.ui.conftest import close_window
from tests.ui.test_main_window import transcript

pytestmark = pytest.mark.gui

WORK_MS = 60_000
QUESTION = "Hello <script>alert('x')</script> 你好，世界"
ANSWER = "**Hi** there.\n\n```python\nprint('中文')\n```\n"


def seed(paths: AppPaths, *titles: str) -> list[int]:
    """Conversations written before the window opens; the last is the newest (opened first)."""
    ids = []
    with HistoryStore.open(paths.database) as store:
        for title in titles:
            conversation = store.create_conversation(title, model="smol-135m")
            store.add_message(conversation.id, "user", f"{QUESTION} ({title})")
            store.add_message(conversation.id, "assistant", ANSWER, model="smol-135m")
            ids.append(conversation.id)
    return ids


def conversation_count(paths: AppPaths) -> int:
    with HistoryStore.open(paths.database) as store:
        return len(store.list_conversations())


@pytest.fixture
def open_window(qtbot: QtBot, paths: AppPaths) -> Iterator[Callable[[], MainWindow]]:
    """Build the real window over the test's history (seeded first); no model is loaded (none
    is needed). Each is closed at the end, and every thread it started has ended by then."""
    before = python_threads()
    windows: list[MainWindow] = []

    def build() -> MainWindow:
        window = create_main_window(paths, load_default_model=False)
        windows.append(window)
        window.show()
        return window

    yield build
    for window in windows:
        for dialog in window.findChildren(QFileDialog) + window.findChildren(ExportDialog):
            dialog.reject()
        close_window(window)
    assert_threads_end(before)


def shown(qtbot: QtBot, window: MainWindow, conversation_id: int) -> None:
    qtbot.waitUntil(lambda: window.conversation_id == conversation_id
                    and window._conversation is not None
                    and window._conversation.id == conversation_id, timeout=WORK_MS)


def status(window: MainWindow) -> str:
    return window.status.currentMessage()


def action(window: MainWindow, name: str) -> QAction:
    found = window.findChild(QAction, name)
    assert found is not None, name
    return found


def pdf_text(path: Path) -> str:
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in pypdf.PdfReader(path).pages))


# Export ---------------------------------------------------------------------------------------


def test_the_current_conversation_exports_to_every_format(
    qtbot: QtBot, open_window: Callable[[], MainWindow], paths: AppPaths, tmp_path: Path
) -> None:
    [conversation_id] = seed(paths, "Export me 中文")
    window = open_window()
    shown(qtbot, window, conversation_id)
    out = tmp_path / "out"
    out.mkdir()
    for fmt in FORMATS.values():
        target = out / f"chat{fmt.extension}"
        window.transfers.export_conversation_to(conversation_id, target, fmt)
        qtbot.waitUntil(lambda target=target: status(window) == f"Exported to {target}",
                        timeout=WORK_MS)
    assert sorted(p.name for p in out.iterdir()) == [
        "chat.html", "chat.json", "chat.md", "chat.pdf", "chat.txt",
    ]  # and no temporary file left beside them
    markdown = (out / "chat.md").read_text(encoding="utf-8")
    assert QUESTION in markdown and "print('中文')" in markdown
    page = (out / "chat.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(" in page and "<script>alert" not in page
    document = json.loads((out / "chat.json").read_text(encoding="utf-8"))
    assert document["conversation"]["title"] == "Export me 中文"
    assert [m["role"] for m in document["messages"]] == ["user", "assistant"]
    assert "你好，世界" in (out / "chat.txt").read_text(encoding="utf-8")
    text = pdf_text(out / "chat.pdf")
    assert "你好，世界" in text and "print('中文')" in text
    assert not window.error_banner.isVisible()


def test_ctrl_e_saves_in_the_format_of_the_chosen_filter(
    qtbot: QtBot, open_window: Callable[[], MainWindow], paths: AppPaths, tmp_path: Path
) -> None:
    [conversation_id] = seed(paths, "Filters")
    window = open_window()
    shown(qtbot, window, conversation_id)
    export = action(window, "exportConversationAction")
    assert export.shortcut().toString() == "Ctrl+E"
    export.trigger()
    dialog = window.findChild(QFileDialog, "exportFileDialog")
    assert dialog is not None and dialog.isVisible()
    record = window.conversation_list.record_of(conversation_id)
    assert record is not None
    assert Path(dialog.selectedFiles()[0]).name == export_file_name(record, "md")
    filters = dialog.nameFilters()
    assert len(filters) == 5 and filters[4] == "PDF (*.pdf)"
    # The user picks PDF in the file type box and types a name without an extension.
    types = dialog.findChild(QComboBox, "fileTypeCombo")
    qtbot.keyClick(types, Qt.Key.Key_End)  # the last type: PDF
    assert dialog.selectedNameFilter() == "PDF (*.pdf)"
    assert Path(dialog.selectedFiles()[0]).name == export_file_name(record, "pdf")
    dialog.setDirectory(str(tmp_path))
    dialog.selectFile(str(tmp_path / "chosen"))
    dialog.accept()
    written = tmp_path / "chosen.pdf"
    qtbot.waitUntil(lambda: status(window) == f"Exported to {written}", timeout=WORK_MS)
    assert written.read_bytes().startswith(b"%PDF-") and "Filters" in pdf_text(written)


def test_the_list_s_context_menu_exports_that_conversation(
    qtbot: QtBot, open_window: Callable[[], MainWindow], paths: AppPaths
) -> None:
    first, _second = seed(paths, "First", "Second")
    window = open_window()
    qtbot.waitUntil(lambda: window.conversation_list.count() == 2)
    view = window.conversation_list.view
    view.setCurrentIndex(view.conversations.index(view.conversations.row_of(first)))
    view.export_action.trigger()
    dialog = window.findChild(QFileDialog, "exportFileDialog")
    assert dialog is not None and dialog.isVisible()
    assert Path(dialog.selectedFiles()[0]).name == f"First ({first}).md"


def test_the_checklist_exports_two_conversations_into_a_folder(
    qtbot: QtBot, open_window: Callable[[], MainWindow], paths: AppPaths, tmp_path: Path
) -> None:
    ids = seed(paths, "Alpha", "Beta 测试", "Gamma")
    window = open_window()
    shown(qtbot, window, ids[-1])
    qtbot.waitUntil(lambda: window.conversation_list.count() == 3)
    action(window, "exportConversationsAction").trigger()
    dialog = window.findChild(ExportDialog, "exportDialog")
    assert dialog is not None and dialog.isVisible()
    assert dialog.chosen_ids() == [ids[-1]]  # the conversation shown is ticked
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(dialog.select_all_button, Qt.MouseButton.LeftButton)
    assert sorted(dialog.chosen_ids()) == sorted(ids) and ok.isEnabled()
    qtbot.mouseClick(dialog.select_none_button, Qt.MouseButton.LeftButton)
    assert dialog.chosen_ids() == [] and not ok.isEnabled()
    qtbot.keyClicks(dialog.filter, "a")  # Alpha, Beta, Gamma all hold an "a"
    qtbot.keyClicks(dialog.filter, "lph")
    qtbot.mouseClick(dialog.select_all_button, Qt.MouseButton.LeftButton)
    assert dialog.chosen_ids() == [ids[0]]  # only the rows the filter shows
    dialog.filter.clear()
    beta = next(dialog.checklist.item(r) for r in range(3)
                if dialog.checklist.item(r).text() == "Beta 测试")
    beta.setCheckState(Qt.CheckState.Checked)
    assert dialog.count_label.text() == "2 of 3 chosen"
    dialog.format_box.setCurrentIndex(list(FORMATS).index("html"))
    folder = tmp_path / "new folder"
    dialog.folder_field.setText(str(folder))
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: status(window) == f"Exported 2 conversations to {folder}",
                    timeout=WORK_MS)
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted([f"Alpha ({ids[0]}).html", f"Beta 测试 ({ids[1]}).html"])


def test_an_export_that_cannot_be_written_says_so_in_one_line(
    qtbot: QtBot, open_window: Callable[[], MainWindow], paths: AppPaths, tmp_path: Path
) -> None:
    [conversation_id] = seed(paths, "Nowhere")
    window = open_window()
    shown(qtbot, window, conversation_id)
    target = tmp_path / "missing" / "chat.md"
    window.transfers.export_conversation_to(conversation_id, target, FORMATS["md"])
    qtbot.waitUntil(window.error_banner.isVisible, timeout=WORK_MS)
    assert "does not exist" in window.error_banner.text()
    assert "\n" not in window.error_banner.text()
    assert not target.parent.exists()


def test_back_up_writes_a_zip_of_every_conversation(
    qtbot: QtBot, open_window: Callable[[], MainWindow], paths: AppPaths, tmp_path: Path
) -> None:
    seed(paths, "One", "Two", "Three")
    window = open_window()
    action(window, "backupAction").trigger()
    dialog = window.findChild(QFileDialog, "backupFileDialog")
    assert dialog is not None and dialog.nameFilters() == ["Zip archive (*.zip)"]
    dialog.reject()
    backup = tmp_path / "backup.zip"
    window.transfers.back_up_to(backup)
    qtbot.waitUntil(lambda: status(window) == f"Backed up 3 conversations to {backup}",
                    timeout=WORK_MS)
    with zipfile.ZipFile(backup) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["conversations"] == 3
    assert len([n for n in names if n.startswith("conversations/")]) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.zip", "home"]


# Import ---------------------------------------------------------------------------------------


def exported_json(paths: AppPaths, tmp_path: Path, title: str) -> Path:
    """A conversation exported by the app itself, then deleted from the history."""
    [conversation_id] = seed(paths, title)
    target = tmp_path / f"{title}.json"
    with ChatService.open(paths) as service:
        service.export([conversation_id], "json", target)
        service.delete_conversation(conversation_id)
    return target


def test_importing_a_json_file_lists_and_opens_it(
    qtbot: QtBot, open_window: Callable[[], MainWindow], paths: AppPaths, tmp_path: Path
) -> None:
    document = exported_json(paths, tmp_path, "Brought back 中文")
    seed(paths, "Already here")
    window = open_window()
    qtbot.waitUntil(lambda: window.conversation_list.count() == 1)
    assert action(window, "importAction").shortcut().toString() == "Ctrl+I"
    window.transfers.import_paths([document])
    qtbot.waitUntil(lambda: status(window).startswith(
        f"Imported 1 conversation from {document.name} (desktop-llm conversation)"
    ), timeout=WORK_MS)
    qtbot.waitUntil(lambda: window.conversation_list.count() == 2)
    assert "Brought back 中文" in window.conversation_list.titles()
    # The imported conversation is opened, its messages shown.
    qtbot.waitUntil(lambda: "你好，世界 (Brought back 中文)" in transcript(window),
                    timeout=WORK_MS)
    assert window.windowTitle().startswith("Brought back 中文")


def zip_leaving_its_folder() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("manifest.json", json.dumps({
            "format": "desktop-llm-backup", "version": 1, "conversations": 1,
            "exported_at": "2026-01-01T00:00:00+00:00", "app_version": "0",
        }))
        archive.writestr("../../conversations/000001.json", "{}")
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "content"), [
    ("hostile.json",
     b'{"format": "desktop-llm-conversation", "version": 99, "conversation": {}, "messages": []}'),
    ("hostile.json",
     b'{"format": "desktop-llm-conversation", "version": 1, "conversation": {"title": "cut'),
    ("hostile.json", b"[" * 100_000 + b"]" * 100_000),
    ("hostile.zip", zip_leaving_its_folder()),
], ids=["unknown-version", "cut-off", "deep-nesting", "zip-path-leaving"])
def test_a_hostile_file_is_refused_in_one_line_and_nothing_changes(
    qtbot: QtBot, open_window: Callable[[], MainWindow], paths: AppPaths, tmp_path: Path,
    name: str, content: bytes,
) -> None:
    seed(paths, "Untouched")
    window = open_window()
    qtbot.waitUntil(lambda: window.conversation_list.count() == 1)
    hostile = tmp_path / name
    hostile.write_bytes(content)
    window.transfers.import_paths([hostile])
    qtbot.waitUntil(window.error_banner.isVisible, timeout=WORK_MS)
    message = window.error_banner.text()
    assert message.startswith(f"{name} ") and "\n" not in message
    assert window.conversation_list.titles() == ["Untouched"]
    assert conversation_count(paths) == 1


def drop(window: MainWindow, *paths: Path) -> bool:
    """Drag ``paths`` over the window and drop them; whether the window took the drag."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    enter = QDragEnterEvent(window.rect().center(), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dragEnterEvent(enter)
    if not enter.isAccepted():
        return False
    window.dropEvent(QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    return True


def test_dropping_a_json_file_imports_it_and_a_gguf_still_goes_to_the_models(
    qtbot: QtBot, open_window: Callable[[], MainWindow], paths: AppPaths, tmp_path: Path
) -> None:
    document = exported_json(paths, tmp_path, "Dropped")
    window = open_window()
    other = tmp_path / "notes.txt"
    other.write_text("not for us")
    assert not drop(window, other)
    assert drop(window, document)
    qtbot.waitUntil(lambda: window.conversation_list.titles() == ["Dropped"], timeout=WORK_MS)
    assert status(window).startswith(f"Imported 1 conversation from {document.name}")
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"not a model at all")
    assert drop(window, broken)
    qtbot.waitUntil(window.error_banner.isVisible, timeout=WORK_MS)
    assert "broken.gguf" in window.error_banner.text()  # the model library's reason
    assert window.conversation_list.titles() == ["Dropped"]


# Responsiveness ---------------------------------------------------------------------------------


def test_the_window_answers_while_an_export_runs(
    qtbot: QtBot, open_window: Callable[[], MainWindow], paths: AppPaths, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An export held on its worker thread: meanwhile the user types and opens another
    conversation (the storage thread is not queued behind it); then it finishes."""
    first, second = seed(paths, "Slow to export", "Other")
    window = open_window()
    shown(qtbot, window, second)
    service = window.bridge.service
    release = threading.Event()
    threads: list[threading.Thread] = []
    real_export = service.export

    def held_export(*args: object, **kwargs: object) -> object:
        threads.append(threading.current_thread())
        assert release.wait(WORK_MS / 1000)
        return real_export(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(service, "export", held_export)
    target = tmp_path / "slow.pdf"
    window.transfers.export_conversation_to(first, target, FORMATS["pdf"])
    qtbot.waitUntil(lambda: bool(threads))
    assert threads[0] is not threading.main_thread()
    assert status(window) == f"Exporting to {target}…"
    box = window.findChild(QPlainTextEdit, "messageInput")
    qtbot.keyClicks(box, "still typing")
    assert box.toPlainText() == "still typing"
    window.conversation_list.conversationSelected.emit(first)
    shown(qtbot, window, first)
    assert not target.exists()
    release.set()
    qtbot.waitUntil(lambda: status(window) == f"Exported to {target}", timeout=WORK_MS)
    assert "Slowtoexport" in pdf_text(target)
