"""The window's switch for serving the loaded model: the openai client answered while the
window chats, the status bar's address, count and last error, and a stop at close."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import replace

import openai
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit
from pytestqt.qtbot import QtBot

from desktop_llm.paths import AppPaths
from desktop_llm.serve.options import ServeOptions
from desktop_llm.settings import Settings, load_settings, save_settings
from desktop_llm.ui.conversation_list import ConversationList
from desktop_llm.ui.main_window import MainWindow
from tests.ui.conftest import REPLY_MS, close_window, saved_messages

pytestmark = pytest.mark.gui


def send(qtbot: QtBot, window: MainWindow, text: str) -> None:
    box = window.findChild(QPlainTextEdit, "messageInput")
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key.Key_Return)


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def test_api_clients_are_answered_while_the_window_chats(
    qtbot: QtBot, open_window: Callable[..., MainWindow], paths: AppPaths
) -> None:
    window = open_window()
    window.bridge.service.update_settings(lambda settings: replace(
        settings, generation=replace(settings.generation, max_tokens=24)
    ))
    window.serve_switch.options = ServeOptions(port=0)
    assert not window.status.serve_label.isVisible()
    window.serve_action.trigger()
    qtbot.waitUntil(lambda: window.status.serve_label.isVisible(), timeout=10_000)
    base_url = window.serve_switch.base_url
    assert base_url is not None and window.serve_action.isChecked()
    assert f"Serving at {base_url} · 0 requests" == window.status.serve_label.text()
    port = int(base_url.rsplit(":", 1)[1].split("/")[0])

    model = window.bridge.service.current_model.name
    answers: list[str] = []
    failures: list[BaseException] = []

    def use_the_api() -> None:
        try:
            with openai.OpenAI(base_url=base_url, api_key="-", max_retries=0,
                               timeout=REPLY_MS / 1000) as api:
                question = [{"role": "user", "content": "Name a fruit."}]
                answers.append(api.chat.completions.create(
                    model=model, messages=question, max_tokens=16
                ).choices[0].message.content)
                chunks = api.chat.completions.create(
                    model=model, messages=question, max_tokens=16, stream=True
                )
                answers.append("".join(c.choices[0].delta.content or "" for c in chunks))
                with pytest.raises(openai.NotFoundError):
                    api.chat.completions.create(model="gpt-9", messages=question)
        except BaseException as error:
            failures.append(error)

    send(qtbot, window, "Name one colour.")
    client = threading.Thread(target=use_the_api)
    client.start()
    qtbot.waitUntil(lambda: not client.is_alive() and not window.generating, timeout=REPLY_MS)
    client.join()
    assert not failures, failures
    assert len(answers) == 2 and all(answers)
    qtbot.waitUntil(lambda: "· 2 requests" in window.status.serve_label.text())
    assert "last error: The model 'gpt-9' does not exist" in window.status.serve_label.text()
    # The window's conversation is the only one saved.
    conversation_id = window.conversation_id
    assert [m.role for m in saved_messages(paths, conversation_id)] == ["user", "assistant"]
    assert window.bridge.service.conversations()[0].id == conversation_id

    window.serve_action.trigger()  # off
    qtbot.waitUntil(lambda: not window.status.serve_label.isVisible(), timeout=10_000)
    assert not port_open(port)
    window.serve_action.trigger()  # on again, then the window closes while serving
    qtbot.waitUntil(lambda: window.status.serve_label.isVisible(), timeout=10_000)
    port = int(window.serve_switch.base_url.rsplit(":", 1)[1].split("/")[0])
    close_window(window)
    assert not port_open(port)


def test_a_port_in_use_is_said_and_the_switch_goes_back_off(
    qtbot: QtBot, open_window: Callable[..., MainWindow]
) -> None:
    window = open_window()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        window.serve_switch.options = ServeOptions(port=taken.getsockname()[1])
        window.serve_action.trigger()
        qtbot.waitUntil(lambda: window.error_banner.isVisible(), timeout=10_000)
        assert "Could not listen on 127.0.0.1" in window.error_banner.text()
        qtbot.waitUntil(lambda: not window.serve_action.isChecked())
    assert not window.status.serve_label.isVisible()


def test_api_chats_are_listed_when_saving_them_is_on(
    qtbot: QtBot, open_window: Callable[..., MainWindow]
) -> None:
    window = open_window()
    conversations = window.findChild(ConversationList, "conversationList")
    assert not window.serve_history_action.isChecked()
    window.serve_history_action.trigger()
    qtbot.waitUntil(lambda: window.bridge.service.settings.serve_save_history)
    window.serve_switch.options = ServeOptions(port=0)
    window.serve_action.trigger()
    qtbot.waitUntil(lambda: window.serve_switch.base_url is not None, timeout=10_000)
    done = threading.Event()

    def ask() -> None:
        with openai.OpenAI(base_url=window.serve_switch.base_url, api_key="-",
                           max_retries=0, timeout=REPLY_MS / 1000) as api:
            api.chat.completions.create(
                model=window.bridge.service.current_model.name, max_tokens=4,
                messages=[{"role": "user", "content": "Name a planet."}],
            )
        done.set()

    threading.Thread(target=ask).start()
    qtbot.waitUntil(done.is_set, timeout=REPLY_MS)
    qtbot.waitUntil(lambda: conversations.titles() == ["Name a planet."])


def test_the_windows_chat_waits_behind_one_api_reply_at_most(
    qtbot: QtBot, open_window: Callable[..., MainWindow]
) -> None:
    window = open_window()
    # The window's reply short too: a loaded machine writes a few tokens a second.
    window.bridge.service.update_settings(lambda settings: replace(
        settings, generation=replace(settings.generation, max_tokens=24)
    ))
    window.serve_switch.options = ServeOptions(port=0)
    window.serve_action.trigger()
    qtbot.waitUntil(lambda: window.serve_switch.base_url is not None, timeout=10_000)
    base_url, model = window.serve_switch.base_url, window.bridge.service.current_model.name
    first_text = threading.Event()
    finished: dict[str, float] = {}
    failures: list[BaseException] = []

    def client(name: str) -> None:
        try:
            with openai.OpenAI(base_url=base_url, api_key="-", max_retries=0,
                               timeout=REPLY_MS / 1000) as api:
                # The first reply is long, so the window asks while it is written.
                chunks = api.chat.completions.create(
                    model=model, max_tokens=120 if name == "api 1" else 24, temperature=0,
                    stream=True,
                    messages=[{"role": "user", "content": "Write a long story about a ship."}],
                )
                for chunk in chunks:
                    if chunk.choices and chunk.choices[0].delta.content:
                        first_text.set()
            finished[name] = time.monotonic()
        except BaseException as error:
            failures.append(error)

    clients = [threading.Thread(target=client, args=(f"api {n}",)) for n in range(1, 4)]
    clients[0].start()
    qtbot.waitUntil(first_text.is_set, timeout=REPLY_MS)
    for thread in clients[1:]:
        thread.start()  # these two wait for their turn in the server
    time.sleep(0.3)
    send(qtbot, window, "Name one colour.")
    qtbot.waitUntil(lambda: not window.generating, timeout=REPLY_MS)
    finished["window"] = time.monotonic()
    qtbot.waitUntil(lambda: not any(t.is_alive() for t in clients), timeout=REPLY_MS)
    assert not failures, failures
    order = sorted(finished, key=finished.__getitem__)
    # The reply running when the window asked, then the window's, then the other clients.
    assert order[:2] == ["api 1", "window"], order


def test_the_switch_left_on_serves_again_at_the_next_start(
    qtbot: QtBot, open_window: Callable[..., MainWindow], paths: AppPaths
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    save_settings(Settings(serve_port=port), paths.settings_file)
    window = open_window()
    assert not window.serve_action.isChecked() and not port_open(port)
    window.serve_action.trigger()
    qtbot.waitUntil(lambda: port_open(port), timeout=10_000)
    qtbot.waitUntil(lambda: load_settings(paths.settings_file).serve_at_start)
    close_window(window)
    assert not port_open(port)

    again = open_window(wait_for_model=False)
    qtbot.waitUntil(lambda: again.serve_action.isChecked() and port_open(port), timeout=10_000)
    again.serve_action.trigger()  # off, and off it stays
    qtbot.waitUntil(lambda: not port_open(port), timeout=10_000)
    qtbot.waitUntil(lambda: not load_settings(paths.settings_file).serve_at_start)
