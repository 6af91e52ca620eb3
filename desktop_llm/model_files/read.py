"""The two ways in: a local file, or the first bytes of one (a remote file's HTTP Range)."""

from __future__ import annotations

import os
from pathlib import Path

from desktop_llm.i18n import translate
from desktop_llm.model_files import limits
from desktop_llm.model_files.errors import GGUFError, NeedMoreData
from desktop_llm.model_files.header import parse_raw_header
from desktop_llm.model_files.info import GGUFInfo, build_info
from desktop_llm.model_files.validation import validate


def parse_gguf_header(
    data: bytes, *, file_size: int | None = None, name: str = "model"
) -> GGUFInfo:
    """Parse and check the header at the start of ``data``, a prefix of a GGUF file.

    Raises ``NeedMoreData`` when the header goes on past ``data`` (and, given ``file_size``,
    still fits in the file), and ``GGUFError`` for anything wrong. With ``file_size``, a file
    smaller than its tensors need is refused as truncated.
    """
    raw = parse_raw_header(data, file_size=file_size, name=name)
    layout = validate(raw, file_size=file_size, name=name)
    return build_info(raw, layout, file_size=file_size)


def read_gguf_info(path: Path) -> GGUFInfo:
    """Read and check the header of a local GGUF file, never more than its header.

    The file is read from the start in growing prefixes (4 MB first: enough for most models)
    until the header fits; the header may not exceed ``limits.MAX_HEADER_BYTES``.
    """
    name = path.name
    try:
        with path.open("rb") as stream:
            file_size = os.fstat(stream.fileno()).st_size
            wanted = min(file_size, limits.INITIAL_READ_BYTES)
            while True:
                stream.seek(0)
                data = stream.read(wanted)
                if len(data) < wanted:
                    # The file shrank while we read it: judge what is there now.
                    file_size = len(data)
                try:
                    return parse_gguf_header(data, file_size=file_size, name=name)
                except NeedMoreData as more:
                    # Knowing the file size, the parser only asks for bytes the file has, and
                    # always for more than it got, so this loop ends.
                    if more.needed <= len(data):
                        raise AssertionError(f"asked for {more.needed} bytes again") from None
                    wanted = more.needed
    except OSError as error:
        raise GGUFError(
            "unreadable", translate("ModelFiles", "The model file {name} cannot be read: {reason}.")
            .format(name=name, reason=error.strerror or error)
        ) from error
