"""``desktop-llm remotes`` and remote models in ``models list`` and ``chat``, run for real in
a subprocess against a real server; API keys go to a file keyring in the test's folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from keyrings.alt.file import PlaintextKeyring

from tests.remote.conftest import API_KEY, MODEL_ALIAS, LlamaServer

RUN_TIMEOUT = 180


@pytest.fixture
def cli_env(isolated_home: Path, model_path: Path, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DESKTOP_LLM_HOME": str(isolated_home),
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
        "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
    }


def saved_key(tmp_path: Path) -> str | None:
    """The key of the remote gpu in the file keyring the commands used."""
    files = list((tmp_path / "xdg-data").rglob("keyring_pass.cfg"))
    assert len(files) == 1
    backend = PlaintextKeyring()
    backend.file_path = str(files[0])
    return backend.get_password("desktop-llm", "remote:gpu")


def run(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop_llm", *args], input=stdin, capture_output=True,
        text=True, env=env, timeout=RUN_TIMEOUT, check=False,
    )


def run_json(env: dict[str, str], *args: str, stdin: str = "") -> Any:
    done = run(env, *args, "--json", stdin=stdin)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_add_list_chat_and_remove_a_remote(
    cli_env: dict[str, str], keyed_server: LlamaServer, tmp_path: Path
) -> None:
    added = run(cli_env, "remotes", "add", "gpu", keyed_server.url, "--api-key-stdin",
                stdin=API_KEY + "\n")
    assert added.returncode == 0, added.stderr
    assert f"Its models: {MODEL_ALIAS}" in added.stdout
    assert API_KEY not in added.stdout + added.stderr
    # The key is in the keyring, not in the settings.
    settings = (Path(cli_env["DESKTOP_LLM_HOME"])).rglob("settings.json")
    assert all(API_KEY not in path.read_text() for path in settings)
    assert saved_key(tmp_path) == API_KEY

    assert run_json(cli_env, "remotes", "list") == [{
        "name": "gpu", "base_url": keyed_server.url, "api_key_saved": True,
        "models": [MODEL_ALIAS], "error": None,
    }]
    models = run_json(cli_env, "models", "list")
    engines = {model["name"]: model["engine"] for model in models}
    assert engines[f"gpu/{MODEL_ALIAS}"] == "remote"
    assert "local" in engines.values()
    remote = next(m for m in models if m["engine"] == "remote")
    assert remote["base_url"] == keyed_server.url and remote["model_id"] == MODEL_ALIAS

    reply = run_json(cli_env, "chat", "--model", f"gpu/{MODEL_ALIAS}", "--max-tokens", "8",
                     "--temperature", "0", "Say hello.")
    assert reply["finish_reason"] in ("stop", "length"), reply["error"]
    assert reply["model"] == f"gpu/{MODEL_ALIAS}"
    assert reply["reply"] and 0 < reply["completion_tokens"] <= 8
    assert reply["tokens_per_second"] and reply["time_to_first_token"]

    removed = run(cli_env, "remotes", "remove", "gpu")
    assert removed.returncode == 0, removed.stderr
    assert run_json(cli_env, "remotes", "list") == []
    assert saved_key(tmp_path) is None


def test_a_wrong_key_and_an_unknown_model_are_sentences(
    cli_env: dict[str, str], keyed_server: LlamaServer
) -> None:
    added = run(cli_env, "remotes", "add", "gpu", keyed_server.url, "--api-key-stdin",
                stdin="sk-wrong\n")
    assert added.returncode == 0  # saved all the same: the key can be given again
    assert "refused the API key" in added.stderr
    chat = run(cli_env, "chat", "--model", f"gpu/{MODEL_ALIAS}", "Hi")
    assert chat.returncode == 1
    assert chat.stderr.startswith("desktop-llm: The server at ") and "refused the API key" in (
        chat.stderr
    )
    assert "Traceback" not in chat.stderr
    run(cli_env, "remotes", "add", "gpu", keyed_server.url, "--api-key-stdin",
        stdin=API_KEY + "\n")
    unknown = run(cli_env, "chat", "--model", "gpu/nope", "Hi")
    assert unknown.returncode == 1
    assert f"has no model 'nope'. It offers: {MODEL_ALIAS}" in unknown.stderr


def test_an_unreachable_remote_leaves_the_local_models_listed(
    cli_env: dict[str, str], unused_url: str
) -> None:
    added = run(cli_env, "remotes", "add", "down", unused_url)
    assert added.returncode == 0
    assert "could not be reached" in added.stderr
    listing = run(cli_env, "models", "list", "--json")
    assert listing.returncode == 0
    assert [m["engine"] for m in json.loads(listing.stdout)] == ["local"]
    assert "down: The server at" in listing.stderr and "could not be reached" in listing.stderr
    chat = run(cli_env, "chat", "--model", "down/any", "Hi")
    assert chat.returncode == 1 and "could not be reached" in chat.stderr


def test_a_remote_name_with_a_slash_is_refused(cli_env: dict[str, str]) -> None:
    done = run(cli_env, "remotes", "add", "a/b", "http://127.0.0.1:1/v1")
    assert done.returncode == 1
    assert "cannot name a remote server" in done.stderr
