"""The token lives in the keyring (or in memory when there is none), never in files or logs."""

from __future__ import annotations

import logging
from pathlib import Path

import keyring.backend
import keyring.errors
import pytest
from keyring.backends import fail, null
from keyrings.alt.file import PlaintextKeyring

from desktop_llm.hub import HubClient, HubConfig, TokenStore
from desktop_llm.hub.token_store import SERVICE, USERNAME
from desktop_llm.logging_setup import configure_logging
from desktop_llm.paths import AppPaths
from desktop_llm.settings import Settings, save_settings
from tests.fake_hub import FakeHub, Fault
from tests.hub.conftest import TEST_TIMEOUT
from tests.hub.sample_repos import GATED, GATED_FILE

TOKEN = "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"


class LockedKeyring(keyring.backend.KeyringBackend):
    """A backend that exists but refuses every call, like a locked Secret Service."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError("locked")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.PasswordDeleteError("locked")


def test_round_trip_through_the_keyring(isolated_keyring: PlaintextKeyring) -> None:
    store = TokenStore()
    assert store.get() is None
    store.set(f"  {TOKEN}\n")  # pasted with stray whitespace
    assert store.get() == TOKEN
    assert store.persistent
    # Stored under the app's own service name, where a new session finds it.
    assert isolated_keyring.get_password(SERVICE, USERNAME) == TOKEN
    assert TokenStore().get() == TOKEN
    store.delete()
    assert store.get() is None
    assert TokenStore().get() is None


def test_deleting_when_there_is_no_token_is_fine() -> None:
    store = TokenStore()
    store.delete()
    assert store.get() is None


def test_setting_an_empty_token_deletes_it() -> None:
    store = TokenStore()
    store.set(TOKEN)
    store.set("   ")
    assert store.get() is None
    assert TokenStore().get() is None


def test_an_explicit_backend_is_used(tmp_path: Path, isolated_keyring: PlaintextKeyring) -> None:
    other = PlaintextKeyring()
    other.file_path = str(tmp_path / "other" / "keyring.cfg")
    TokenStore(other).set(TOKEN)
    assert other.get_password(SERVICE, USERNAME) == TOKEN
    assert isolated_keyring.get_password(SERVICE, USERNAME) is None


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()], ids=["fail", "null"])
def test_without_a_keyring_the_token_lasts_the_session_and_says_so(
    backend: keyring.backend.KeyringBackend, caplog: pytest.LogCaptureFixture
) -> None:
    store = TokenStore(backend)
    with caplog.at_level(logging.WARNING):
        store.set(TOKEN)
    assert store.get() == TOKEN
    assert not store.persistent
    assert "only until the app quits" in store.location
    assert "kept in memory" in caplog.text
    assert TokenStore(backend).get() is None  # the next session starts without it
    store.delete()
    assert store.get() is None


def test_a_keyring_that_fails_on_use_falls_back_to_memory(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = TokenStore(LockedKeyring())
    assert store.persistent  # nothing known yet against it
    with caplog.at_level(logging.WARNING):
        store.set(TOKEN)
    assert store.get() == TOKEN
    assert not store.persistent
    assert "PasswordSetError" in caplog.text
    assert TOKEN not in caplog.text


def test_the_token_appears_in_no_log_or_settings_file(
    paths: AppPaths, fake_hub: FakeHub, isolated_keyring: PlaintextKeyring
) -> None:
    """Use the token for everything the hub package does, logging at DEBUG, then grep."""
    fake_hub.token = TOKEN
    configure_logging(paths.logs_dir, level=logging.DEBUG)
    store = TokenStore()
    store.set(TOKEN)
    save_settings(Settings(), paths.settings_file)
    config = HubConfig(fake_hub.url, token=store.get(), timeout=TEST_TIMEOUT)
    logging.getLogger("test").debug("hub config: %r", config)
    client = HubClient(config)
    client.search("")
    client.repo_files(GATED)
    client.remote_header(GATED, GATED_FILE)
    fake_hub.inject(GATED, GATED_FILE, Fault(status=403))
    with pytest.raises(Exception) as refused:
        client.remote_header(GATED, GATED_FILE)
    logging.getLogger("test").exception("download refused", exc_info=refused.value)
    bad = HubClient(HubConfig(fake_hub.url, token=TOKEN + "x", timeout=TEST_TIMEOUT))
    with pytest.raises(Exception) as wrong:
        bad.search("")
    logging.getLogger("test").exception("search refused", exc_info=wrong.value)
    store.delete()

    for handler in logging.getLogger().handlers:
        handler.flush()
    written = [p for p in Path(paths.data_dir).rglob("*") if p.is_file()]
    assert paths.settings_file in written
    assert any(p.parent == paths.logs_dir and p.stat().st_size > 0 for p in written)
    for path in written:
        assert TOKEN not in path.read_text(encoding="utf-8", errors="replace"), path
    # Only the keyring ever held it.
    assert Path(isolated_keyring.file_path).is_file()
    assert TOKEN not in repr(config)


@pytest.fixture(autouse=True)
def _remove_log_handlers() -> object:
    """configure_logging adds a file handler to the root logger: take it away afterwards."""
    before = list(logging.getLogger().handlers)
    level = logging.getLogger().level
    yield
    for handler in logging.getLogger().handlers:
        if handler not in before:
            logging.getLogger().removeHandler(handler)
            handler.close()
    logging.getLogger().setLevel(level)
