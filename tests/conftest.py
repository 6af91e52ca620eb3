"""Test-wide set-up: offscreen Qt, a private data folder per test, the real default model."""

from __future__ import annotations

import importlib.util
import os
import tempfile
from pathlib import Path

# Before anything imports Qt: no screen here, and Qt's own files stay out of the real profile.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
_QT_PROFILE = tempfile.mkdtemp(prefix="desktop-llm-tests-")
for variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
    os.environ[variable] = os.path.join(_QT_PROFILE, variable.lower())
# The app honours the Hugging Face variables (a mirror, a token, offline, `hf auth login`'s
# token file under HF_HOME): a developer's own must not reach the tests. Tests that check them
# set them themselves.
for variable in ("HF_ENDPOINT", "HF_TOKEN", "HF_TOKEN_PATH", "HF_HOME", "HF_HUB_OFFLINE"):
    os.environ.pop(variable, None)


def _share_a_chinese_font() -> None:
    """A Chinese font for every test process and its children, from the test extra: the PDF
    tests need one and a fresh machine may have none. Put where fontconfig looks for a user's
    fonts ($XDG_DATA_HOME/fonts, a temporary folder here), so Qt finds it like an installed
    one, in this process and in the command lines the tests start."""
    spec = importlib.util.find_spec("cvttf_NotoSansCJK_Regular")
    if spec is None or not spec.submodule_search_locations:
        return  # not installed: the PDF tests then say which font to install
    fonts = Path(os.environ["XDG_DATA_HOME"]) / "fonts"
    fonts.mkdir(parents=True, exist_ok=True)
    for font in Path(next(iter(spec.submodule_search_locations))).glob("*.otf"):
        (fonts / font.name).symlink_to(font)


_share_a_chinese_font()

import pytest  # noqa: E402

from desktop_llm.bundled_model import DEFAULT_MODEL, default_model_path  # noqa: E402
from desktop_llm.paths import AppPaths, app_paths  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own DESKTOP_LLM_HOME: nothing touches the user's real data."""
    home = tmp_path / "home"
    monkeypatch.setenv("DESKTOP_LLM_HOME", str(home))
    return home


@pytest.fixture
def paths(isolated_home: Path) -> AppPaths:
    return app_paths().ensure()


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The bundled default model, put in models/ by `make test`."""
    path = default_model_path()
    if not path.is_file() or path.stat().st_size != DEFAULT_MODEL.size_bytes:
        pytest.fail(f"{path} is missing or incomplete: run `make test`, which fetches it")
    return path


@pytest.fixture(scope="session")
def safe_mode_needed(model_path: Path) -> bool:
    """Whether this machine's CPU crashes llama.cpp's optimized kernels (AMX machines do).

    Found the way the app finds it: a load whose warm-up decode crashes is retried in safe
    mode. Tests that count the engine's crashes start their engine in the mode this machine
    needs, so a real crash does not add to the ones they cause on purpose.
    """
    from desktop_llm.engine.client import EngineProcess
    from desktop_llm.engine.types import LoadSettings

    engine = EngineProcess()
    try:
        return engine.load(model_path, LoadSettings(n_ctx=512)).result(timeout=300).safe_mode
    finally:
        engine.shutdown()
