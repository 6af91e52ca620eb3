"""The bundled model's header, read by our parser and compared with what llama.cpp reports."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from desktop_llm.model_files import (
    ArraySummary,
    GGUFError,
    NeedMoreData,
    chat_template_problem,
    parse_gguf_header,
    read_gguf_info,
)

HEADER_PREFIX = 2_000_000  # the real header is ~1.8 MB (its vocabulary and merges)


@pytest.fixture(scope="module")
def head(model_path: Path) -> bytes:
    with model_path.open("rb") as stream:
        return stream.read(HEADER_PREFIX)


def test_what_the_header_says(model_path: Path) -> None:
    info = read_gguf_info(model_path)
    assert info.version == 3
    assert info.architecture == "llama"
    assert info.quantization == "Q4_1"  # general.file_type 3 = MOSTLY_Q4_1
    # llama.cpp's load log says "model params = 134.52 M".
    assert info.parameter_count == 134_515_008
    assert info.context_length == 8192
    assert info.block_count == 30
    assert info.embedding_length == 576
    assert info.head_count == 9
    assert info.head_count_kv == 3
    assert info.tensor_count == len(info.tensors) == 272
    assert info.chat_template is not None and "<|im_start|>" in info.chat_template
    assert chat_template_problem(info.chat_template) is None
    assert info.expected_file_size == model_path.stat().st_size == info.file_size
    assert info.data_offset % info.alignment == 0


def test_long_arrays_are_summarised(model_path: Path) -> None:
    metadata = read_gguf_info(model_path).metadata
    assert metadata["tokenizer.ggml.tokens"] == ArraySummary("STRING", 49152)
    assert metadata["tokenizer.ggml.merges"] == ArraySummary("STRING", 48900)
    assert str(metadata["tokenizer.ggml.token_type"]) == "[49152 × int32]"
    assert metadata["general.languages"] == ("en",)


def test_summary_is_json_ready(model_path: Path) -> None:
    summary = read_gguf_info(model_path).summary()
    assert summary == {
        "name": "Smollm2 135M 8k Lc100K Mix1 Ep2",
        "architecture": "llama",
        "parameters": "135M",
        "parameter_count": 134_515_008,
        "quantization": "Q4_1",
        "context_length": 8192,
        "block_count": 30,
        "chat_template_present": True,
        "file_size": 98_362_432,
    }


def test_only_the_header_is_read(model_path: Path, head: bytes, tmp_path: Path) -> None:
    # A sparse file: the real header, then a hole where the weights were. If the parser read
    # past the header it would only find zeros; it must not even look.
    sparse = tmp_path / "sparse.gguf"
    with sparse.open("wb") as stream:
        stream.write(head)
        stream.truncate(model_path.stat().st_size)
    assert read_gguf_info(sparse).parameter_count == 134_515_008

    started = time.perf_counter()
    read_gguf_info(model_path)
    # ~20 ms on a quiet machine; the bound leaves room for a busy shared one.
    assert time.perf_counter() - started < 1.0


def test_a_prefix_is_enough(model_path: Path, head: bytes) -> None:
    size = model_path.stat().st_size
    info = parse_gguf_header(head, file_size=size, name=model_path.name)
    assert info.parameter_count == 134_515_008
    assert info.file_size == size
    # Without the size, nothing can be said about truncation, but the rest stands.
    assert parse_gguf_header(head).expected_file_size == size


def test_too_short_a_prefix_asks_for_more(model_path: Path, head: bytes) -> None:
    with pytest.raises(NeedMoreData) as more:
        parse_gguf_header(head[:1000], file_size=model_path.stat().st_size)
    assert more.value.needed > 1000


def test_fetching_what_is_asked_for_converges(model_path: Path) -> None:
    """How a remote header is read: HTTP Range requests of the size the parser asks for."""
    size = model_path.stat().st_size
    wanted, rounds = 64_000, 0
    with model_path.open("rb") as remote:
        while True:
            rounds += 1
            remote.seek(0)
            prefix = remote.read(wanted)
            try:
                info = parse_gguf_header(prefix, file_size=size, name="remote.gguf")
                break
            except NeedMoreData as more:
                assert more.needed > wanted
                wanted = more.needed
    assert info.quantization == "Q4_1"
    assert rounds <= 6
    # It asks for at most about double the header (1.8 MB), never for the weights.
    assert wanted < 4_000_000


def test_a_prefix_longer_than_the_file_says_is_refused(head: bytes) -> None:
    with pytest.raises(GGUFError) as refused:
        parse_gguf_header(head, file_size=50_000_000, name="cut.gguf")
    assert refused.value.reason == "truncated"
    assert str(refused.value) == (
        "cut.gguf is truncated: 50.0 MB of 98.4 MB; the download was probably cut off."
    )
