"""The parts desktop-llm ships with and their licenses, for the About dialog and the bundle.

The libraries are desktop-llm's own requirements and theirs, followed through the installed
metadata (``importlib.metadata``), extras and markers for other systems left out: exactly what
``pip install desktop-llm`` brings and what the PyInstaller bundle holds (the spec copies the
same distributions' metadata, license files included). Parts that are not Python packages
(llama.cpp inside llama-cpp-python, Qt inside PySide6, the default model) come first, with the
license texts kept in ``desktop_llm/resources/licenses``.
"""

from __future__ import annotations

import platform
import re
import sys
import sysconfig
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from desktop_llm import __version__
from desktop_llm.bundled_model import DEFAULT_MODEL
from desktop_llm.resources import resource_path

APP_DISTRIBUTION = "desktop-llm"
# The files a distribution's metadata folder holds its license in (PEP 639 puts them under
# licenses/; older wheels beside METADATA).
_LICENSE_FILE = re.compile(r"^(LICEN[CS]E|COPYING|NOTICE|COPYRIGHT|AUTHORS)", re.IGNORECASE)
_MAX_LICENSE_FIELD = 80  # a longer License field is the whole text pasted in, not a name
# Python's own license: the bundle copies it here (packaging/desktop-llm.spec); a source
# checkout reads the running interpreter's.
PYTHON_LICENSE_FILE = "Python-LICENSE.txt"


@dataclass(frozen=True)
class LicenseText:
    title: str
    text: str


@dataclass(frozen=True)
class Component:
    """One part of the app as the About dialog lists it."""

    name: str
    version: str
    license: str
    texts: tuple[LicenseText, ...]
    note: str = ""


def _shipped_text(file_name: str, title: str) -> LicenseText:
    path = resource_path("licenses", file_name)
    return LicenseText(title, path.read_text(encoding="utf-8"))


def _version_of(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_distributions(root: str = APP_DISTRIBUTION) -> list[metadata.Distribution]:
    """``root`` and everything it requires on this system, without extras, by name."""
    from packaging.requirements import Requirement

    found: dict[str, metadata.Distribution] = {}
    waiting = [root]
    while waiting:
        name = _canonical(waiting.pop())
        if name in found:
            continue
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # an optional dependency this system does not have
        found[name] = distribution
        for line in distribution.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                waiting.append(requirement.name)
    return sorted(found.values(), key=lambda d: _canonical(d.metadata["Name"]))


def license_name(distribution: metadata.Distribution) -> str:
    """The SPDX expression, else the License field, else the classifiers' names."""
    fields = distribution.metadata
    expression = fields.get("License-Expression")
    if expression:
        return str(expression)
    declared = (fields.get("License") or "").strip()
    if declared and len(declared) <= _MAX_LICENSE_FIELD and "\n" not in declared:
        return declared
    classifiers = [
        value.rsplit(" :: ", 1)[-1]
        for value in fields.get_all("Classifier") or []
        if value.startswith("License ::") and value.count("::") >= 2
    ]
    return ", ".join(classifiers) or "see its license text"


def license_texts(distribution: metadata.Distribution) -> tuple[LicenseText, ...]:
    """The license files in the distribution's metadata folder, else the texts we ship of the
    licenses it names (PySide6's wheels carry none)."""
    texts = []
    for file in distribution.files or []:
        if not file.parts or not file.parts[0].endswith(".dist-info"):
            continue
        if not _LICENSE_FILE.match(file.name):
            continue
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        texts.append(LicenseText("/".join(file.parts[1:]), text))
    if texts:
        return tuple(texts)
    named = license_name(distribution)
    if "LGPL-3.0" in named:
        return _lgpl_texts()
    if "Apache-2.0" in named or "Apache 2.0" in named:
        return (_apache_text(),)
    return ()


def _apache_text() -> LicenseText:
    return _shipped_text("Apache-2.0.txt", "Apache License 2.0")


def _lgpl_texts() -> tuple[LicenseText, ...]:
    return (
        _shipped_text("LGPL-3.0.txt", "GNU Lesser General Public License 3"),
        _shipped_text("GPL-3.0.txt", "GNU General Public License 3"),
    )


def python_license() -> tuple[LicenseText, ...]:
    candidates = [
        resource_path("licenses", PYTHON_LICENSE_FILE),
        Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt",
    ]
    for path in candidates:
        if path.is_file():
            return (LicenseText("LICENSE.txt", path.read_text(encoding="utf-8")),)
    return ()


def components() -> list[Component]:
    """Everything the app is made of, the parts people ask about first."""
    apache = _apache_text()
    pyside = _version_of("PySide6-Essentials") or _version_of("PySide6")
    parts = [
        Component("desktop-llm", __version__, "Apache-2.0", (apache,)),
        Component(
            "Python", platform.python_version(), "PSF-2.0", python_license(),
            note=f"The interpreter the app runs in ({sys.implementation.name}).",
        ),
        Component(
            "llama.cpp", "", "MIT", (_shipped_text("llama.cpp-MIT.txt", "MIT License"),),
            note="The inference engine, built into llama-cpp-python "
            f"{_version_of('llama-cpp-python')}.",
        ),
        Component(
            "Qt", pyside, "LGPL-3.0-only", _lgpl_texts(),
            note="The window's toolkit, through PySide6 (LGPL-3.0-only as well). Its libraries "
            "are shipped unmodified as separate files and may be replaced.",
        ),
        Component(
            DEFAULT_MODEL.name, "", DEFAULT_MODEL.license, (apache,),
            note="The default model, by Hugging Face (HuggingFaceTB/SmolLM2-135M-Instruct).",
        ),
    ]
    for distribution in runtime_distributions():
        name = distribution.metadata["Name"]
        if _canonical(name) == APP_DISTRIBUTION:
            continue
        parts.append(
            Component(name, distribution.version, license_name(distribution),
                      license_texts(distribution))
        )
    return parts
