"""Hub tests run the real huggingface_hub client against a FakeHub on 127.0.0.1, never the internet.

huggingface_hub reads its ``HF_*`` variables when it is first imported, so they are set here,
at import time: pytest imports this file before the test modules below it, and the top-level
tests/conftest.py does not import huggingface_hub.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

# The fake Hub has no Xet storage, telemetry goes nowhere, and a developer's shell settings
# (an offline switch, a mirror, a personal token) must not leak into the tests.
os.environ["HF_HUB_DISABLE_XET"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
for _variable in ("HF_HUB_OFFLINE", "HF_ENDPOINT", "HF_TOKEN", "HF_HUB_DISABLE_IMPLICIT_TOKEN"):
    os.environ.pop(_variable, None)
if "huggingface_hub.constants" in sys.modules:  # imported by an earlier test module after all
    _constants = sys.modules["huggingface_hub.constants"]
    _constants.HF_HUB_DISABLE_XET = True
    _constants.HF_HUB_DISABLE_TELEMETRY = True
    _constants.HF_HUB_OFFLINE = False

import keyring  # noqa: E402
import pytest  # noqa: E402
from keyrings.alt.file import PlaintextKeyring  # noqa: E402

from desktop_llm.hub import HubClient, HubConfig  # noqa: E402
from tests.fake_hub import FakeFile, FakeHub  # noqa: E402
from tests.hub.sample_repos import SMOL_FILE, sample_repos  # noqa: E402

# Short, so that a test about an unreachable or silent Hub fails over in a second or two.
TEST_TIMEOUT = 2.0


@pytest.fixture(scope="session")
def smol_model(model_path: Path) -> FakeFile:
    """The real bundled model (98 MB), read once per session and served as an LFS file."""
    return FakeFile(SMOL_FILE, model_path.read_bytes())


@pytest.fixture
def fake_hub(smol_model: FakeFile) -> Iterator[FakeHub]:
    """A started FakeHub with the repositories of tests/hub/sample_repos.py."""
    with FakeHub(sample_repos(smol_model)) as hub:
        yield hub


@pytest.fixture
def client(fake_hub: FakeHub) -> HubClient:
    """A client without a token."""
    return HubClient(HubConfig(endpoint=fake_hub.url, timeout=TEST_TIMEOUT))


@pytest.fixture
def token_client(fake_hub: FakeHub) -> HubClient:
    """A client with the token the fake Hub accepts (it has accepted every gate)."""
    return HubClient(HubConfig(endpoint=fake_hub.url, token=fake_hub.token, timeout=TEST_TIMEOUT))


@pytest.fixture(autouse=True)
def isolated_keyring(tmp_path: Path) -> Iterator[PlaintextKeyring]:
    """A file keyring in the test's folder; the user's real keyring is never touched."""
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring" / "keyring_pass.cfg")
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
