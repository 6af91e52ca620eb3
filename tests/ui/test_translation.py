"""The window in Simplified Chinese: our texts, Qt's own, the core's messages and the locale's
dates and numbers; the Preferences' language at the next start; English stays English.

Each test names the system's locale (the machine's is whatever CI has) and puts the language
in place as the app does at start, before the first widget, and takes it away after.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
)
from pytestqt.qtbot import QtBot

from desktop_llm.app import create_main_window
from desktop_llm.i18n import translate
from desktop_llm.paths import AppPaths
from desktop_llm.settings import load_settings
from desktop_llm.ui import locale_format
from desktop_llm.ui.conversation_model import relative_date
from desktop_llm.ui.main_window import MainWindow
from desktop_llm.ui.models.browser import ModelBrowser
from desktop_llm.ui.models.table import RowTable
from desktop_llm.ui.preferences_dialog import PreferencesDialog
from desktop_llm.ui.translations import (
    TRANSLATIONS_DIR,
    InstalledLanguage,
    catalogue_path,
    install_language,
    qt_translations_dir,
    ui_locale,
)
from tests.gguf_files import truncated_copy
from tests.ui.conftest import MODEL_READY_MS, close_window

pytestmark = pytest.mark.gui

Install = Callable[[str, str], InstalledLanguage]


@pytest.fixture
def language(qapp: QApplication) -> Iterator[Install]:
    """``language("zh_CN", system="en_US")``: the Preferences' choice and the system's locale."""
    installed: list[InstalledLanguage] = []

    def install(choice: str, system: str) -> InstalledLanguage:
        done = install_language(qapp, choice, QLocale(system))
        installed.append(done)
        return done

    yield install
    for done in installed:
        done.remove()


@pytest.fixture
def window_in(
    qtbot: QtBot, paths: AppPaths, model_path: Path
) -> Iterator[Callable[[str], MainWindow]]:
    """A window built as the app builds it, waiting until the model is loaded ("Ready" in
    the window's own language)."""
    windows: list[MainWindow] = []

    def build(ready: str) -> MainWindow:
        window = create_main_window(paths)
        windows.append(window)
        window.show()
        qtbot.waitUntil(lambda: window.model_state.text() == ready, timeout=MODEL_READY_MS)
        return window

    yield build
    for window in windows:
        close_window(window)
    # The dialogs' garbage goes now, on this (the GUI) thread: collected later by whichever
    # thread allocates, a Qt object would be destroyed off the GUI thread (gui_thread_gc.py).
    gc.collect()


def menu_titles(window: MainWindow) -> list[str]:
    return [action.text() for action in window.menuBar().actions()]


def test_the_compiled_catalogues_are_built_and_current() -> None:
    """make builds the .qm from the .ts (make run / test / package depend on it)."""
    compiled = catalogue_path("zh_CN")
    source = Path(__file__).resolve().parents[2] / "resources" / "translations"
    assert compiled.parent == TRANSLATIONS_DIR
    assert compiled.is_file(), f"{compiled} is missing: run `make translations`"
    assert compiled.stat().st_mtime >= (source / "desktop_llm_zh_CN.ts").stat().st_mtime, (
        f"{compiled} is older than its .ts: run `make translations`"
    )
    assert (qt_translations_dir() / "qtbase_zh_CN.qm").is_file()


def test_the_language_follows_the_system_unless_one_is_chosen() -> None:
    chinese, english = QLocale("zh_CN"), QLocale("en_US")
    assert ui_locale("system", chinese).name() == "zh_CN"
    assert ui_locale("system", english).name() == "en_US"
    assert ui_locale("system", QLocale.c()).name() == "en_US"  # a POSIX shell's "C"
    assert ui_locale("zh_CN", english).name() == "zh_CN"
    assert ui_locale("en", chinese).name() == "en_US"
    assert ui_locale("en", QLocale("en_GB")).name() == "en_GB"  # British dates stay


def test_the_window_speaks_chinese_under_a_chinese_system(
    qtbot: QtBot, language: Install, window_in: Callable[[str], MainWindow]
) -> None:
    installed = language("system", "zh_CN")
    assert installed.translated and installed.missing is None
    window = window_in("就绪")
    assert menu_titles(window) == ["文件(&F)", "对话(&C)", "设置(&S)", "帮助(&H)"]
    assert window.findChild(QPushButton, "sendButton").text() == "发送"
    assert window.new_chat_button.text() == "新对话"
    assert window.models_button.text() == "模型…"
    assert window.status.context_label.text().startswith("上下文：")
    assert window.status.backend_label.text().startswith("后端：")
    message_input = window.findChild(QPlainTextEdit, "messageInput")
    assert message_input.placeholderText().startswith("尽管问…")
    file_menu = window.menuBar().actions()[0].menu()
    assert "导出对话…" in [action.text() for action in file_menu.actions()]

    # Qt's own buttons come from PySide6's qtbase_zh_CN.qm.
    dialog = window.settings_actions.edit_preferences()
    buttons = dialog.findChild(QDialogButtonBox)
    assert {button.text() for button in buttons.buttons()} == {"确定", "取消"}
    assert dialog.windowTitle() == "偏好设置"
    dialog.reject()


def test_the_model_browser_speaks_chinese(
    qtbot: QtBot, language: Install, window_in: Callable[[str], MainWindow]
) -> None:
    language("zh_CN", "en_US")
    window = window_in("就绪")
    qtbot.mouseClick(window.models_button, Qt.MouseButton.LeftButton)
    browser = window.findChild(QDialog, "modelBrowser")
    assert isinstance(browser, ModelBrowser)
    tabs = browser.findChild(QTabWidget, "modelTabs")
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["发现", "下载", "已安装", "设置"]
    assert browser.windowTitle() == "模型"
    installed = browser.findChild(RowTable, "installedList")
    headers = [installed.horizontalHeaderItem(c).text() for c in range(installed.columnCount())]
    assert headers[:4] == ["名称", "架构", "参数量", "量化"]
    # The installed model's row: its context length and size in the locale's way.
    qtbot.waitUntil(lambda: installed.rowCount() == 1)
    assert installed.item(0, 4).text() == "8,192"
    assert installed.item(0, 5).text() == "有"
    assert installed.item(0, 6).text() == "98.4 MB"
    discover = browser.findChild(QLabel, "discoverStatus")
    qtbot.waitUntil(lambda: discover.text().startswith("推荐的模型"))


def test_a_core_error_is_shown_in_chinese(
    qtbot: QtBot,
    language: Install,
    window_in: Callable[[str], MainWindow],
    model_path: Path,
    tmp_path: Path,
) -> None:
    """A model file dropped on the window and refused by the core (model_files/), said in
    the window's language."""
    language("system", "zh_CN")
    window = window_in("就绪")
    cut = truncated_copy(model_path, tmp_path / "half.gguf", 0.5)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(cut))])
    window.dropEvent(QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    qtbot.waitUntil(window.error_banner.isVisible, timeout=MODEL_READY_MS)
    text = window.error_banner.text()
    assert text.startswith("half.gguf 不完整"), text
    assert "下载可能被中断了" in text
    assert "truncated" not in text


def test_an_import_refusal_and_summary_are_shown_in_chinese(
    qtbot: QtBot, language: Install, paths: AppPaths, tmp_path: Path
) -> None:
    """The core's import sentences (transcripts/), made of several templates, in the window's
    language: a refusal in the error banner, what was imported in the status bar."""
    language("system", "zh_CN")
    window = create_main_window(paths, load_default_model=False)  # no model is needed
    window.show()
    try:
        refused = tmp_path / "bad.json"
        refused.write_text(json.dumps({"messages": [{"role": "user", "content": 42}]}))
        window.transfers.import_paths([refused])
        qtbot.waitUntil(window.error_banner.isVisible, timeout=MODEL_READY_MS)
        text = window.error_banner.text()
        assert text == 'bad.json 的第 1 条消息："content" 必须是文本，而不是数字。', text

        imported = tmp_path / "chat.json"
        imported.write_text(json.dumps({"messages": [
            {"role": "user", "content": [
                {"type": "text", "text": "你好"}, {"type": "image_url", "image_url": {}},
            ]},
            {"role": "assistant", "content": "Hi"},
        ]}))
        window.transfers.import_paths([imported])
        summary = "已从 chat.json（OpenAI 消息）导入 1 个对话；跳过了 1 个图片或其他非文本部分。"
        qtbot.waitUntil(lambda: window.status.currentMessage() == summary, timeout=MODEL_READY_MS)
        qtbot.waitUntil(lambda: window.conversation_list.count() == 1)
    finally:
        close_window(window)
        gc.collect()


def test_the_preference_changes_the_language_at_the_next_start(
    qtbot: QtBot,
    language: Install,
    window_in: Callable[[str], MainWindow],
    paths: AppPaths,
) -> None:
    window = window_in("Ready")  # an English system, as the app starts on one
    assert menu_titles(window)[0] == "&File"
    dialog = window.settings_actions.edit_preferences()
    assert isinstance(dialog, PreferencesDialog)
    note = dialog.findChild(QLabel, "languageRestartNote")
    assert "next started" in note.text()  # said plainly where the choice is made
    choice = dialog.findChild(QComboBox, "languageChoice")
    assert [choice.itemText(i) for i in range(1, choice.count())] == ["English", "简体中文"]
    choice.setCurrentIndex(choice.findData("zh_CN"))
    dialog.accept()
    qtbot.waitUntil(lambda: load_settings(paths.settings_file).language == "zh_CN")
    close_window(window)

    # The next start reads it before any widget: Chinese on an English system.
    language(load_settings(paths.settings_file).language, "en_US")
    again = window_in("就绪")
    assert menu_titles(again)[0] == "文件(&F)"


def test_english_stays_english_when_chosen_on_a_chinese_system(
    qtbot: QtBot, language: Install, window_in: Callable[[str], MainWindow]
) -> None:
    installed = language("en", "zh_CN")
    assert not installed.translated and not installed.translators
    assert QLocale().name() == "en_US"
    assert translate("ModelFiles", "{name} is damaged: {problem}") == "{name} is damaged: {problem}"
    window = window_in("Ready")
    assert menu_titles(window) == ["&File", "&Chat", "&Settings", "&Help"]
    assert window.findChild(QPushButton, "sendButton").text() == "Send"


def test_dates_numbers_and_sizes_follow_the_locale(language: Install) -> None:
    now = datetime(2026, 3, 11, 15, 0).astimezone()
    language("zh_CN", "en_US")
    assert relative_date(now - timedelta(minutes=57), now) == "14:03"
    assert relative_date(now - timedelta(days=1), now) == "昨天"
    assert relative_date(now - timedelta(days=10), now) == "2026/3/1"
    assert locale_format.number(8192) == "8,192"
    assert locale_format.size(98_362_432) == "98.4 MB"
    assert locale_format.size(512) == "512 字节"

    language("system", "de_DE")  # no German texts, but German numbers and dates
    assert locale_format.number(8192) == "8.192"
    assert locale_format.size(98_362_432) == "98,4 MB"
    assert relative_date(now - timedelta(days=10), now) == "01.03.26"
