"""Data files shipped inside the package, found the same way from a source checkout, a wheel
and the PyInstaller bundle (which keeps them under ``desktop_llm/resources``).

Runtime files live here; their sources and the platform files stay in the repository's
top-level ``resources/`` folder (the icon's SVG, .ico, .icns, the Linux .desktop entry, the
translations' .ts files):

- ``icons/desktop-llm-SIZE.png``: the application icon, made from ``resources/icons`` by
  ``packaging/make_icons.py``;
- ``licenses/``: the texts of the licenses of the parts the app ships with (About dialog);
- ``evaluation/``, ``schemas/``: the perplexity text and the export's JSON Schema.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

RESOURCES_DIR = Path(__file__).parent
# The text perplexity is measured on unless the user names another (see evaluation/README.md).
EVALUATION_TEXT = RESOURCES_DIR / "evaluation" / "alice-ch1.txt"
APP_ICON_NAME = "desktop-llm"
APP_ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)


def resource_path(*parts: str) -> Path:
    """A runtime file (or folder) of the app, whether or not it exists."""
    return Path(str(resources.files(__name__).joinpath(*parts)))


def app_icon_files() -> list[Path]:
    """The application icon's PNG files, smallest first (those present)."""
    candidates = (
        resource_path("icons", f"{APP_ICON_NAME}-{size}.png") for size in APP_ICON_SIZES
    )
    return [path for path in candidates if path.is_file()]
