"""The memory of the devices llama.cpp can run on (RAM, and VRAM on a GPU build).

llama-cpp-python does not wrap ggml's device API, so it is called through ctypes on the
ggml library that ships inside the llama_cpp package; the fit estimate needs real numbers.
"""

from __future__ import annotations

import ctypes
import logging
import sys
from functools import cache
from pathlib import Path

import llama_cpp

from desktop_llm.engine.machine import DeviceMemory, system_ram

logger = logging.getLogger(__name__)

# enum ggml_backend_dev_type: CPU, GPU, ACCEL (BLAS and the like), IGPU.
_DEVICE_KINDS = {0: "cpu", 1: "gpu", 2: "accel", 3: "gpu"}


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
        return (DeviceMemory("CPU", "cpu", system_ram(), system_ram()),)
    found = []
    for index in range(library.ggml_backend_dev_count()):
        device = library.ggml_backend_dev_get(index)
        free, total = ctypes.c_size_t(), ctypes.c_size_t()
        library.ggml_backend_dev_memory(device, ctypes.byref(free), ctypes.byref(total))
        kind = _DEVICE_KINDS.get(library.ggml_backend_dev_type(device), "accel")
        name = (library.ggml_backend_dev_name(device) or b"?").decode("utf-8", "replace")
        found.append(DeviceMemory(name, kind, free.value, total.value))  # type: ignore[arg-type]
    return tuple(found)
