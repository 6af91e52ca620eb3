"""Damaged bytes never crash the parser: the only failure is a ``GGUFError``, and it is cheap.

``hypothesis`` is not a dependency, so this is a seeded random loop: the same variants on
every run, so a failure is reproducible from its seed.
"""

from __future__ import annotations

import random
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop_llm.model_files import GGUFError, NeedMoreData, parse_gguf_header, read_gguf_info
from tests.model_files.gguf_builder import tiny_model

VARIANTS = 400
# Parsing a 4 KB file must stay far below this, whatever its counts and lengths claim.
MEMORY_LIMIT = 2_000_000

_FIELD_VALUES = (0, 1, 0xFF, 0xFFFF, 0xFFFF_FFFF, 1 << 40, (1 << 63) - 1, (1 << 64) - 1)


def _flip_bytes(rng: random.Random, data: bytearray) -> None:
    for _ in range(rng.randint(1, 6)):
        data[rng.randrange(len(data))] = rng.randrange(256)


def _flip_bits(rng: random.Random, data: bytearray) -> None:
    for _ in range(rng.randint(1, 4)):
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)


def _overwrite_a_number(rng: random.Random, data: bytearray) -> None:
    """Where a count or a length was, put an extreme value: the classic crafted file."""
    position = rng.randrange(len(data) - 8)
    width = rng.choice((4, 8))
    value = rng.choice(_FIELD_VALUES) & ((1 << (8 * width)) - 1)
    data[position : position + width] = value.to_bytes(width, "little")


def _truncate(rng: random.Random, data: bytearray) -> None:
    del data[rng.randrange(len(data)) :]


def _splice(rng: random.Random, data: bytearray) -> None:
    start = rng.randrange(len(data))
    data[start:start] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))


_MUTATIONS: tuple[Callable[[random.Random, bytearray], None], ...] = (
    _flip_bytes, _flip_bits, _overwrite_a_number, _truncate, _splice,
)


def _variants(seed: int, count: int) -> list[bytes]:
    rng = random.Random(seed)
    valid = tiny_model().build()
    header_end = len(tiny_model().header())
    variants = []
    for _ in range(count):
        data = bytearray(valid)
        mutation = rng.choice(_MUTATIONS)
        # Most damage where the parser looks (the header); some anywhere.
        if rng.random() < 0.8 and mutation is not _truncate:
            head = bytearray(data[:header_end])
            mutation(rng, head)
            data[:header_end] = head
        else:
            mutation(rng, data)
        variants.append(bytes(data))
    return variants


def _parse_within_memory(data: bytes, file_size: int | None) -> str:
    tracemalloc.start()
    try:
        parse_gguf_header(data, file_size=file_size, name="fuzz.gguf")
        outcome = "accepted"
    except GGUFError as error:
        assert str(error).startswith("fuzz.gguf ") and error.reason
        outcome = error.reason
    except NeedMoreData as more:
        assert file_size is None and more.needed > len(data)
        outcome = "need_more"
    finally:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < MEMORY_LIMIT, f"{peak} bytes for a {len(data)}-byte file"
    return outcome


@pytest.mark.parametrize("seed", [1, 2])
def test_damaged_bytes_only_ever_raise_gguf_error(seed: int) -> None:
    outcomes: dict[str, int] = {}
    for data in _variants(seed, VARIANTS // 2):
        for file_size in (len(data), None):
            outcome = _parse_within_memory(data, file_size)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    # The mutations reach deep enough to trip many different checks.
    assert len(outcomes) >= 8, outcomes


def test_damaged_files_on_disk(tmp_path: Path) -> None:
    for index, data in enumerate(_variants(3, 40)):
        path = tmp_path / f"variant-{index}.gguf"
        path.write_bytes(data)
        try:
            read_gguf_info(path)
        except GGUFError as error:
            assert path.name in str(error) and error.reason


def test_damaged_real_header(model_path: Path) -> None:
    """The same on the real model's header: long arrays, a chat template, 272 tensors."""
    size = model_path.stat().st_size
    with model_path.open("rb") as stream:
        head = stream.read(1_785_664)
    rng = random.Random(4)
    refused = 0
    for _ in range(30):
        data = bytearray(head)
        rng.choice(_MUTATIONS)(rng, data)
        try:
            parse_gguf_header(bytes(data), file_size=size, name="real.gguf")
        except GGUFError as error:
            assert str(error).startswith("real.gguf ")
            refused += 1
        except NeedMoreData as more:
            # A splice can push the header past the prefix given; asking is then right.
            assert more.needed > len(data)
    assert refused > 0
