"""HF_ENDPOINT, HF_TOKEN, `hf auth login`'s token file and HF_HUB_OFFLINE, as every Hugging Face
tool honours them; the settings still win where the user chose something."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_llm.hub import DEFAULT_ENDPOINT, conventions
from desktop_llm.settings import Settings
from tests.fake_hub import FakeHub
from tests.hub.sample_repos import GATED, GATED_FILE, SMOL
from tests.test_cli import _env, assert_one_line_failure, run_cli, run_json

DEAD_ENDPOINT = "http://127.0.0.1:9"  # the discard port: nothing answers there


def test_the_endpoint_comes_from_the_settings_then_hf_endpoint_then_the_hub() -> None:
    mirror = {"HF_ENDPOINT": " https://hf-mirror.com "}
    assert conventions.hub_endpoint("http://mine.test", mirror) == conventions.Sourced(
        "http://mine.test", conventions.FROM_SETTINGS
    )
    assert conventions.hub_endpoint(None, mirror) == conventions.Sourced(
        "https://hf-mirror.com", conventions.FROM_HF_ENDPOINT
    )
    assert conventions.hub_endpoint("  ", {}) == conventions.Sourced(
        DEFAULT_ENDPOINT, conventions.FROM_DEFAULT
    )


def test_the_token_comes_from_the_keyring_then_hf_token_then_hf_auth_login(
    tmp_path: Path,
) -> None:
    hf_home = tmp_path / "hf"
    hf_home.mkdir()
    (hf_home / "token").write_text("hf_from_login\n", encoding="utf-8")
    everything = {"HF_TOKEN": "hf_from_variable", "HF_HOME": str(hf_home)}
    assert conventions.hub_token("hf_saved", everything).source == conventions.FROM_KEYRING
    assert conventions.hub_token(None, everything) == conventions.Sourced(
        "hf_from_variable", conventions.FROM_HF_TOKEN
    )
    assert conventions.hub_token(None, {"HF_HOME": str(hf_home)}) == conventions.Sourced(
        "hf_from_login", conventions.FROM_TOKEN_FILE
    )
    # HF_TOKEN_PATH names the file itself; XDG_CACHE_HOME moves HF_HOME's default.
    elsewhere = tmp_path / "elsewhere-token"
    elsewhere.write_text("hf_other", encoding="utf-8")
    assert conventions.hub_token(None, {"HF_TOKEN_PATH": str(elsewhere)}).value == "hf_other"
    assert conventions.token_file({"XDG_CACHE_HOME": str(tmp_path)}) == (
        tmp_path / "huggingface" / "token"
    )
    assert conventions.hub_token(None, {"HF_HOME": str(tmp_path / "none")}) == (
        conventions.Sourced(None, conventions.NOWHERE)
    )


@pytest.mark.parametrize(("value", "offline"), [
    ("1", True), ("true", True), ("ON", True), ("yes", True), ("0", False), ("", False),
])
def test_hf_hub_offline_reads_like_huggingface_hub(value: str, offline: bool) -> None:
    assert conventions.hub_offline({"HF_HUB_OFFLINE": value}) is offline


def test_settings_saved_by_older_versions_do_not_shadow_hf_endpoint() -> None:
    # Older versions wrote the Hub's address even when nobody chose it.
    assert Settings.from_dict({"hub_endpoint": DEFAULT_ENDPOINT + "/"}).hub_endpoint is None
    assert Settings.from_dict({"hub_endpoint": "https://hf-mirror.com"}).hub_endpoint == (
        "https://hf-mirror.com"
    )
    assert Settings().hub_endpoint is None


def _run_with(home: Path, env: dict[str, str], *args: str) -> object:
    import subprocess

    from tests.test_cli import PYTHON_M, RUN_TIMEOUT

    return subprocess.run(
        [*PYTHON_M, *args], env={**_env(home), **env}, capture_output=True, text=True,
        encoding="utf-8", timeout=RUN_TIMEOUT, check=False, stdin=subprocess.DEVNULL,
    )


def test_hf_endpoint_reaches_a_mirror_when_the_settings_choose_none(
    isolated_home: Path, fake_hub: FakeHub
) -> None:
    # The bug as a new user met it: HF_ENDPOINT set, and search still went to huggingface.co.
    done = _run_with(isolated_home, {"HF_ENDPOINT": fake_hub.url}, "models", "search",
                     "SmolLM2", "--json")
    assert done.returncode == 0, done.stderr
    assert [repo["repo"] for repo in json.loads(done.stdout)] == [SMOL]
    assert any(r.path.startswith("/api/models") for r in fake_hub.requests)
    info = _run_with(isolated_home, {"HF_ENDPOINT": fake_hub.url}, "info", "--json")
    hub = json.loads(info.stdout)["hub"]
    assert hub == {"endpoint": fake_hub.url, "endpoint_source": "HF_ENDPOINT",
                   "token_source": "none", "offline": False}


def test_an_endpoint_chosen_in_the_settings_wins_over_hf_endpoint(
    isolated_home: Path, fake_hub: FakeHub
) -> None:
    config = isolated_home / "config"
    config.mkdir(parents=True)
    (config / "settings.json").write_text(json.dumps({"hub_endpoint": fake_hub.url}))
    done = _run_with(isolated_home, {"HF_ENDPOINT": DEAD_ENDPOINT}, "models", "search",
                     "SmolLM2", "--json")
    assert done.returncode == 0, done.stderr
    assert [repo["repo"] for repo in json.loads(done.stdout)] == [SMOL]


def test_hf_token_and_the_login_file_open_gated_repositories(
    isolated_home: Path, fake_hub: FakeHub, tmp_path: Path
) -> None:
    base = {"HF_ENDPOINT": fake_hub.url}
    refused = _run_with(isolated_home, base, "models", "download", GATED, GATED_FILE)
    assert "token" in assert_one_line_failure(refused).lower()  # type: ignore[arg-type]

    hf_home = tmp_path / "hf-home"
    hf_home.mkdir()
    (hf_home / "token").write_text(fake_hub.token, encoding="utf-8")
    by_login = _run_with(isolated_home, {**base, "HF_HOME": str(hf_home)}, "models",
                         "download", GATED, GATED_FILE)
    assert by_login.returncode == 0, by_login.stderr
    sent = [r.authorization for r in fake_hub.file_requests(GATED, GATED_FILE)]
    assert f"Bearer {fake_hub.token}" in sent

    by_variable = _run_with(isolated_home, {**base, "HF_TOKEN": fake_hub.token}, "info", "--json")
    assert json.loads(by_variable.stdout)["hub"]["token_source"] == "HF_TOKEN"


def test_hf_hub_offline_keeps_every_command_off_the_network(
    isolated_home: Path, fake_hub: FakeHub
) -> None:
    offline = {"HF_ENDPOINT": fake_hub.url, "HF_HUB_OFFLINE": "1"}
    for command in (("models", "search", "SmolLM2"), ("models", "files", SMOL),
                    ("models", "download", SMOL, "x.gguf")):
        line = assert_one_line_failure(_run_with(isolated_home, offline, *command))
        assert "HF_HUB_OFFLINE" in line
    assert fake_hub.requests == []
    # Local models still work.
    listed = run_json(isolated_home, "models", "list")
    assert isinstance(listed, list)
    assert run_cli(isolated_home, "info").returncode == 0
