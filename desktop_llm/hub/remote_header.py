"""Read the start of a GGUF file on the Hub with HTTP Range requests, just enough for its header.

A GGUF header (architecture, context length, vocabulary, tensor list) sits at the start of the
file and is usually a few MB, while the file can be tens of GB. So we ask for the first 2 MB
and let the header parser say how much it needs in total (``NeedMoreData.needed``), then fetch
only the missing bytes, as often as it asks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TypeVar

from desktop_llm.errors import HubError
from desktop_llm.i18n import translate
from desktop_llm.model_files import GGUFInfo, NeedMoreData, parse_gguf_header
from desktop_llm.model_files.limits import MAX_HEADER_BYTES

INITIAL_HEADER_BYTES = 2 * 1024 * 1024
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")

T = TypeVar("T")
# fetch(start, end) -> (bytes start..end inclusive, fewer at the end of the file; file size)
RangeFetcher = Callable[[int, int], tuple[bytes, int]]
# parse(prefix, file_size, name) -> result, or NeedMoreData(total bytes needed)
HeaderParser = Callable[[bytes, int, str], T]


def parse_gguf_prefix(data: bytes, file_size: int, name: str) -> GGUFInfo:
    return parse_gguf_header(data, file_size=file_size, name=name)


def read_header(
    fetch: RangeFetcher,
    name: str,
    parse: HeaderParser[T],
    *,
    initial: int = INITIAL_HEADER_BYTES,
    limit: int = MAX_HEADER_BYTES,
) -> tuple[bytes, T]:
    """The shortest prefix (from ``initial`` bytes up) that ``parse`` accepts, and its result.

    The parser's own errors (not a GGUF file, damaged header) pass through unchanged.
    """
    data, file_size = fetch(0, initial - 1)
    while True:
        try:
            return data, parse(data, file_size, name)
        except NeedMoreData as more:
            needed = min(more.needed, file_size)
        if needed <= len(data):
            # The parser wants bytes the file does not have: it would loop forever.
            raise HubError(translate(
                "Hub", "The header of {name} on the Hub is cut short: it can't be read."
            ).format(name=name))
        if needed > limit:
            raise HubError(translate(
                "Hub", "The header of {name} is too large to be a GGUF model's header."
            ).format(name=name))
        more_data, _ = fetch(len(data), needed - 1)
        if not more_data:
            raise HubError(translate(
                "Hub", "The Hub stopped sending {name} before its header was complete."
            ).format(name=name))
        data += more_data


def fetch_range(
    url: str, headers: Mapping[str, str], start: int, end: int, timeout: float
) -> tuple[bytes, int]:
    """Bytes ``start..end`` (inclusive) of the file at ``url``, and the file's full size.

    huggingface_hub exceptions pass through, for the caller to translate.
    """
    from huggingface_hub.utils import get_session, hf_raise_for_status

    wanted = end - start + 1
    request_headers = {
        **headers,
        "Range": f"bytes={start}-{end}",
        # A compressed answer would make the byte counts meaningless.
        "Accept-Encoding": "identity",
    }
    # Streamed, so that a server ignoring Range (answering 200 with the whole file) costs only
    # the bytes read before we close the connection. Redirects lead to the CDN; httpx2 drops
    # the token when the origin changes.
    with get_session().stream(
        "GET", url, headers=request_headers, timeout=timeout, follow_redirects=True
    ) as response:
        if response.status_code == 416:  # the file ends before ``start``: an empty file
            return b"", _total_size(response.headers, fallback=start)
        hf_raise_for_status(response)
        skip = 0
        if response.status_code == 200:
            skip = start  # the whole file, from its first byte
        else:
            served = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", ""))
            if served is None or int(served.group(1)) != start:
                raise HubError(
                    translate("Hub", "The Hub sent another part of the file than asked: try again.")
                )
        chunks: list[bytes] = []
        received = 0
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            received += len(chunk)
            if received >= skip + wanted:
                break
        size = _total_size(response.headers, fallback=received)
    return b"".join(chunks)[skip : skip + wanted], size


def _total_size(headers: Mapping[str, str], *, fallback: int) -> int:
    content_range = headers.get("Content-Range") or ""  # "bytes 0-2097151/98362432", "bytes */0"
    total = content_range.rsplit("/", 1)[-1]
    if "/" in content_range and total.isdigit():
        return int(total)
    length = headers.get("Content-Length") or ""
    return int(length) if length.isdigit() else fallback
