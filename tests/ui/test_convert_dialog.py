"""The conversion dialog driven by qtbot on the real window: convert, measure, chat, cancel."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
)
from pytestqt.qtbot import QtBot

from desktop_llm.chat.model_manager import ModelManager
from desktop_llm.paths import AppPaths
from desktop_llm.ui.main_window import MainWindow
from desktop_llm.ui.models.convert_dialog import ConvertDialog
from desktop_llm.ui.models.table import RowTable
from tests.conversion import conftest as conversion
from tests.fake_hub import FakeFile, FakeHub, FakeRepo
from tests.ui.conftest import close_window
from tests.ui.test_model_browser import open_browser, select_row_with

pytestmark = pytest.mark.gui
CONVERT_MS = 240_000
# The conversion tests' tiny Llama folder (skipped, with the reason, without the extra).
tiny_hf_model = conversion.tiny_hf_model
converted_f16 = conversion.converted_f16
# The core's sentence on a machine without torch.
MISSING_EXTRA = (
    "Converting Hugging Face models needs the optional converter (torch missing). "
    "Add it with: pip install 'desktop-llm[convert]'"
)


def open_convert_dialog(qtbot: QtBot, window: MainWindow) -> ConvertDialog:
    browser = open_browser(qtbot, window)
    browser.tabs.setCurrentWidget(browser.installed)
    qtbot.mouseClick(browser.findChild(QPushButton, "convertButton"), Qt.MouseButton.LeftButton)
    dialog = browser.findChild(QDialog, "convertDialog")
    assert isinstance(dialog, ConvertDialog)
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def widget(dialog: ConvertDialog, kind: type[Any], name: str) -> Any:
    found = dialog.findChild(kind, name)
    assert found is not None, name
    return found


def check_quantization(dialog: ConvertDialog, quantization: str, *, on: bool = True) -> None:
    quants = widget(dialog, QListWidget, "convertQuants")
    for row in range(quants.count()):
        if quants.item(row).text().lower().startswith(quantization + " "):
            quants.item(row).setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            return
    raise AssertionError(f"{quantization} is not offered")


def start(qtbot: QtBot, dialog: ConvertDialog, source: Path | str, name: str) -> None:
    qtbot.keyClicks(widget(dialog, QLineEdit, "convertSource"), str(source))
    name_box = widget(dialog, QLineEdit, "convertName")
    # The name follows the source (a folder, or a repo id) until edited.
    assert name_box.text() == str(source).replace("\\", "/").split("/")[-1]
    if name != name_box.text():
        name_box.clear()
        qtbot.keyClicks(name_box, name)
    button = widget(dialog, QPushButton, "convertStart")
    qtbot.waitUntil(button.isEnabled)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_missing_extra_says_how_to_add_it_and_only_converting_waits_for_it(
    qtbot: QtBot,
    open_window: Callable[..., MainWindow],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The real manager, as on a machine where the convert extra is not installed.
    monkeypatch.setattr(ModelManager, "conversion_unavailable", lambda _self: MISSING_EXTRA)
    window = open_window(wait_for_model=False)
    dialog = ConvertDialog(window.models_bridge, window)
    qtbot.addWidget(dialog)
    dialog.show()
    notice = widget(dialog, QLabel, "convertUnavailable")
    qtbot.waitUntil(lambda: notice.text() == MISSING_EXTRA)
    assert notice.isVisible()
    qtbot.keyClicks(widget(dialog, QLineEdit, "convertSource"), str(tmp_path))
    assert widget(dialog, QLineEdit, "convertName").text() == tmp_path.name
    assert not widget(dialog, QPushButton, "convertStart").isEnabled()

    # Quantizing an installed model needs llama.cpp only, not the extra.
    dialog.quantize_model("tiny-F16")
    assert not notice.isVisible()
    check_quantization(dialog, "q4_k_m")
    assert widget(dialog, QPushButton, "convertStart").isEnabled()
    dialog.convert_folder()
    qtbot.keyClicks(widget(dialog, QLineEdit, "convertSource"), str(tmp_path))
    assert notice.isVisible()
    assert not widget(dialog, QPushButton, "convertStart").isEnabled()


def converted_files(paths: AppPaths) -> list[str]:
    """Every file under the models folder's converted/ part, relative to it."""
    converted = paths.models_dir / "converted"
    if not converted.exists():
        return []
    return sorted(str(p.relative_to(converted)) for p in converted.rglob("*") if p.is_file())


def test_convert_measure_and_chat_with_the_result(
    qtbot: QtBot, open_window: Callable[..., MainWindow], tiny_hf_model: Path, paths: AppPaths
) -> None:
    window = open_window()
    dialog = open_convert_dialog(qtbot, window)
    seen: list[tuple[int, str]] = []
    bar = widget(dialog, QProgressBar, "convertProgress")
    stage = widget(dialog, QLabel, "convertStage")
    bar.valueChanged.connect(lambda value: seen.append((value, stage.text())))

    quants = widget(dialog, QListWidget, "convertQuants")
    # Each target says what it costs before anyone spends minutes on it.
    assert quants.item(0).text() == "Q4_K_M — ~4.84 bits/weight, good balance"
    check_quantization(dialog, "q8_0")
    widget(dialog, QCheckBox, "convertEvaluate").setChecked(True)
    start(qtbot, dialog, tiny_hf_model, "tiny")
    assert not widget(dialog, QLabel, "convertUnavailable").isVisible()
    assert not widget(dialog, QPushButton, "convertStart").isEnabled()
    assert widget(dialog, QPushButton, "convertCancel").isEnabled()
    qtbot.waitUntil(lambda: stage.text() == "Done.", timeout=CONVERT_MS)
    assert widget(dialog, QLabel, "convertError").text() == ""
    assert any(0 < value < 1000 for value, _text in seen), seen

    quality = widget(dialog, RowTable, "qualityTable")
    assert quality.column_texts(0) == ["tiny-F16", "tiny-Q8_0"]
    assert quality.column_texts(1) == ["F16", "Q8_0"]
    assert all(text.endswith("MB") for text in quality.column_texts(2))
    # Perplexities in the locale's way (1,234.56 here): read back as the locale writes them.
    assert all(QLocale().toDouble(text)[0] > 1 for text in quality.column_texts(3))
    assert quality.column_texts(4)[0] == "+0.0 %"
    assert quality.column_texts(4)[1].endswith(" %")
    assert converted_files(paths) == ["tiny/tiny-F16.gguf", "tiny/tiny-Q8_0.gguf"]

    # The installed list and the main window's selector learn about both files.
    installed = window.model_browser.findChild(RowTable, "installedList")
    qtbot.waitUntil(lambda: {"tiny-F16", "tiny-Q8_0"} <= set(installed.column_texts(0)))
    quality.selectRow(1)
    qtbot.mouseClick(widget(dialog, QPushButton, "convertUse"), Qt.MouseButton.LeftButton)
    service = window.bridge.service
    qtbot.waitUntil(
        lambda: (
            service.current_model is not None
            and service.current_model.name == "tiny-Q8_0"
            and window.model_state.text() == "Ready"
        ),
        timeout=60_000,
    )
    assert window.model_selector.currentText() == "tiny-Q8_0"


def test_cancel_mid_conversion_says_so_and_leaves_no_file(
    qtbot: QtBot, open_window: Callable[..., MainWindow], tiny_hf_model: Path, paths: AppPaths
) -> None:
    window = open_window()
    dialog = open_convert_dialog(qtbot, window)
    stage = widget(dialog, QLabel, "convertStage")
    check_quantization(dialog, "q4_k_m")
    start(qtbot, dialog, tiny_hf_model, "cancelled")
    cancel = widget(dialog, QPushButton, "convertCancel")
    # The converter's child is running once its own progress lines arrive.
    qtbot.waitUntil(
        lambda: stage.text().startswith("Converting:") and not stage.text().endswith("Starting"),
        timeout=CONVERT_MS,
    )
    assert cancel.isEnabled()
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: stage.text() == "Cancelled; partial files were removed.", timeout=CONVERT_MS
    )
    assert widget(dialog, QLabel, "convertError").text() == ""
    assert converted_files(paths) == []
    assert not (paths.models_dir / "converted" / "cancelled").exists()
    assert widget(dialog, QPushButton, "convertStart").isEnabled()
    assert widget(dialog, RowTable, "qualityTable").rowCount() == 0


def test_an_unsupported_architecture_is_named(
    qtbot: QtBot,
    open_window: Callable[..., MainWindow],
    tiny_hf_model: Path,
    paths: AppPaths,
    tmp_path: Path,
) -> None:
    folder = conversion.copy_with_architecture(
        tiny_hf_model, tmp_path / "madeup", "MadeUpForCausalLM"
    )
    window = open_window(wait_for_model=False)
    dialog = open_convert_dialog(qtbot, window)
    start(qtbot, dialog, folder, "madeup")
    error = widget(dialog, QLabel, "convertError")
    qtbot.waitUntil(lambda: error.text() != "", timeout=CONVERT_MS)
    assert "MadeUpForCausalLM is not an architecture llama.cpp's converter supports" in error.text()
    assert widget(dialog, QLabel, "convertStage").text() == "Failed."
    assert widget(dialog, QPushButton, "convertStart").isEnabled()
    assert converted_files(paths) == []


def test_quantize_an_installed_model_and_compare_it_with_its_base(
    qtbot: QtBot, open_window: Callable[..., MainWindow], converted_f16: Path, paths: AppPaths
) -> None:
    window = open_window(wait_for_model=False)
    browser = open_browser(qtbot, window)
    browser.tabs.setCurrentWidget(browser.installed)
    browser.installed.import_paths([converted_f16])
    installed = browser.findChild(RowTable, "installedList")
    select_row_with(qtbot, installed, "tiny-F16")
    qtbot.mouseClick(browser.findChild(QPushButton, "quantizeButton"), Qt.MouseButton.LeftButton)
    dialog = browser.findChild(QDialog, "convertDialog")
    assert isinstance(dialog, ConvertDialog)
    qtbot.waitUntil(dialog.isVisible)
    assert widget(dialog, QLineEdit, "convertSource").text() == "tiny-F16"
    assert not widget(dialog, QComboBox, "convertOuttype").isEnabled()
    assert not widget(dialog, QLineEdit, "convertName").isEnabled()

    # Nothing to do until a quantization (or a measurement) is chosen.
    start_button = widget(dialog, QPushButton, "convertStart")
    check_quantization(dialog, "q4_k_m")
    qtbot.waitUntil(start_button.isEnabled)
    check_quantization(dialog, "q4_k_m", on=False)
    assert not start_button.isEnabled()
    check_quantization(dialog, "q4_k_m")
    widget(dialog, QCheckBox, "convertEvaluate").setChecked(True)
    qtbot.mouseClick(start_button, Qt.MouseButton.LeftButton)
    stage = widget(dialog, QLabel, "convertStage")
    qtbot.waitUntil(lambda: stage.text() == "Done.", timeout=CONVERT_MS)
    assert widget(dialog, QLabel, "convertError").text() == ""

    quality = widget(dialog, RowTable, "qualityTable")
    assert quality.column_texts(0) == ["tiny-F16", "tiny-Q4_K_M"]
    assert quality.column_texts(1) == ["F16", "Q4_K_M"]
    # Perplexities in the locale's way (1,234.56 here): read back as the locale writes them.
    assert all(QLocale().toDouble(text)[0] > 1 for text in quality.column_texts(3))
    base, quantized = (QLocale().toDouble(text)[0] for text in quality.column_texts(3))
    assert quality.column_texts(4) == ["+0.0 %", f"{(quantized / base - 1) * 100:+.1f} %"]
    assert converted_files(paths) == ["tiny/tiny-Q4_K_M.gguf"]
    qtbot.waitUntil(lambda: "tiny-Q4_K_M" in installed.column_texts(0))

    # Convert… afterwards starts from an empty, editable source again.
    qtbot.mouseClick(browser.findChild(QPushButton, "convertButton"), Qt.MouseButton.LeftButton)
    source = widget(dialog, QLineEdit, "convertSource")
    assert source.text() == "" and not source.isReadOnly()
    assert widget(dialog, QComboBox, "convertOuttype").isEnabled()


def test_closing_the_window_mid_conversion_stops_it_and_leaves_no_file(
    qtbot: QtBot, open_window: Callable[..., MainWindow], tiny_hf_model: Path, paths: AppPaths
) -> None:
    window = open_window(wait_for_model=False)
    dialog = open_convert_dialog(qtbot, window)
    stage = widget(dialog, QLabel, "convertStage")
    start(qtbot, dialog, tiny_hf_model, "closed")
    qtbot.waitUntil(lambda: stage.text().startswith("Converting:"), timeout=CONVERT_MS)
    close_window(window)
    # Closing waited for the job's clean-up; its thread (and so its child) ends with it.
    assert converted_files(paths) == []
    assert not (paths.models_dir / "converted" / "closed").exists()
    qtbot.waitUntil(
        lambda: not [t for t in threading.enumerate() if t.name.startswith("conversion-")],
        timeout=10_000,
    )


def test_a_hub_repo_id_is_fetched_then_converted(
    qtbot: QtBot, open_window: Callable[..., MainWindow], tiny_hf_model: Path, paths: AppPaths
) -> None:
    repo_id = "test-org/Tiny-Llama-HF"
    files = [
        FakeFile(p.name, p.read_bytes(), lfs=p.suffix == ".safetensors")
        for p in sorted(tiny_hf_model.iterdir())
    ]
    with FakeHub([FakeRepo(repo_id, files, tags=["safetensors"])]) as hub:
        settings = json.dumps({"hub_endpoint": hub.url})
        paths.settings_file.write_text(settings, encoding="utf-8")
        window = open_window(wait_for_model=False)
        dialog = open_convert_dialog(qtbot, window)
        start(qtbot, dialog, repo_id, "Tiny-Llama-HF")
        stage = widget(dialog, QLabel, "convertStage")
        qtbot.waitUntil(lambda: stage.text() in ("Done.", "Failed."), timeout=CONVERT_MS)
    assert widget(dialog, QLabel, "convertError").text() == ""
    assert stage.text() == "Done."
    assert widget(dialog, RowTable, "qualityTable").column_texts(0) == ["Tiny-Llama-HF-F16"]
    # The fetched weights are gone once converted; only the GGUF stays.
    assert converted_files(paths) == ["Tiny-Llama-HF/Tiny-Llama-HF-F16.gguf"]
