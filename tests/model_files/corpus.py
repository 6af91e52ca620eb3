"""Malformed GGUF files, one per way a file can be wrong, each with the refusal it must get."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.model_files.gguf_builder import QT, VT, GGUFBuilder, tiny_model, u32, u64


@dataclass(frozen=True)
class Case:
    id: str
    make: Callable[[], bytes]
    reason: str
    fragment: str  # a piece of the message that shows it names the actual problem


def _with(change: Callable[[GGUFBuilder], object]) -> Callable[[], bytes]:
    def make() -> bytes:
        builder = tiny_model()
        change(builder)
        return builder.build()

    return make


def _set(**fields: object) -> Callable[[GGUFBuilder], None]:
    def change(builder: GGUFBuilder) -> None:
        for name, value in fields.items():
            setattr(builder, name, value)

    return change


def _tensor(index: int, **fields: object) -> Callable[[GGUFBuilder], None]:
    def change(builder: GGUFBuilder) -> None:
        for name, value in fields.items():
            setattr(builder.tensors[index], name, value)

    return change


def _last_value_cut_off() -> bytes:
    # The last metadata value claims 5,000 bytes; the file ends 12 bytes later.
    builder = tiny_model()
    builder.tensors.clear()
    builder.kv_count = len(builder.metadata) + 1
    entry = (
        u64(len("general.description")) + b"general.description" + u32(VT.STRING)
        + u64(5000) + b"a short text"
    )
    return builder.header() + entry


def _big_endian() -> bytes:
    data = bytearray(tiny_model().build())
    data[4:8] = (3).to_bytes(4, "big")
    return bytes(data)


def _counts_beyond_the_file(builder: GGUFBuilder) -> None:
    builder.tensor_count = 100_000


def _huge_tensor(shape: tuple[int, ...]) -> Callable[[GGUFBuilder], None]:
    def change(builder: GGUFBuilder) -> None:
        builder.tensors[1].shape = shape
        builder.tensors[1].type_id = QT.F32
        builder.data_bytes = 4096  # the file holds a few bytes of the petabytes it claims

    return change


def _unknown_tensor_type(builder: GGUFBuilder) -> None:
    builder.tensors[0].type_id = 4  # Q4_2, removed from ggml in 2023
    builder.tensors[0].offset = 0
    builder.tensors[1].offset = 2048


def _safetensors() -> bytes:
    header = b'{"weight": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}'
    return u64(len(header)) + header + b"\0" * 8


CASES: list[Case] = [
    Case("empty", lambda: b"", "empty", "empty or was cut off"),
    Case("ten-bytes", lambda: tiny_model().build()[:10], "truncated", "only 10 bytes long"),
    Case("bad-magic", _with(_set(magic=b"GGUX")), "not_gguf", "not a GGUF model file"),
    Case(
        "html-page",
        lambda: b"<!DOCTYPE html><html><body>Access denied</body></html>",
        "not_gguf",
        "web page",
    ),
    Case("safetensors", _safetensors, "not_gguf", "safetensors"),
    Case(
        "git-lfs-pointer",
        lambda: b"version https://git-lfs.github.com/spec/v1\noid sha256:ab12\nsize 98362432\n",
        "not_gguf",
        "Git LFS pointer",
    ),
    Case("preallocated-zeros", lambda: bytes(4096), "not_gguf", "unfinished download"),
    Case("version-1", _with(_set(version=1)), "bad_version", "version 1"),
    Case("version-99", _with(_set(version=99)), "bad_version", "version 99"),
    Case("big-endian", _big_endian, "bad_version", "big-endian"),
    Case(
        "absurd-tensor-count",
        _with(_set(tensor_count=1 << 40)),
        "absurd_count",
        "1,099,511,627,776 tensors",
    ),
    Case(
        "absurd-kv-count",
        _with(_set(kv_count=1 << 40)),
        "absurd_count",
        "1,099,511,627,776 metadata entries",
    ),
    Case(
        "counts-beyond-the-file",
        _with(_counts_beyond_the_file),
        "truncated",
        "should describe 100,000 tensors",
    ),
    Case("string-past-the-end", _last_value_cut_off, "truncated", "ends inside its header"),
    Case(
        "huge-string-length",
        _with(lambda b: b.add_raw("general.description", u32(VT.STRING) + u64(1 << 40))),
        "bad_string",
        "claims to be 1.1 TB long",
    ),
    Case(
        "empty-key",
        _with(lambda b: b.add("", VT.UINT32, 1)),
        "bad_string",
        "empty name",
    ),
    Case(
        "invalid-utf8-value",
        _with(lambda b: b.add("general.author", VT.STRING, b"\xff\xfe bad")),
        "bad_string",
        "not valid UTF-8",
    ),
    Case(
        "unknown-value-type",
        _with(lambda b: b.add_raw("general.weird", u32(99) + u32(0))),
        "bad_type",
        "unknown type (99)",
    ),
    Case(
        "unknown-array-item-type",
        _with(lambda b: b.add_raw("general.weird", u32(VT.ARRAY) + u32(77) + u64(1))),
        "bad_type",
        "items of an unknown type (77)",
    ),
    Case(
        "absurd-array-length",
        _with(lambda b: b.add_raw("general.tags", u32(VT.ARRAY) + u32(VT.UINT8) + u64(1 << 40))),
        "absurd_length",
        "1,099,511,627,776 items",
    ),
    Case(
        "nested-array",
        _with(lambda b: b.add_raw("general.nested", u32(VT.ARRAY) + u32(VT.ARRAY) + u64(1))),
        "nested_array",
        "array of arrays",
    ),
    Case(
        "duplicate-key",
        _with(lambda b: b.add("general.name", VT.STRING, "again")),
        "duplicate_key",
        "'general.name' appears twice",
    ),
    Case(
        "missing-architecture",
        _with(lambda b: b.remove("general.architecture")),
        "missing_architecture",
        "general.architecture is missing",
    ),
    Case(
        "unknown-architecture",
        _with(lambda b: b.replace("general.architecture", VT.STRING, "mamba9000")),
        "unknown_architecture",
        "'mamba9000', which this version of llama.cpp cannot run",
    ),
    Case(
        "architecture-not-text",
        _with(lambda b: b.replace("general.architecture", VT.UINT32, 7)),
        "bad_type",
        "general.architecture is not text",
    ),
    Case(
        "vision-projector",
        _with(lambda b: b.replace("general.architecture", VT.STRING, "clip")),
        "not_a_language_model",
        "vision projector",
    ),
    Case(
        "alignment-not-power-of-two",
        _with(lambda b: b.replace("general.alignment", VT.UINT32, 48)),
        "bad_alignment",
        "48, which is not a power of two",
    ),
    Case(
        "alignment-wrong-type",
        _with(lambda b: b.replace("general.alignment", VT.UINT64, 32)),
        "bad_alignment",
        "not a 32-bit number",
    ),
    Case(
        "absurd-layer-count",
        _with(lambda b: b.replace("llama.block_count", VT.UINT32, 100_000)),
        "absurd_count",
        "100,000 layers",
    ),
    Case(
        # llama.cpp fails an assertion on this and aborts the whole process.
        "more-experts-used-than-exist",
        _with(
            lambda b: b.add("llama.expert_count", VT.UINT32, 4).add(
                "llama.expert_used_count", VT.UINT32, 8
            )
        ),
        "absurd_count",
        "8 of its 4 experts",
    ),
    Case(
        "duplicate-tensor",
        _with(lambda b: setattr(b.tensors[1], "name", "token_embd.weight")),
        "duplicate_tensor",
        "'token_embd.weight' appears twice",
    ),
    Case("tensor-0-dims", _with(_tensor(1, shape=())), "bad_tensor", "0 dimensions"),
    Case(
        "tensor-9-dims",
        _with(_tensor(0, shape=(32, 1, 1, 1, 1, 1, 1, 1, 1))),
        "bad_tensor",
        "9 dimensions",
    ),
    Case("tensor-zero-dim", _with(_tensor(0, shape=(32, 0))), "bad_tensor", "dimension of size 0"),
    Case(
        "tensor-name-too-long",
        _with(_tensor(0, name="t" * 64)),
        "bad_tensor",
        "name 64 bytes long",
    ),
    Case(
        "tensor-impossible-shape",
        _with(_huge_tensor(shape=(1 << 32, 1 << 32))),
        "bad_tensor",
        "impossible shape",
    ),
    Case(
        "unknown-tensor-type",
        _with(_unknown_tensor_type),
        "unknown_tensor_type",
        "data type 4",
    ),
    Case(
        "rows-not-whole-blocks",
        _with(_tensor(1, shape=(33, 32), type_id=QT.Q8_0, offset=2048)),
        "bad_tensor",
        "blocks of 32",
    ),
    Case("misaligned-tensor", _with(_tensor(1, offset=2052)), "misaligned_tensor", "2052"),
    Case(
        "overlapping-tensors",
        _with(_tensor(1, offset=1024)),
        "overlapping_tensors",
        "starts inside the tensor 'token_embd.weight'",
    ),
    Case("gap-between-tensors", _with(_tensor(1, offset=4096)), "tensor_gap", "4,096"),
    Case(
        "tensor-far-beyond-any-file",
        _with(_huge_tensor(shape=(1 << 31, 1 << 20))),
        "tensor_out_of_bounds",
        "beyond any real model",
    ),
    Case(
        "tensor-data-cut-off",
        _with(_set(data_bytes=2048 + 100)),
        "truncated",
        "truncated: 3.2 KB of 4.2 KB",
    ),
    Case("no-tensors", _with(lambda b: b.tensors.clear()), "no_tensors", "contains no weights"),
]
