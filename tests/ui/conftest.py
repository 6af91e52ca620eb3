"""Real main windows over a real chat service, in the test's own data folder."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop_llm.app import create_main_window
from desktop_llm.paths import AppPaths
from desktop_llm.storage import HistoryStore, MessageRecord
from desktop_llm.ui.main_window import MainWindow

MODEL_READY_MS = 60_000
REPLY_MS = 120_000


@pytest.fixture
def open_window(
    qtbot: QtBot, paths: AppPaths, model_path: Path
) -> Iterator[Callable[..., MainWindow]]:
    """Build windows like the app does; each is closed (and its engine stopped) at the end."""
    windows: list[MainWindow] = []

    def build(*, wait_for_model: bool = True) -> MainWindow:
        window = create_main_window(paths)
        windows.append(window)
        qtbot.addWidget(window)
        window.show()
        if wait_for_model:
            qtbot.waitUntil(lambda: window.model_state.text() == "Ready", timeout=MODEL_READY_MS)
        return window

    yield build
    for window in windows:
        window.close()
    assert not [t for t in threading.enumerate() if t.name == "llama-worker" and t.is_alive()]


def saved_messages(paths: AppPaths, conversation_id: int) -> list[MessageRecord]:
    """What is on disk, read through a second connection as another process would."""
    with HistoryStore.open(paths.database) as store:
        return store.list_messages(conversation_id)


# The fake Hub and an isolated keyring, shared with the hub tests (importing that conftest
# also sets the HF_* variables huggingface_hub reads when first imported).
from tests.hub.conftest import fake_hub, isolated_keyring, smol_model  # noqa: E402, F401
