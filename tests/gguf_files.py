"""Real GGUF files made from the bundled model, for tests that need a particular flaw."""

from __future__ import annotations

from pathlib import Path

import gguf
import numpy as np


def copy_with_metadata(source: Path, target: Path, strings: dict[str, str]) -> Path:
    """Write ``source`` again with some string metadata replaced (tensors copied as they are)."""
    reader = gguf.GGUFReader(source)
    arch = str(reader.fields["general.architecture"].contents())
    writer = gguf.GGUFWriter(target, arch=arch, endianess=reader.endianess)
    alignment = reader.fields.get("general.alignment")
    if alignment is not None:
        writer.data_alignment = int(alignment.contents())
    for field in reader.fields.values():
        if field.name == "general.architecture" or field.name.startswith("GGUF."):
            continue
        if field.name in strings:
            continue
        value_type = field.types[0]
        sub_type = field.types[-1] if value_type == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(field.name, field.contents(), value_type, sub_type=sub_type)
    for name, value in strings.items():
        writer.add_string(name, value)
    for tensor in reader.tensors:
        writer.add_tensor_info(
            tensor.name, tensor.data.shape, tensor.data.dtype, tensor.data.nbytes,
            tensor.tensor_type,
        )
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for tensor in reader.tensors:
        writer.write_tensor_data(np.asarray(tensor.data))
    writer.close()
    return target


def truncated_copy(source: Path, target: Path, fraction: float) -> Path:
    with source.open("rb") as stream:
        target.write_bytes(stream.read(int(source.stat().st_size * fraction)))
    return target
