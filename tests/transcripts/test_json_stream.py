"""JSON read a piece at a time: values split anywhere between reads, cut-off text told from
malformed text, limits, and memory that stays flat however long the list."""

from __future__ import annotations

import io
import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from desktop_llm.chat.service import ChatService
from desktop_llm.errors import ImportRefusedError
from desktop_llm.transcripts.json_stream import JsonReader
from tests.transcripts.import_samples import T0, node, reply_metadata, service

__all__ = ["service"]  # the fixture

VALUES: list[Any] = [
    0,
    -12.5e-3,
    1234567890123,
    True,
    False,
    None,
    "",
    "中文 and emoji 🦀",
    '\\"quoted"\n',
    [],
    {},
    {"nested": [1, [2, [3, {"k": "v"}]]], "text": "x" * 3000},
    [1.5, "二", None],
]


def reader(data: bytes, chunk: int = 1 << 20, **limits: int) -> JsonReader:
    return JsonReader(io.BytesIO(data), source="f.json", chunk_bytes=chunk, **limits)


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 64, 4096])
def test_a_list_comes_out_whole_however_the_reads_split_it(chunk: int) -> None:
    # Multi-byte characters and numbers land across read boundaries at some chunk size.
    data = "\ufeff \n[" + " , ".join(json.dumps(v, ensure_ascii=False) for v in VALUES) + "]\n"
    stream = reader(data.encode(), chunk)
    assert list(stream.items()) == VALUES
    stream.expect_end()


def test_values_one_after_another_and_what_follows() -> None:
    stream = reader(b'{"a": 1}\n{"b": 2}\n 17 ', chunk=3)
    assert stream.peek() == "{"
    assert stream.value() == {"a": 1}
    assert stream.value() == {"b": 2}
    assert stream.value() == 17
    stream.expect_end()
    assert stream.peek() == ""


@pytest.mark.parametrize(
    "data",
    [b"[1, 2", b'[{"a": "b', b'["\\u12', b"[tru", b"[1,", b'[{"a"', b'[{"a":', b"[", b'["x"'],
)
def test_text_that_stops_early_is_cut_off(data: bytes) -> None:
    with pytest.raises(ImportRefusedError, match=r"^f\.json is cut off: its JSON ends in"):
        list(reader(data, chunk=2).items())


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"[1 2]", "expected ',' or ']' at character 4"),
        (b"[1,]", "expecting value at character 4"),
        (b'[{"a" 1}]', "expecting ':' delimiter at character 7"),
        (b"[nope]", "expecting value at character 2"),
        (b'["tab\tinside"]', "invalid control character"),
        (b"[1]]", "more data follows its value (at character 4)"),
    ],
)
def test_malformed_text_says_where(data: bytes, reason: str) -> None:
    stream = reader(data, chunk=2)
    with pytest.raises(ImportRefusedError) as refused:
        list(stream.items())
        stream.expect_end()
    assert reason in str(refused.value)


def test_limits_on_one_value_and_on_the_whole_file() -> None:
    long_string = b'["' + b"x" * 5000 + b'", 1]'
    with pytest.raises(ImportRefusedError, match="holds a JSON value of more than 1 KiB"):
        list(reader(long_string, chunk=100, max_value_chars=1024).items())
    # Complete in the buffer yet over the limit: refused the same.
    with pytest.raises(ImportRefusedError, match="more than 1 KiB"):
        list(reader(long_string, max_value_chars=1024).items())
    many = b"[" + b",".join(b"1" for _ in range(5000)) + b"]"
    with pytest.raises(ImportRefusedError, match="is larger than 2 KiB of JSON"):
        list(reader(many, chunk=512, max_total_bytes=2048).items())


def test_bytes_that_are_not_utf8_and_numbers_json_has_not() -> None:
    with pytest.raises(ImportRefusedError, match="is not UTF-8 text"):
        list(reader(b'["caf\xe9"]').items())
    for text, reason in (
        (b"[Infinity]", "it holds Infinity"),
        (b"[-1e400]", "it holds the number -1e400"),
        (b"[" + b"7" * 50 + b"]", "a whole number 50 digits long"),
    ):
        with pytest.raises(ImportRefusedError, match=reason):
            list(reader(text).items())


# --------------------------------------------------------------------------- memory


def _conversation(number: int) -> dict[str, Any]:
    nodes = [node("root", None, ["m0"])]
    for index in range(10):
        nodes.append(
            node(
                f"m{index}",
                "root" if index == 0 else f"m{index - 1}",
                [f"m{index + 1}"],
                role="user" if index % 2 == 0 else "assistant",
                parts=[f"message {index} of {number}: " + "lorem ipsum dolor sit amet " * 40],
                time=T0 + number + index,
                metadata=reply_metadata() if index % 2 else None,
            )
        )
    return {
        "title": f"Conversation {number}",
        "create_time": T0 + number,
        "update_time": T0 + number + 10,
        "mapping": {item["id"]: item for item in nodes},
        "current_node": "m9",
    }


def _export(path: Path, count: int) -> Path:
    with path.open("w", encoding="utf-8") as file:
        file.write("[")
        for number in range(count):
            file.write(("," if number else "") + json.dumps(_conversation(number)))
        file.write("]")
    return path


def _peak_import(service: ChatService, path: Path) -> tuple[int, int]:
    tracemalloc.start()
    try:
        report = service.import_file(path)
        return tracemalloc.get_traced_memory()[1], len(report.conversation_ids)
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_however_long_the_export(service: ChatService, tmp_path: Path) -> None:
    small = _export(tmp_path / "small.json", 150)
    large = _export(tmp_path / "large.json", 600)  # about 9 MB

    small_peak, small_count = _peak_import(service, small)
    large_peak, large_count = _peak_import(service, large)

    assert (small_count, large_count) == (150, 600)
    # Four times the conversations, the same memory: one conversation and one read at a time.
    assert large_peak < small_peak + 2**20, (small_peak, large_peak)
    assert large_peak < large.stat().st_size / 2, (large_peak, large.stat().st_size)
    assert len(service.conversations()) == 750
