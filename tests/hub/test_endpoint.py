"""The endpoint setting: normalised, passed explicitly, and Xet switched off for mirrors in time."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from desktop_llm import settings
from desktop_llm.hub import DEFAULT_ENDPOINT, HubConfig, conventions
from tests.fake_hub import FakeHub
from tests.hub.sample_repos import SMOL, SMOL_FILE


def test_the_default_endpoint_is_the_hub() -> None:
    config = HubConfig()
    assert config.endpoint == DEFAULT_ENDPOINT == "https://huggingface.co"
    assert not config.is_mirror


def test_settings_default_to_the_same_hub() -> None:
    # One constant: a new Settings() is not "a mirror" because of a second, diverging copy.
    assert settings.DEFAULT_HUB_ENDPOINT is DEFAULT_ENDPOINT
    chosen = conventions.hub_endpoint(settings.Settings().hub_endpoint, environ={})
    assert not HubConfig(endpoint=chosen.value or "").is_mirror


def test_a_mirror_endpoint_is_normalised() -> None:
    config = HubConfig(" https://hf-mirror.com/ ", token="  ")
    assert config.endpoint == "https://hf-mirror.com"
    assert config.is_mirror
    assert config.token is None  # an empty token field means no token


def test_an_endpoint_must_be_a_web_address() -> None:
    with pytest.raises(ValueError):
        HubConfig("hf-mirror.com")


def test_the_token_is_not_in_the_configs_repr() -> None:
    assert "hf_secret" not in repr(HubConfig(token="hf_secret"))


def _run(code: str, env: dict[str, str]) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**clean, **env},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_mirror_switches_xet_off_before_huggingface_hub_is_imported() -> None:
    out = _run(
        """
        import sys
        import desktop_llm.hub as hub
        assert "huggingface_hub" not in sys.modules  # importing our package does not load it
        hub.HubClient(hub.HubConfig("https://hf-mirror.com"))
        import huggingface_hub.constants as constants
        print(constants.HF_HUB_DISABLE_XET, constants.HF_HUB_DISABLE_TELEMETRY)
        """,
        {},
    )
    assert out == "True True"


def test_a_mirror_chosen_after_huggingface_hub_was_imported_still_switches_xet_off() -> None:
    out = _run(
        """
        import huggingface_hub.constants as constants
        assert not constants.HF_HUB_DISABLE_XET
        import desktop_llm.hub as hub
        hub.HubClient(hub.HubConfig("https://hf-mirror.com"))
        from huggingface_hub.utils._runtime import is_xet_available
        print(constants.HF_HUB_DISABLE_XET, is_xet_available())
        """,
        {},
    )
    assert out == "True False"


def test_the_official_hub_keeps_xet() -> None:
    out = _run(
        """
        import desktop_llm.hub as hub
        hub.HubClient(hub.HubConfig())
        import huggingface_hub.constants as constants
        print(constants.HF_HUB_DISABLE_XET)
        """,
        {},
    )
    assert out == "False"


def test_hf_endpoint_in_the_environment_does_not_redirect_our_requests(fake_hub: FakeHub) -> None:
    # huggingface_hub reads HF_ENDPOINT at import; our calls name the endpoint every time.
    out = _run(
        f"""
        import desktop_llm.hub as hub
        client = hub.HubClient(hub.HubConfig({fake_hub.url!r}, timeout=5))
        print(client.file_url("a/b", "dir/x y.gguf", "refs/pr/1"))
        print([r.repo_id for r in client.search("smol")])
        print(client.repo_files({SMOL!r}).files[0].name)
        """,
        {"HF_ENDPOINT": "http://127.0.0.1:9", "HF_HUB_DISABLE_XET": "1"},
    )
    assert out.splitlines() == [
        f"{fake_hub.url}/a/b/resolve/refs%2Fpr%2F1/dir/x%20y.gguf",
        f"[{SMOL!r}]",
        SMOL_FILE,
    ]
