"""The model manager window driven by qtbot against a fake Hub on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QComboBox, QDialog, QLabel, QLineEdit, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from desktop_llm.paths import AppPaths
from desktop_llm.ui.main_window import MainWindow
from desktop_llm.ui.models.browser import ModelBrowser
from desktop_llm.ui.models.table import RowTable
from tests.fake_hub import FakeHub, Fault
from tests.gguf_files import truncated_copy
from tests.hub.sample_repos import GATED, SMOL, SMOL_FILE

pytestmark = pytest.mark.gui
HUB_MS = 30_000


@pytest.fixture
def hub_settings(paths: AppPaths, fake_hub: FakeHub) -> FakeHub:
    """Point the app at the fake Hub before it starts, as a user with a mirror would."""
    paths.settings_file.write_text(json.dumps({"hub_endpoint": fake_hub.url}), encoding="utf-8")
    return fake_hub


def open_browser(qtbot: QtBot, window: MainWindow) -> ModelBrowser:
    qtbot.mouseClick(window.findChild(QPushButton, "modelsButton"), Qt.MouseButton.LeftButton)
    browser = window.findChild(QDialog, "modelBrowser")
    assert isinstance(browser, ModelBrowser)
    qtbot.waitUntil(browser.isVisible)
    return browser


def table(browser: ModelBrowser, name: str) -> RowTable:
    found = browser.findChild(RowTable, name)
    assert found is not None
    return found


def select_row_with(qtbot: QtBot, rows: RowTable, text: str) -> None:
    qtbot.waitUntil(lambda: any(text in cell for cell in rows.column_texts(0)), timeout=HUB_MS)
    rows.selectRow(next(i for i, cell in enumerate(rows.column_texts(0)) if text in cell))


def test_catalog_search_files_fit_and_download(
    qtbot: QtBot, open_window: Callable[..., MainWindow], hub_settings: FakeHub, paths: AppPaths
) -> None:
    window = open_window()
    browser = open_browser(qtbot, window)
    repos, files = table(browser, "repoList"), table(browser, "fileList")
    # The curated catalog shows first, before any search (and without the network).
    qtbot.waitUntil(lambda: repos.rowCount() == 8)
    assert "Qwen/Qwen2.5-1.5B-Instruct-GGUF" in repos.column_texts(0)

    search = browser.findChild(QLineEdit, "hubSearch")
    qtbot.keyClicks(search, "SmolLM2")
    qtbot.keyClick(search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: repos.column_texts(0) == [SMOL], timeout=HUB_MS)
    select_row_with(qtbot, repos, SMOL)
    qtbot.waitUntil(lambda: files.rowCount() == 1, timeout=HUB_MS)
    assert files.item(0, 1).text() == "Q4_1"
    assert files.item(0, 2).text() == "98.4 MB"
    qtbot.waitUntil(lambda: files.item(0, 3).text().startswith("Fits"), timeout=HUB_MS)
    assert "KV cache" in files.item(0, 3).toolTip()

    files.selectRow(0)
    qtbot.mouseClick(browser.findChild(QPushButton, "downloadButton"), Qt.MouseButton.LeftButton)
    assert browser.tabs.currentWidget() is browser.downloads
    qtbot.waitUntil(
        lambda: bool(browser.downloads.job_ids())
        and browser.downloads.state_of(browser.downloads.job_ids()[0]) == "completed",
        timeout=120_000,
    )
    installed = table(browser, "installedList")
    qtbot.waitUntil(lambda: "SmolLM2-135M-Instruct.Q4_1" in installed.column_texts(0))
    selector = window.findChild(QComboBox, "modelSelector")
    qtbot.waitUntil(lambda: selector.findText("SmolLM2-135M-Instruct.Q4_1") >= 0)
    target = paths.models_dir / SMOL / SMOL_FILE
    assert target.stat().st_size == 98_362_432
    assert not list((paths.models_dir / ".partial").glob("*.part"))


def test_gated_repository_needs_the_token_from_settings(
    qtbot: QtBot, open_window: Callable[..., MainWindow], hub_settings: FakeHub
) -> None:
    window = open_window()
    browser = open_browser(qtbot, window)
    repos, files = table(browser, "repoList"), table(browser, "fileList")
    qtbot.keyClicks(browser.findChild(QLineEdit, "hubSearch"), "Gated")
    qtbot.mouseClick(browser.findChild(QPushButton, "hubSearchButton"), Qt.MouseButton.LeftButton)
    select_row_with(qtbot, repos, GATED)
    status = browser.findChild(QLabel, "discoverStatus")
    qtbot.waitUntil(lambda: files.rowCount() == 1, timeout=HUB_MS)
    assert "token" in status.text()

    files.selectRow(0)
    browser.findChild(QPushButton, "downloadButton").click()
    problem = browser.findChild(QLabel, "downloadProblem")
    qtbot.waitUntil(lambda: "token" in problem.text().lower(), timeout=HUB_MS)
    # The refusal takes the user straight to the token field.
    qtbot.waitUntil(lambda: browser.tabs.currentWidget() is browser.settings)
    assert "needs a Hugging Face token" in browser.findChild(QLabel, "hubSettingsNote").text()

    token_box = browser.findChild(QLineEdit, "hubToken")
    qtbot.keyClicks(token_box, hub_settings.token)
    browser.findChild(QPushButton, "saveHubSettingsButton").click()
    assert token_box.text() == ""  # not left lying in the widget
    note = browser.findChild(QLabel, "hubSettingsNote")
    qtbot.waitUntil(lambda: note.text().startswith("Saved."), timeout=HUB_MS)

    job_id = browser.downloads.job_ids()[0]
    browser.downloads.select_job(job_id)
    browser.findChild(QPushButton, "resumeButton").click()
    qtbot.waitUntil(lambda: browser.downloads.state_of(job_id) == "completed", timeout=HUB_MS)


def test_import_by_drop_refuses_broken_files_with_reasons_and_deletes_with_confirmation(
    qtbot: QtBot,
    open_window: Callable[..., MainWindow],
    model_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = open_window()
    cut = truncated_copy(model_path, tmp_path / "half.gguf", 0.5)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(cut))])
    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(drop)
    qtbot.waitUntil(window.error_banner.isVisible, timeout=HUB_MS)
    assert "truncated" in window.error_banner.text()
    assert "the download was probably cut off" in window.error_banner.text()

    browser = open_browser(qtbot, window)
    browser.tabs.setCurrentWidget(browser.installed)
    installed = table(browser, "installedList")
    qtbot.waitUntil(lambda: installed.rowCount() == 1)
    copy = tmp_path / "mine" / "Copy.gguf"
    copy.parent.mkdir()
    copy.write_bytes(model_path.read_bytes())
    browser.installed.import_paths([copy.parent])
    qtbot.waitUntil(lambda: "Copy" in installed.column_texts(0), timeout=HUB_MS)
    row = installed.column_texts(0).index("Copy")
    assert [installed.item(row, c).text() for c in (1, 2, 3, 4, 5)] == [
        "llama", "135M", "Q4_1", "8,192", "yes",
    ]

    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.Yes)
    installed.selectRow(row)
    browser.findChild(QPushButton, "deleteModelButton").click()
    qtbot.waitUntil(lambda: "Copy" not in installed.column_texts(0), timeout=HUB_MS)
    # Imported from elsewhere: forgotten, but the user's file stays.
    assert copy.exists()


def test_pause_resume_and_cancel_from_the_downloads_tab(
    qtbot: QtBot, open_window: Callable[..., MainWindow], hub_settings: FakeHub, paths: AppPaths
) -> None:
    stall_at = 20 * 1024 * 1024
    hub_settings.inject(SMOL, SMOL_FILE, Fault(stall_after=stall_at, stall_seconds=120))
    window = open_window()
    browser = open_browser(qtbot, window)
    repos, files = table(browser, "repoList"), table(browser, "fileList")
    browser.discover.search()
    select_row_with(qtbot, repos, SMOL)
    qtbot.waitUntil(lambda: files.rowCount() == 1, timeout=HUB_MS)
    files.selectRow(0)
    browser.findChild(QPushButton, "downloadButton").click()
    downloads = browser.downloads
    qtbot.waitUntil(lambda: bool(downloads.job_ids()), timeout=HUB_MS)
    job_id = downloads.job_ids()[0]
    downloads.select_job(job_id)
    # At the stall: the bytes before it have arrived, the rest will not for two minutes.
    qtbot.waitUntil(lambda: downloads.bytes_done(job_id) >= stall_at - 1024 * 1024,
                    timeout=HUB_MS)

    pause = browser.findChild(QPushButton, "pauseButton")
    assert pause.isEnabled()
    pause.click()  # during the stall: it must not wait for the 120 s
    qtbot.waitUntil(lambda: downloads.state_of(job_id) == "paused", timeout=10_000)
    partials = list((paths.models_dir / ".partial").glob("*.part"))
    assert partials and partials[0].stat().st_size >= stall_at - 2 * 1024 * 1024

    browser.findChild(QPushButton, "resumeButton").click()
    qtbot.waitUntil(lambda: downloads.state_of(job_id) == "completed", timeout=120_000)
    ranged = [r.range for r in hub_settings.requests if r.range and SMOL_FILE in r.path]
    assert ranged and int(ranged[-1].split("=")[1].split("-")[0]) > 0  # it resumed

    # A second download of another file, cancelled: its partial file goes away.
    hub_settings.inject(SMOL, SMOL_FILE, Fault(stall_after=stall_at, stall_seconds=120))
    (paths.models_dir / SMOL / SMOL_FILE).unlink()
    window.bridge.service.models.remove("SmolLM2-135M-Instruct.Q4_1", delete_file=True)
    browser.tabs.setCurrentWidget(browser.discover)
    files.selectRow(0)
    browser.findChild(QPushButton, "downloadButton").click()
    qtbot.waitUntil(lambda: downloads.state_of(job_id) == "downloading"
                    or len(downloads.job_ids()) == 2, timeout=HUB_MS)
    second = downloads.job_ids()[-1]
    downloads.select_job(second)
    qtbot.waitUntil(lambda: downloads.state_of(second) == "downloading", timeout=HUB_MS)
    browser.findChild(QPushButton, "cancelDownloadButton").click()
    qtbot.waitUntil(lambda: downloads.state_of(second) == "cancelled", timeout=10_000)
    assert not list((paths.models_dir / ".partial").glob("*.part"))


def test_the_settings_say_where_the_endpoint_and_token_come_from(
    qtbot: QtBot, open_window: Callable[..., MainWindow], fake_hub: FakeHub,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.url)
    monkeypatch.setenv("HF_TOKEN", fake_hub.token)
    window = open_window()
    browser = open_browser(qtbot, window)
    sources = browser.findChild(QLabel, "hubSources")
    qtbot.waitUntil(lambda: "HF_ENDPOINT" in sources.text(), timeout=HUB_MS)
    assert fake_hub.url in sources.text() and "HF_TOKEN" in sources.text()
    endpoint = browser.findChild(QLineEdit, "hubEndpoint")
    assert endpoint.text() == "" and endpoint.placeholderText() == fake_hub.url

    # A search goes to the mirror HF_ENDPOINT names, with nothing set in the app.
    repos = table(browser, "repoList")
    qtbot.keyClicks(browser.findChild(QLineEdit, "hubSearch"), "SmolLM2")
    browser.findChild(QPushButton, "hubSearchButton").click()
    qtbot.waitUntil(lambda: repos.column_texts(0) == [SMOL], timeout=HUB_MS)

    # Choosing an endpoint here wins, and the dialog says so.
    qtbot.keyClicks(endpoint, "http://127.0.0.1:9")
    browser.findChild(QPushButton, "saveHubSettingsButton").click()
    qtbot.waitUntil(lambda: "chosen here" in sources.text(), timeout=HUB_MS)
    assert "http://127.0.0.1:9" in sources.text()


def test_hf_hub_offline_is_said_in_the_browser_before_any_search(
    qtbot: QtBot, open_window: Callable[..., MainWindow], fake_hub: FakeHub,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.url)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    window = open_window()
    browser = open_browser(qtbot, window)
    status = browser.findChild(QLabel, "discoverStatus")
    qtbot.waitUntil(lambda: "HF_HUB_OFFLINE" in status.text(), timeout=HUB_MS)
    assert not browser.findChild(QPushButton, "hubSearchButton").isEnabled()
    assert not browser.findChild(QLineEdit, "hubSearch").isEnabled()
    # The curated catalog still shows (it is bundled), and nothing reached the Hub.
    assert table(browser, "repoList").rowCount() > 0
    assert fake_hub.requests == []
