"""First start: the window is usable before the model has loaded, and a message typed at once
waits for the load and is then answered."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit, QTextBrowser
from pytestqt.qtbot import QtBot

from desktop_llm.paths import AppPaths
from desktop_llm.ui.main_window import MainWindow
from tests.ui.conftest import REPLY_MS, saved_messages

pytestmark = pytest.mark.gui

REPO = Path(__file__).resolve().parents[2]


def test_a_message_sent_before_the_model_has_loaded_is_answered_once_it_has(
    qtbot: QtBot, open_window: Callable[..., MainWindow], paths: AppPaths
) -> None:
    # A short reply: what is checked is that it comes, not how long the model goes on (on a
    # loaded machine an uncapped reply can run to the end of the context).
    paths.settings_file.write_text(
        json.dumps({"generation": {"max_tokens": 24}}), encoding="utf-8"
    )
    window = open_window(wait_for_model=False)
    assert window.bridge.service.loaded_model is None  # still loading (or not yet asked)
    box = window.findChild(QPlainTextEdit, "messageInput")
    assert box.isEnabled()

    qtbot.keyClicks(box, "Say hello.")
    qtbot.keyClick(box, Qt.Key.Key_Return)

    transcript = window.findChild(QTextBrowser, "transcriptView")
    qtbot.waitUntil(lambda: not window.generating, timeout=REPLY_MS)
    assert not window.error_banner.isVisible(), window.error_banner.text()
    conversation_id = window.conversation_id
    assert conversation_id is not None
    reply = saved_messages(paths, conversation_id)[-1]
    assert reply.role == "assistant"
    assert reply.finish_reason in ("stop", "length"), reply.error
    assert reply.content.strip()
    assert reply.content.strip()[:20] in transcript.toPlainText()


def test_the_app_notes_its_start_for_the_benchmark_and_closes(
    tmp_path: Path, model_path: Path
) -> None:
    """``bench/first_start.py``'s probe: the app launched as users launch it notes each moment
    of its start in order, from the QApplication to the model ready, then closes cleanly."""
    probe = tmp_path / "probe.txt"
    env = {**os.environ, "DESKTOP_LLM_STARTUP_PROBE": str(probe),
           "DESKTOP_LLM_HOME": str(tmp_path / "home"), "QT_QPA_PLATFORM": "offscreen"}
    launched = time.time()
    done = subprocess.run([sys.executable, "-m", "desktop_llm"], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    moments = [line.split() for line in probe.read_text(encoding="utf-8").splitlines()]
    names = [name for name, _ in moments]
    assert names == ["app", "qt", "service", "window", "shown", "ready"]
    times = [float(when) for _, when in moments]
    assert launched < times[0] and times == sorted(times)
