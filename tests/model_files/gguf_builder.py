"""A GGUF writer for tests that can also write every kind of wrong.

``gguf.GGUFWriter`` refuses to write malformed files, and a malformed file is what these tests
need, so this builds the bytes itself: a tiny valid model by default, and each field open to
being set to something llama.cpp must never see.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import gguf

VT = gguf.GGUFValueType
QT = gguf.GGMLQuantizationType

_FORMATS = {
    VT.UINT8: "B", VT.INT8: "b", VT.UINT16: "H", VT.INT16: "h", VT.UINT32: "I",
    VT.INT32: "i", VT.FLOAT32: "f", VT.BOOL: "?", VT.UINT64: "Q", VT.INT64: "q",
    VT.FLOAT64: "d",
}


def u32(value: int) -> bytes:
    return struct.pack("<I", value)


def u64(value: int) -> bytes:
    return struct.pack("<Q", value)


def gguf_string(text: str | bytes) -> bytes:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return u64(len(raw)) + raw


def encode_value(value_type: int, value: object) -> bytes:
    """The bytes of a value of a GGUF type (after its type tag)."""
    if value_type == VT.STRING:
        assert isinstance(value, (str, bytes))
        return gguf_string(value)
    if value_type == VT.ARRAY:
        item_type, items = value  # type: ignore[misc]
        body = b"".join(encode_value(item_type, item) for item in items)
        return u32(item_type) + u64(len(items)) + body
    return struct.pack("<" + _FORMATS[value_type], value)


@dataclass
class Tensor:
    name: str
    shape: tuple[int, ...]
    type_id: int = QT.F32
    offset: int | None = None  # None: placed right after the previous one, aligned

    @property
    def n_bytes(self) -> int:
        try:
            block, size = gguf.GGML_QUANT_SIZES[QT(self.type_id)]
        except ValueError:  # a type that does not exist: lay it out as if F32
            block, size = 1, 4
        count = 1
        for dim in self.shape:
            count *= dim
        return count // block * size


@dataclass
class GGUFBuilder:
    """A GGUF file as parts; ``build()`` writes them, wrong or not."""

    metadata: list[tuple[str, bytes]] = field(default_factory=list)  # key, type tag + value
    tensors: list[Tensor] = field(default_factory=list)
    magic: bytes = b"GGUF"
    version: int = 3
    tensor_count: int | None = None  # None: the real count
    kv_count: int | None = None
    alignment: int = 32  # where the writer puts data; general.alignment is metadata
    data_bytes: int | None = None  # None: exactly what the tensors need

    def add(self, key: str, value_type: int, value: object) -> GGUFBuilder:
        self.metadata.append((key, u32(value_type) + encode_value(value_type, value)))
        return self

    def add_raw(self, key: str, encoded: bytes) -> GGUFBuilder:
        """A metadata entry whose type tag and value are given as bytes, however wrong."""
        self.metadata.append((key, encoded))
        return self

    def remove(self, key: str) -> GGUFBuilder:
        self.metadata = [(k, v) for k, v in self.metadata if k != key]
        return self

    def replace(self, key: str, value_type: int, value: object) -> GGUFBuilder:
        index = next(i for i, (k, _v) in enumerate(self.metadata) if k == key)
        self.metadata[index] = (key, u32(value_type) + encode_value(value_type, value))
        return self

    def _offsets(self) -> list[int]:
        offsets, position = [], 0
        for tensor in self.tensors:
            offset = position if tensor.offset is None else tensor.offset
            offsets.append(offset)
            position = _align(offset + tensor.n_bytes, self.alignment)
        return offsets

    def header(self) -> bytes:
        parts = [
            self.magic,
            u32(self.version),
            u64(len(self.tensors) if self.tensor_count is None else self.tensor_count),
            u64(len(self.metadata) if self.kv_count is None else self.kv_count),
        ]
        for key, encoded in self.metadata:
            parts.append(gguf_string(key) + encoded)
        for tensor, offset in zip(self.tensors, self._offsets(), strict=True):
            parts.append(gguf_string(tensor.name) + u32(len(tensor.shape)))
            parts.extend(u64(dim) for dim in tensor.shape)
            parts.append(u32(tensor.type_id) + u64(offset))
        return b"".join(parts)

    def build(self) -> bytes:
        header = self.header()
        padded = header + b"\0" * (_align(len(header), self.alignment) - len(header))
        if self.data_bytes is not None:
            data_size = self.data_bytes
        else:
            ends = [o + t.n_bytes for o, t in zip(self._offsets(), self.tensors, strict=True)]
            data_size = max(ends, default=0)
        # Not zeros, so a parser that reads into the data would see garbage, as in real files.
        data = bytes((i * 7 + 3) % 251 for i in range(data_size))
        return padded + data


def _align(offset: int, alignment: int) -> int:
    return (offset + alignment - 1) // alignment * alignment


TINY_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def tiny_model() -> GGUFBuilder:
    """A valid GGUF of a 1-layer llama, a few KB: small enough to mutate by the hundred."""
    builder = GGUFBuilder()
    builder.add("general.architecture", VT.STRING, "llama")
    builder.add("general.name", VT.STRING, "tiny")
    builder.add("general.alignment", VT.UINT32, 32)
    builder.add("general.file_type", VT.UINT32, int(gguf.LlamaFileType.ALL_F32))
    builder.add("llama.block_count", VT.UINT32, 1)
    builder.add("llama.context_length", VT.UINT32, 128)
    builder.add("llama.embedding_length", VT.UINT32, 32)
    builder.add("llama.attention.head_count", VT.UINT32, 4)
    builder.add("llama.attention.head_count_kv", VT.UINT32, 2)
    builder.add("tokenizer.ggml.tokens", VT.ARRAY, (VT.STRING, [f"t{i}" for i in range(16)]))
    builder.add("tokenizer.ggml.scores", VT.ARRAY, (VT.FLOAT32, [0.5] * 16))
    builder.add("tokenizer.chat_template", VT.STRING, TINY_TEMPLATE)
    builder.tensors.append(Tensor("token_embd.weight", (32, 16)))
    builder.tensors.append(Tensor("blk.0.attn_q.weight", (32, 32), QT.Q8_0))
    return builder
