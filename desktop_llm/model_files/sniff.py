"""Name what a file is when it is not GGUF: the usual wrong files have telltale first bytes."""

from __future__ import annotations

from desktop_llm.i18n import translatable, translate

# (first bytes, what the file is and what to do). Each is a mistake people really make: a
# saved login page instead of a gated model, a Git LFS pointer from a plain `git clone`, an
# unconverted Hugging Face or PyTorch checkpoint, a GGML file from before GGUF existed.
_WEB_PAGE = translatable(
    "ModelFiles", "it is a web page; the download probably saved an error or login page"
)
_GGML = translatable(
    "ModelFiles", "it is an old GGML file from before GGUF (2023); convert it to GGUF first"
)
_PREFIXES: tuple[tuple[bytes, str], ...] = (
    (b"version https://git-lfs",
     translatable("ModelFiles", "it is a Git LFS pointer, not the model itself")),
    (b"<!DOCTYPE", _WEB_PAGE),
    (b"<!doctype", _WEB_PAGE),
    (b"<html", _WEB_PAGE),
    (b"PK\x03\x04", translatable(
        "ModelFiles", "it is a ZIP archive, perhaps a PyTorch checkpoint; convert it to GGUF first"
    )),
    (b"lmgg", _GGML),
    (b"fmgg", _GGML),
    (b"tjgg", _GGML),
    (b"{", translatable("ModelFiles", "it is a JSON file")),
)
_SAFETENSORS_HINT = translatable("ModelFiles", "it is a safetensors file; convert it to GGUF first")
_ZEROS_HINT = translatable(
    "ModelFiles", "it starts with zero bytes, as an unfinished download does"
)


def describe_non_gguf(data: bytes) -> str:
    """A clause to append to the "not a GGUF file" message, or "" when nothing is recognised."""
    for prefix, hint in _PREFIXES:
        if data.startswith(prefix):
            return ": " + translate("ModelFiles", hint)
    # safetensors: an 8-byte little-endian header length, then the JSON header itself.
    if len(data) > 9 and data[8:10] == b'{"':
        return ": " + translate("ModelFiles", _SAFETENSORS_HINT)
    if len(data) >= 16 and not any(data[:16]):
        return ": " + translate("ModelFiles", _ZEROS_HINT)
    return ""
