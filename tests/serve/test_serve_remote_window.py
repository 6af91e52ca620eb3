"""The window's switch serving a model that is on a remote server (a real llama_cpp.server
wanting a key), read by the official openai client while the window stays responsive."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import openai
import pytest
from pytestqt.qtbot import QtBot

from desktop_llm.paths import AppPaths
from desktop_llm.serve.options import ServeOptions
from desktop_llm.settings import RemoteEndpoint, Settings, save_settings
from desktop_llm.ui.main_window import MainWindow
from tests.remote.conftest import API_KEY, MODEL_ALIAS, LlamaServer, start_server
from tests.ui.conftest import (  # noqa: F401 (fixtures: windows, their locale, the keyring)
    REPLY_MS,
    english_locale,
    isolated_keyring,
    open_window,
)
from tests.ui.test_serve_switch import port_open

pytestmark = pytest.mark.gui
REMOTE = f"gpu/{MODEL_ALIAS}"


@pytest.fixture(scope="module")
def keyed(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    server = start_server(model_path, tmp_path_factory.mktemp("llama-server"), api_key=API_KEY)
    yield server
    server.kill()


def test_the_windows_switch_serves_its_remote_model(
    qtbot: QtBot, open_window: Callable[..., MainWindow],  # noqa: F811
    paths: AppPaths, keyed: LlamaServer,
) -> None:
    # The remote model is the default: the window starts with it chosen.
    save_settings(Settings(remotes=(RemoteEndpoint("gpu", keyed.url),), default_model=REMOTE),
                  paths.settings_file)
    keyring.set_password("desktop-llm", "remote:gpu", API_KEY)
    window = open_window()
    assert window.bridge.service.current_model.name == REMOTE

    window.serve_switch.options = ServeOptions(port=0)
    window.serve_action.trigger()
    qtbot.waitUntil(lambda: window.status.serve_label.isVisible(), timeout=10_000)
    base_url = window.serve_switch.base_url
    assert base_url is not None and window.serve_action.isChecked()
    port = int(base_url.rsplit(":", 1)[1].split("/")[0])

    answers: dict[str, Any] = {}

    def use_the_api() -> None:
        try:
            with openai.OpenAI(base_url=base_url, api_key="-", max_retries=0,
                               timeout=REPLY_MS / 1000) as api:
                answers["models"] = [m.id for m in api.models.list()]
                answers["chunks"] = list(api.chat.completions.create(
                    model=REMOTE, messages=[{"role": "user", "content": "Name a fruit."}],
                    max_tokens=8, temperature=0, stream=True,
                    stream_options={"include_usage": True},
                ))
        except BaseException as error:
            answers["failure"] = error

    client = threading.Thread(target=use_the_api)
    client.start()
    qtbot.waitUntil(lambda: not client.is_alive(), timeout=REPLY_MS)
    assert "failure" not in answers, answers.get("failure")
    assert answers["models"] == [REMOTE]
    chunks = answers["chunks"]
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices).strip()
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
    # The status bar counts it; nothing was saved to the history (the setting is off).
    qtbot.waitUntil(lambda: "1 request" in window.status.serve_label.text(), timeout=10_000)
    assert window.bridge.service.conversations() == []

    window.serve_action.trigger()
    qtbot.waitUntil(lambda: not port_open(port), timeout=20_000)
    assert not window.serve_action.isChecked()
