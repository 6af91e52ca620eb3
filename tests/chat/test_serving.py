"""The API server's settings: saved beside the others, the key in the keyring only, damaged
values falling back, and the options and sentences built from them."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from keyring.backends import null
from keyring.backends.fail import Keyring as FailKeyring

from desktop_llm.chat.serving import (
    SERVE_KEY_USERNAME,
    ServeSettings,
    ServeSetup,
    new_api_key,
    parse_origins,
    reachable_url,
)
from desktop_llm.errors import DesktopLLMError
from desktop_llm.hub.token_store import SERVICE, TokenStore
from desktop_llm.serve.options import ServeOptions
from desktop_llm.settings import Settings, load_settings, save_settings
from tests.hub.conftest import isolated_keyring  # noqa: F401


def file_settings(path: Path) -> ServeSettings:
    """Serve settings over a settings file, as the window's service keeps them."""

    def update(change):  # type: ignore[no-untyped-def]
        changed = change(load_settings(path))
        save_settings(changed, path)
        return changed

    return ServeSettings(lambda: load_settings(path), update)


def test_the_setup_survives_a_new_load_and_its_key_stays_in_the_keyring(
    tmp_path: Path, isolated_keyring  # noqa: F811
) -> None:
    path = tmp_path / "settings.json"
    key = new_api_key()
    setup = ServeSetup(
        host="0.0.0.0", port=8123, api_key=key,
        cors_origins=("https://example.com",), save_history=True,
    )
    file_settings(path).save(setup)

    assert file_settings(path).setup() == setup  # a new reader: from the file and the keyring
    assert isolated_keyring.get_password(SERVICE, SERVE_KEY_USERNAME) == key
    saved = path.read_text(encoding="utf-8")
    assert key not in saved
    assert json.loads(saved)["serve_host"] == "0.0.0.0"
    assert file_settings(path).options() == ServeOptions(
        host="0.0.0.0", port=8123, api_key=key, cors_origins=("https://example.com",)
    )

    file_settings(path).save(replace(setup, host="127.0.0.1", api_key=None))
    assert isolated_keyring.get_password(SERVICE, SERVE_KEY_USERNAME) is None
    assert file_settings(path).setup().api_key is None


def test_a_setup_that_could_not_serve_is_refused_and_nothing_is_saved(
    tmp_path: Path, isolated_keyring  # noqa: F811
) -> None:
    path = tmp_path / "settings.json"
    with pytest.raises(DesktopLLMError, match="would open the model to other machines"):
        file_settings(path).save(ServeSetup(host="0.0.0.0", port=9000))
    assert not path.exists()
    for setup in (
        ServeSetup(host="  "), ServeSetup(port=70000), ServeSetup(api_key="two words"),
    ):
        assert setup.problem() is not None
        with pytest.raises(DesktopLLMError):
            file_settings(path).save(setup)
    assert not path.exists()
    assert ServeSetup(host="192.168.1.9", api_key="k").problem() is None
    assert ServeSetup(host="::1").problem() is None


@pytest.mark.parametrize("backend", [null.Keyring, FailKeyring])
def test_without_a_keyring_the_key_lasts_until_quitting(tmp_path: Path, backend: type) -> None:
    path = tmp_path / "settings.json"
    store = TokenStore(backend(), username=SERVE_KEY_USERNAME)

    def update(change):  # type: ignore[no-untyped-def]
        changed = change(load_settings(path))
        save_settings(changed, path)
        return changed

    serving = ServeSettings(lambda: load_settings(path), update, key_store=store)
    serving.save(ServeSetup(host="0.0.0.0", api_key="secret-1"))
    assert not serving.key_kept_in_keyring
    assert serving.setup().api_key == "secret-1"
    assert "secret-1" not in path.read_text(encoding="utf-8")


def test_damaged_serve_values_fall_back_one_by_one() -> None:
    defaults = Settings()
    damaged = Settings.from_dict({
        "serve_host": 12, "serve_port": "8080", "serve_cors_origins": "https://a.example",
        "serve_save_history": True,
    })
    assert damaged.serve_host == defaults.serve_host
    assert damaged.serve_port == defaults.serve_port
    assert damaged.serve_cors_origins == ()
    assert damaged.serve_save_history is True
    for port in (True, -1, 65536, 80.5):
        assert Settings.from_dict({"serve_port": port}).serve_port == 8080
    assert Settings.from_dict({"serve_port": 0}).serve_port == 0
    kept = Settings.from_dict({"serve_cors_origins": ["https://a.example", 3, " "]})
    assert kept.serve_cors_origins == ("https://a.example",)
    assert Settings.from_dict(Settings(serve_host="::", serve_port=1).to_dict()).serve_host == "::"


def test_origins_are_read_one_per_line_or_comma_separated() -> None:
    text = "https://a.example/\nhttp://localhost:5173, https://a.example  https://b.example"
    assert parse_origins(text) == (
        "https://a.example", "http://localhost:5173", "https://b.example"
    )
    assert parse_origins(" \n ") == ()
    assert parse_origins("*") == ("*",)
    for wrong in ("https://a.example/app", "a.example", "ftp://a.example"):
        with pytest.raises(DesktopLLMError, match="is not a web origin"):
            parse_origins(wrong)


def test_generated_keys_are_long_random_and_fit_a_header() -> None:
    keys = {new_api_key() for _ in range(20)}
    assert len(keys) == 20
    for key in keys:
        assert len(key) >= 40 and ServeSetup(host="0.0.0.0", api_key=key).problem() is None


def test_the_reachable_address_of_every_address_is_this_machines() -> None:
    assert reachable_url("127.0.0.1", 8080) == "http://127.0.0.1:8080/v1"
    assert reachable_url("::1", 81) == "http://[::1]:81/v1"
    url = reachable_url("0.0.0.0", 8080)
    assert url.startswith("http://") and url.endswith(":8080/v1")
    assert "0.0.0.0" not in url
