"""A strict, bounded reader of the GGUF header: metadata and tensor descriptions, no weights.

Written here rather than taken from ``gguf.GGUFReader`` because that reader memory-maps the
whole file and trusts its counts; this one checks every count and length against
``limits`` (and against the bytes that exist) before looping or slicing, and turns every
problem into a ``GGUFError`` whose message names it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any, NoReturn

import gguf

from desktop_llm.i18n import translate
from desktop_llm.model_files import limits
from desktop_llm.model_files.errors import GGUFError, NeedMoreData
from desktop_llm.model_files.humanize import human_size
from desktop_llm.model_files.sniff import describe_non_gguf

_VT = gguf.GGUFValueType
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")

# Fixed-size value types and how they are stored (GGUF is little-endian).
_SCALAR_FORMATS: dict[int, str] = {
    _VT.UINT8: "B",
    _VT.INT8: "b",
    _VT.UINT16: "H",
    _VT.INT16: "h",
    _VT.UINT32: "I",
    _VT.INT32: "i",
    _VT.FLOAT32: "f",
    _VT.BOOL: "?",
    _VT.UINT64: "Q",
    _VT.INT64: "q",
    _VT.FLOAT64: "d",
}
_SCALARS = {value_type: struct.Struct("<" + fmt) for value_type, fmt in _SCALAR_FORMATS.items()}


@dataclass(frozen=True)
class ArraySummary:
    """A metadata array too long to keep (the vocabulary): its item type and length only."""

    item_type: str
    length: int

    def __str__(self) -> str:
        return f"[{self.length} × {self.item_type.lower()}]"


@dataclass(frozen=True)
class TensorInfo:
    name: str
    type_name: str
    shape: tuple[int, ...]
    n_elements: int
    n_bytes: int
    offset: int  # from the start of the data section


@dataclass(frozen=True)
class RawHeader:
    """What the header says, checked for structure but not yet for meaning."""

    version: int
    metadata: dict[str, Any]
    value_types: dict[str, int]  # key -> GGUFValueType of its value
    tensors: tuple[TensorInfo, ...]
    end: int  # offset of the first byte after the tensor descriptions


def shown(text: str, limit: int = 80) -> str:
    """A string from the file, quoted and shortened for a message."""
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


class _Cursor:
    """A position in the bytes given, which knows what to say when they run out."""

    def __init__(self, data: bytes, file_size: int | None, name: str) -> None:
        self.data = data
        self.size = len(data)
        self.pos = 0
        self.file_size = file_size
        self.name = name
        self.where = "the file header"  # what is being read, for messages

    def fail(self, reason: str, problem: str) -> NoReturn:
        raise GGUFError(reason, translate("ModelFiles", "{name} is damaged: {problem}").format(
            name=self.name, problem=problem
        ))

    def need(self, n_bytes: int) -> None:
        end = self.pos + n_bytes
        if end > self.size or end > limits.MAX_HEADER_BYTES:
            self.ran_out(end)

    def ran_out(self, end: int) -> NoReturn:
        """The header needs bytes up to ``end``: past the data given, or past the limit."""
        if end > limits.MAX_HEADER_BYTES:
            self.fail(
                "header_too_large",
                f"{self.where} would make its header larger than "
                f"{human_size(limits.MAX_HEADER_BYTES)}, far beyond any real model's.",
            )
        if self.file_size is not None and end > self.file_size:
            raise GGUFError("truncated", translate(
                "ModelFiles",
                "{name} is truncated: the file ends inside its header ({where}) after {size}; "
                "the download was probably cut off.",
            ).format(name=self.name, where=self.where, size=human_size(self.file_size)))
        # A prefix of a longer (or unknown-length) file: ask for more, at least double, so a
        # caller fetching over the network converges in a few round trips.
        ceiling = limits.MAX_HEADER_BYTES
        if self.file_size is not None:
            ceiling = min(ceiling, self.file_size)
        raise NeedMoreData(min(max(end, 2 * self.size, limits.FIXED_HEADER_BYTES), ceiling))

    def u32(self) -> int:
        self.need(4)
        (value,) = _U32.unpack_from(self.data, self.pos)
        self.pos += 4
        return int(value)

    def u64(self) -> int:
        self.need(8)
        (value,) = _U64.unpack_from(self.data, self.pos)
        self.pos += 8
        return int(value)

    def take(self, n_bytes: int) -> bytes:
        self.need(n_bytes)
        start = self.pos
        self.pos += n_bytes
        return self.data[start : self.pos]

    def string(self, cap: int) -> bytes:
        length = self.u64()
        if length > cap:
            self.fail(
                "bad_string",
                f"{self.where} claims to be {human_size(length)} long, more than the "
                f"{human_size(cap)} allowed.",
            )
        return self.take(length)


def parse_raw_header(data: bytes, *, file_size: int | None, name: str) -> RawHeader:
    cursor = _Cursor(data, file_size, name)
    version, tensor_count, kv_count = _read_preamble(cursor)
    metadata, value_types = _read_metadata(cursor, kv_count)
    tensors = _read_tensor_infos(cursor, tensor_count)
    return RawHeader(version, metadata, value_types, tensors, cursor.pos)


def _read_preamble(cursor: _Cursor) -> tuple[int, int, int]:
    name, data = cursor.name, cursor.data
    start = data[: len(limits.GGUF_MAGIC)]
    if start != limits.GGUF_MAGIC[: len(start)]:
        raise GGUFError("not_gguf", translate(
            "ModelFiles", "{name} is not a GGUF model file (it starts with {start}, not b'GGUF')"
            "{hint}."
        ).format(name=name, start=repr(start), hint=describe_non_gguf(data)))
    if cursor.file_size is not None and cursor.file_size < limits.FIXED_HEADER_BYTES:
        reason = "empty" if cursor.file_size == 0 else "truncated"
        raise GGUFError(reason, translate(
            "ModelFiles", "{name} is only {size} bytes long: it is empty or was cut off."
        ).format(name=name, size=cursor.file_size) if cursor.file_size else translate(
            "ModelFiles", "{name} is 0 bytes long: it is empty or was cut off."
        ).format(name=name))
    cursor.need(limits.FIXED_HEADER_BYTES)
    cursor.pos = len(limits.GGUF_MAGIC)
    version = cursor.u32()
    _check_version(name, version)
    tensor_count = cursor.u64()
    kv_count = cursor.u64()
    for count, what, cap in (
        (tensor_count, "tensors", limits.MAX_TENSOR_COUNT),
        (kv_count, "metadata entries", limits.MAX_KV_COUNT),
    ):
        if count > cap:
            cursor.fail(
                "absurd_count",
                f"it claims to hold {count:,} {what}; real models have far fewer "
                f"(at most {cap:,} are accepted).",
            )
    # Every entry takes some bytes, so a file too small for the counts is cut off (or lying);
    # finding out here avoids looping over millions of entries that cannot be there.
    cursor.where = (
        f"which should describe {tensor_count:,} tensors and {kv_count:,} metadata entries"
    )
    cursor.need(tensor_count * limits.MIN_TENSOR_INFO_BYTES + kv_count * limits.MIN_KV_BYTES)
    return version, tensor_count, kv_count


def _check_version(name: str, version: int) -> None:
    if version in limits.SUPPORTED_VERSIONS:
        return
    if version == limits.OBSOLETE_VERSION:
        problem = translate(
            "ModelFiles",
            "{name} uses version 1 of the GGUF format, an obsolete 2023 format that llama.cpp "
            "no longer reads; download a newer conversion of the model.",
        )
    elif int.from_bytes(version.to_bytes(4, "little"), "big") in limits.SUPPORTED_VERSIONS:
        problem = translate(
            "ModelFiles",
            "{name} is a big-endian GGUF file (made for IBM mainframes); this computer needs "
            "the ordinary little-endian version.",
        )
    else:
        problem = translate(
            "ModelFiles",
            "{name} uses GGUF format version {version}, which this version of llama.cpp "
            "cannot read (it knows versions 2 and 3).",
        )
    raise GGUFError("bad_version", problem.format(name=name, version=version))


def _read_metadata(cursor: _Cursor, kv_count: int) -> tuple[dict[str, Any], dict[str, int]]:
    metadata: dict[str, Any] = {}
    value_types: dict[str, int] = {}
    for index in range(kv_count):
        cursor.where = f"the name of metadata entry {index + 1} of {kv_count}"
        raw_key = cursor.string(limits.MAX_KEY_BYTES)
        if not raw_key:
            cursor.fail("bad_string", f"metadata entry {index + 1} has an empty name.")
        try:
            key = raw_key.decode("utf-8")
        except UnicodeDecodeError:
            cursor.fail("bad_string", f"the name of metadata entry {index + 1} is not text.")
        if key in metadata:
            cursor.fail("duplicate_key", f"the metadata key {shown(key)} appears twice.")
        cursor.where = f"the metadata value {shown(key)}"
        value_type = cursor.u32()
        metadata[key] = _read_value(cursor, key, value_type)
        value_types[key] = value_type
    return metadata, value_types


def _read_value(cursor: _Cursor, key: str, value_type: int) -> Any:
    if value_type == _VT.STRING:
        raw = cursor.string(limits.MAX_STRING_BYTES)
        try:
            # llama-cpp-python decodes every string value as UTF-8 and fails on invalid text.
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            cursor.fail("bad_string", f"the metadata value {shown(key)} is not valid UTF-8 text.")
    if value_type == _VT.ARRAY:
        return _read_array(cursor, key)
    scalar = _SCALARS.get(value_type)
    if scalar is None:
        cursor.fail(
            "bad_type", f"the metadata value {shown(key)} has an unknown type ({value_type})."
        )
    cursor.need(scalar.size)
    (value,) = scalar.unpack_from(cursor.data, cursor.pos)
    cursor.pos += scalar.size
    return value


def _read_array(cursor: _Cursor, key: str) -> Any:
    item_type = cursor.u32()
    if item_type == _VT.ARRAY:
        # llama.cpp's reader refuses arrays of arrays, and no model needs them.
        cursor.fail("nested_array", f"the metadata value {shown(key)} is an array of arrays.")
    if item_type != _VT.STRING and item_type not in _SCALARS:
        cursor.fail(
            "bad_type",
            f"the metadata array {shown(key)} has items of an unknown type ({item_type}).",
        )
    count = cursor.u64()
    if count > limits.MAX_ARRAY_LENGTH:
        cursor.fail(
            "absurd_length",
            f"the metadata array {shown(key)} claims {count:,} items; real models have at most "
            "about a million.",
        )
    if item_type == _VT.STRING:
        return _read_string_array(cursor, key, count)
    scalar = _SCALARS[item_type]
    cursor.need(count * scalar.size)
    start = cursor.pos
    cursor.pos += count * scalar.size
    if count > limits.MAX_KEPT_ARRAY_LENGTH:
        return ArraySummary(_VT(item_type).name, count)
    return struct.unpack_from(f"<{count}{_SCALAR_FORMATS[item_type]}", cursor.data, start)


def _read_string_array(cursor: _Cursor, key: str, count: int) -> Any:
    cursor.need(count * 8)  # every item has at least its 8-byte length
    keep = count <= limits.MAX_KEPT_ARRAY_LENGTH
    kept: list[str] = []
    # The vocabulary is ~100k strings: a tight loop with locals keeps this to milliseconds.
    data, size, pos = cursor.data, cursor.size, cursor.pos
    unpack = _U64.unpack_from
    cap = limits.MAX_ARRAY_STRING_BYTES
    for index in range(count):
        if pos + 8 > size:
            cursor.pos = pos
            cursor.ran_out(pos + 8)
        (length,) = unpack(data, pos)
        if length > cap:
            cursor.pos = pos
            cursor.fail(
                "bad_string",
                f"item {index + 1} of the metadata array {shown(key)} claims to be "
                f"{human_size(length)} long; such items are a few bytes.",
            )
        pos += 8
        if keep:
            if pos + length > size:
                cursor.pos = pos
                cursor.ran_out(pos + length)
            kept.append(data[pos : pos + length].decode("utf-8", "replace"))
        pos += length
    cursor.pos = pos
    if pos > size or pos > limits.MAX_HEADER_BYTES:
        cursor.ran_out(pos)
    return tuple(kept) if keep else ArraySummary("STRING", count)


def _read_tensor_infos(cursor: _Cursor, tensor_count: int) -> tuple[TensorInfo, ...]:
    tensors: list[TensorInfo] = []
    seen: set[str] = set()
    for index in range(tensor_count):
        cursor.where = f"the description of tensor {index + 1} of {tensor_count}"
        length = cursor.u64()
        if not 1 <= length <= limits.MAX_TENSOR_NAME_BYTES:
            cursor.fail(
                "bad_tensor",
                f"tensor {index + 1} has a name {length:,} bytes long; llama.cpp accepts 1 to "
                f"{limits.MAX_TENSOR_NAME_BYTES}.",
            )
        name = cursor.take(length).decode("utf-8", "replace")
        if name in seen:
            cursor.fail("duplicate_tensor", f"the tensor {shown(name)} appears twice.")
        seen.add(name)
        cursor.where = f"the description of tensor {shown(name)}"
        tensors.append(_read_tensor_shape(cursor, name))
    return tuple(tensors)


def _read_tensor_shape(cursor: _Cursor, name: str) -> TensorInfo:
    n_dims = cursor.u32()
    if not 1 <= n_dims <= limits.MAX_TENSOR_DIMS:
        cursor.fail(
            "bad_tensor",
            f"the tensor {shown(name)} has {n_dims} dimensions; GGUF tensors have 1 to "
            f"{limits.MAX_TENSOR_DIMS}.",
        )
    shape = struct.unpack_from(f"<{n_dims}Q", cursor.take(8 * n_dims))
    n_elements = 1
    for dim in shape:
        if dim == 0:
            cursor.fail("bad_tensor", f"the tensor {shown(name)} has a dimension of size 0.")
        n_elements *= dim
    if n_elements > limits.MAX_TENSOR_ELEMENTS:
        cursor.fail("bad_tensor", f"the tensor {shown(name)} has an impossible shape {shape}.")
    type_id = cursor.u32()
    try:
        tensor_type = gguf.GGMLQuantizationType(type_id)
        block_size, type_size = gguf.GGML_QUANT_SIZES[tensor_type]
    except (ValueError, KeyError):
        cursor.fail(
            "unknown_tensor_type",
            f"the tensor {shown(name)} has data type {type_id}, which this version of "
            "llama.cpp does not know.",
        )
    if shape[0] % block_size:
        # ggml quantizes each row in blocks, so a row must hold a whole number of them.
        cursor.fail(
            "bad_tensor",
            f"the tensor {shown(name)} has rows of {shape[0]} values, which do not divide into "
            f"the blocks of {block_size} that type {tensor_type.name} needs.",
        )
    offset = cursor.u64()
    return TensorInfo(
        name=name,
        type_name=tensor_type.name,
        shape=tuple(shape),
        n_elements=n_elements,
        n_bytes=n_elements // block_size * type_size,
        offset=offset,
    )
