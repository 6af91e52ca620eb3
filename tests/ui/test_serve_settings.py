"""Settings > API server settings: who may connect, the port, the API key (in the keyring),
the web origins, saved across windows; what could not serve refused in the dialog; the real
server following them (a key asked for, a port moved while serving, CORS answered)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import replace

import httpx2 as httpx
import keyring
import pytest
from keyring.backends import null
from keyrings.alt.file import PlaintextKeyring
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from desktop_llm.chat.serving import SERVE_KEY_USERNAME
from desktop_llm.hub.token_store import SERVICE
from desktop_llm.paths import AppPaths
from desktop_llm.settings import load_settings
from desktop_llm.ui.main_window import MainWindow
from desktop_llm.ui.serve_settings_dialog import ServeSettingsDialog
from tests.ui.conftest import close_window

pytestmark = pytest.mark.gui

SERVE_MS = 15_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def open_dialog(qtbot: QtBot, window: MainWindow) -> ServeSettingsDialog:
    """Settings > API server settings…, once the saved settings are in its fields."""
    window.findChild(type(window.serve_action), "serveSettingsAction").trigger()
    [dialog] = [d for d in window.findChildren(ServeSettingsDialog) if d.isVisible()]
    qtbot.waitUntil(lambda: dialog.address_label.text() != "")
    return dialog


def ok_button(dialog: ServeSettingsDialog):  # type: ignore[no-untyped-def]
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def press_ok(qtbot: QtBot, window: MainWindow, dialog: ServeSettingsDialog) -> None:
    """OK, then wait until the switch saved (the menu's history action follows it)."""
    saved: list[object] = []
    window.serve_switch.setupSaved.connect(saved.append)
    qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: bool(saved), timeout=SERVE_MS)


def set_port(qtbot: QtBot, dialog: ServeSettingsDialog, port: int) -> None:
    dialog.port_field.selectAll()
    qtbot.keyClicks(dialog.port_field, str(port))
    assert dialog.port_field.value() == port


def serve(qtbot: QtBot, window: MainWindow) -> None:
    window.serve_action.trigger()
    qtbot.waitUntil(lambda: window.status.serve_label.isVisible(), timeout=SERVE_MS)


def test_the_settings_outlive_the_window_and_the_key_stays_in_the_keyring(
    qtbot: QtBot, open_window: Callable[..., MainWindow], paths: AppPaths,
    isolated_keyring: PlaintextKeyring,
) -> None:
    window = open_window(wait_for_model=False)
    dialog = open_dialog(qtbot, window)
    assert dialog.who.currentText() == "This computer only"
    assert dialog.port_field.value() == 8080 and dialog.key_field.text() == ""
    assert dialog.address_label.text() == "http://127.0.0.1:8080/v1"
    assert "system keyring" in dialog.key_note.text()
    dialog.who.setCurrentIndex(1)  # Other computers on the network
    set_port(qtbot, dialog, 8123)
    qtbot.mouseClick(dialog.generate_button, Qt.MouseButton.LeftButton)
    key = dialog.key_field.text()
    assert len(key) >= 40 and dialog.key_field.echoMode() == dialog.key_field.EchoMode.Password
    dialog.show_key.click()
    assert dialog.key_field.echoMode() == dialog.key_field.EchoMode.Normal
    qtbot.mouseClick(dialog.copy_key_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == key
    qtbot.keyClicks(dialog.origins_field, "https://app.example/, http://localhost:5173")
    dialog.save_history.click()
    assert not window.serve_history_action.isChecked()
    press_ok(qtbot, window, dialog)
    assert window.serve_history_action.isChecked()  # the menu's tick follows

    settings = load_settings(paths.settings_file)
    assert (settings.serve_host, settings.serve_port) == ("0.0.0.0", 8123)
    assert settings.serve_cors_origins == ("https://app.example", "http://localhost:5173")
    assert settings.serve_save_history
    assert key not in paths.settings_file.read_text(encoding="utf-8")
    assert isolated_keyring.get_password(SERVICE, SERVE_KEY_USERNAME) == key
    close_window(window)

    again = open_window(wait_for_model=False)
    dialog = open_dialog(qtbot, again)
    assert dialog.who.currentText() == "Other computers on the network"
    assert dialog.port_field.value() == 8123 and dialog.key_field.text() == key
    assert dialog.origins_field.toPlainText() == "https://app.example\nhttp://localhost:5173"
    assert dialog.save_history.isChecked() and again.serve_history_action.isChecked()
    # Back to this computer without a key: the key leaves the keyring.
    dialog.who.setCurrentIndex(0)
    dialog.key_field.clear()
    press_ok(qtbot, again, dialog)
    assert isolated_keyring.get_password(SERVICE, SERVE_KEY_USERNAME) is None
    assert load_settings(paths.settings_file).serve_host == "127.0.0.1"


def test_other_computers_without_a_key_are_refused_in_the_dialog_and_nothing_served(
    qtbot: QtBot, open_window: Callable[..., MainWindow], paths: AppPaths
) -> None:
    window = open_window(wait_for_model=False)
    dialog = open_dialog(qtbot, window)
    assert ok_button(dialog).isEnabled() and not dialog.problem.isVisible()
    dialog.who.setCurrentIndex(1)
    assert dialog.problem.isVisible() and not ok_button(dialog).isEnabled()
    assert "Serving on 0.0.0.0 would open the model to other machines" in dialog.problem.text()
    dialog.who.setCurrentIndex(2)  # an address typed
    qtbot.keyClicks(dialog.host_field, "192.168.1.20")
    assert "Serving on 192.168.1.20 would open" in dialog.problem.text()
    qtbot.keyClick(dialog.host_field, Qt.Key.Key_Return)  # Enter does not get past it
    assert dialog.isVisible()
    qtbot.mouseClick(dialog.generate_button, Qt.MouseButton.LeftButton)
    assert not dialog.problem.isVisible() and ok_button(dialog).isEnabled()
    qtbot.keyClicks(dialog.origins_field, "app.example")
    assert "app.example is not a web origin" in dialog.problem.text()
    assert not ok_button(dialog).isEnabled()
    dialog.reject()
    assert not paths.settings_file.exists() or (
        load_settings(paths.settings_file).serve_host == "127.0.0.1"
    )

    # Settings that say so anyway (the key lost from the keyring): the switch refuses.
    port = free_port()
    window.bridge.service.update_settings(
        lambda settings: replace(settings, serve_host="0.0.0.0", serve_port=port)
    )
    window.serve_action.trigger()
    qtbot.waitUntil(lambda: window.error_banner.isVisible(), timeout=SERVE_MS)
    assert "Serving on 0.0.0.0 would open the model to other machines" in (
        window.error_banner.text()
    )
    qtbot.waitUntil(lambda: not window.serve_action.isChecked())
    assert not window.status.serve_label.isVisible() and not port_open(port)


def test_with_a_key_on_every_address_the_api_asks_for_it(
    qtbot: QtBot, open_window: Callable[..., MainWindow]
) -> None:
    window = open_window()
    port = free_port()
    dialog = open_dialog(qtbot, window)
    dialog.who.setCurrentIndex(1)
    set_port(qtbot, dialog, port)
    qtbot.mouseClick(dialog.generate_button, Qt.MouseButton.LeftButton)
    key = dialog.key_field.text()
    press_ok(qtbot, window, dialog)
    serve(qtbot, window)
    assert window.serve_switch.base_url == f"http://0.0.0.0:{port}/v1"  # every address
    address = window.serve_switch.address
    # The label names this machine's address, not 0.0.0.0 (no client can connect to that).
    assert address.endswith(f":{port}/v1") and "0.0.0.0" not in address
    assert f"Serving at {address} · 0 requests" == window.status.serve_label.text()
    copy = window.status.serve_label.actions()[0]
    copy.trigger()
    assert QGuiApplication.clipboard().text() == address

    url = f"http://127.0.0.1:{port}/v1/models"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
    answer = httpx.get(url, headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 200
    assert [m["id"] for m in answer.json()["data"]] == [
        window.bridge.service.current_model.name
    ]


def test_settings_applied_while_serving_move_the_server(
    qtbot: QtBot, open_window: Callable[..., MainWindow]
) -> None:
    window = open_window(wait_for_model=False)
    first, second = free_port(), free_port()
    dialog = open_dialog(qtbot, window)
    set_port(qtbot, dialog, first)
    press_ok(qtbot, window, dialog)
    serve(qtbot, window)
    assert window.serve_switch.address == f"http://127.0.0.1:{first}/v1"
    assert httpx.get(f"http://127.0.0.1:{first}/v1/models").status_code == 200

    dialog = open_dialog(qtbot, window)
    set_port(qtbot, dialog, second)
    qtbot.mouseClick(dialog.generate_button, Qt.MouseButton.LeftButton)
    key = dialog.key_field.text()
    press_ok(qtbot, window, dialog)
    qtbot.waitUntil(
        lambda: f":{second}/v1" in window.status.serve_label.text(), timeout=SERVE_MS
    )
    assert window.serve_action.isChecked()
    assert not port_open(first)
    url = f"http://127.0.0.1:{second}/v1/models"
    assert httpx.get(url).status_code == 401  # the new key too
    assert httpx.get(url, headers={"Authorization": f"Bearer {key}"}).status_code == 200

    # Only the history setting changed: the server is not restarted.
    server = window.serve_switch._server
    dialog = open_dialog(qtbot, window)
    dialog.save_history.click()
    press_ok(qtbot, window, dialog)
    assert window.serve_switch._server is server and window.serve_history_action.isChecked()


def test_an_allowed_web_origin_gets_its_preflight_answered(
    qtbot: QtBot, open_window: Callable[..., MainWindow]
) -> None:
    window = open_window(wait_for_model=False)
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1/chat/completions"
    window.bridge.service.update_settings(lambda settings: replace(settings, serve_port=port))
    serve(qtbot, window)

    def preflight(origin: str) -> httpx.Response:
        return httpx.options(url, headers={
            "Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        })

    assert "access-control-allow-origin" not in preflight("https://app.example").headers
    dialog = open_dialog(qtbot, window)
    qtbot.keyClicks(dialog.origins_field, "https://app.example")
    with qtbot.waitSignal(window.serve_switch.servingChanged, timeout=SERVE_MS,
                          check_params_cb=bool):  # restarted (after a stop: "")
        press_ok(qtbot, window, dialog)
    # CORS on: the allowed origin is answered, another is not.
    allowed = preflight("https://app.example")
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    assert "access-control-allow-origin" not in preflight("https://other.example").headers


def test_a_port_in_use_is_said_and_the_switch_goes_back_off(
    qtbot: QtBot, open_window: Callable[..., MainWindow]
) -> None:
    window = open_window(wait_for_model=False)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        dialog = open_dialog(qtbot, window)
        set_port(qtbot, dialog, port)
        press_ok(qtbot, window, dialog)
        window.serve_action.trigger()
        qtbot.waitUntil(lambda: window.error_banner.isVisible(), timeout=SERVE_MS)
        assert f"Could not listen on 127.0.0.1:{port}" in window.error_banner.text()
        qtbot.waitUntil(lambda: not window.serve_action.isChecked())
    assert not window.status.serve_label.isVisible()


def test_without_a_keyring_the_dialog_says_the_key_lasts_until_quitting(
    qtbot: QtBot, open_window: Callable[..., MainWindow]
) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(null.Keyring())
    try:
        window = open_window(wait_for_model=False)
        dialog = open_dialog(qtbot, window)
        assert "kept only until the app quits" in dialog.key_note.text()
        dialog.who.setCurrentIndex(1)
        qtbot.mouseClick(dialog.generate_button, Qt.MouseButton.LeftButton)
        key = dialog.key_field.text()
        press_ok(qtbot, window, dialog)
        # Kept in memory: the next dialog of this run still has it.
        dialog = open_dialog(qtbot, window)
        assert dialog.key_field.text() == key
        dialog.reject()
    finally:
        keyring.set_keyring(previous)
