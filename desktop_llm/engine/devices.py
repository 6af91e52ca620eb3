"""The memory of the devices llama.cpp can run on (RAM, and VRAM on a GPU build).

llama-cpp-python does not wrap ggml's device API, so it is called through ctypes on the
ggml library that ships inside the llama_cpp package; the fit estimate needs real numbers.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import llama_cpp

logger = logging.getLogger(__name__)

# enum ggml_backend_dev_type: CPU, GPU, ACCEL (BLAS and the like), IGPU.
_DEVICE_KINDS = {0: "cpu", 1: "gpu", 2: "accel", 3: "gpu"}


@dataclass(frozen=True)
class DeviceMemory:
    name: str
    kind: Literal["cpu", "gpu", "accel"]
    free_bytes: int
    total_bytes: int


def _ggml_library() -> ctypes.CDLL | None:
    names = {"win32": "ggml.dll", "darwin": "libggml.dylib"}
    path = Path(llama_cpp.__file__).parent / "lib" / names.get(sys.platform, "libggml.so")
    try:
        library = ctypes.CDLL(str(path))
        library.ggml_backend_dev_count.restype = ctypes.c_size_t
        library.ggml_backend_dev_get.restype = ctypes.c_void_p
        library.ggml_backend_dev_get.argtypes = [ctypes.c_size_t]
        library.ggml_backend_dev_name.restype = ctypes.c_char_p
        library.ggml_backend_dev_name.argtypes = [ctypes.c_void_p]
        library.ggml_backend_dev_type.restype = ctypes.c_int
        library.ggml_backend_dev_type.argtypes = [ctypes.c_void_p]
        library.ggml_backend_dev_memory.argtypes = [
            ctypes.c_void_p, ctypes.POINTER(ctypes.c_size_t), ctypes.POINTER(ctypes.c_size_t)
        ]
    except (OSError, AttributeError) as error:
        logger.warning("ggml's device list is unavailable (%s); using the OS for RAM", error)
        return None
    return library


@cache
def devices() -> tuple[DeviceMemory, ...]:
    library = _ggml_library()
    if library is None:
        return (DeviceMemory("CPU", "cpu", _system_ram(), _system_ram()),)
    found = []
    for index in range(library.ggml_backend_dev_count()):
        device = library.ggml_backend_dev_get(index)
        free, total = ctypes.c_size_t(), ctypes.c_size_t()
        library.ggml_backend_dev_memory(device, ctypes.byref(free), ctypes.byref(total))
        kind = _DEVICE_KINDS.get(library.ggml_backend_dev_type(device), "accel")
        name = (library.ggml_backend_dev_name(device) or b"?").decode("utf-8", "replace")
        found.append(DeviceMemory(name, kind, free.value, total.value))  # type: ignore[arg-type]
    return tuple(found)


def total_ram() -> int:
    cpu = next((d for d in devices() if d.kind == "cpu" and d.total_bytes), None)
    return cpu.total_bytes if cpu else _system_ram()


def total_vram() -> int | None:
    """All GPU memory together, or None on a machine (or build) with no GPU."""
    gpus = [d.total_bytes for d in devices() if d.kind == "gpu"]
    return sum(gpus) if gpus else None


def _system_ram() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0
