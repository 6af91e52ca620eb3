"""What the installed llama.cpp was built for, so users see whether a GPU can be used."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

import llama_cpp

from desktop_llm.engine.types import BackendInfo

# Names as llama.cpp's system info prints them, most specific first.
_GPU_BACKENDS = (
    ("CUDA", "CUDA"),
    ("METAL", "Metal"),
    ("VULKAN", "Vulkan"),
    ("HIP", "ROCm"),
    ("SYCL", "SYCL"),
    ("OPENCL", "OpenCL"),
)


def backend_from_system_info(system_info: str) -> str:
    upper = system_info.upper()
    for needle, name in _GPU_BACKENDS:
        if needle in upper:
            return name
    return "CPU"


def backend_info() -> BackendInfo:
    system_info = llama_cpp.llama_print_system_info().decode("utf-8", "replace").strip()
    try:
        package_version = version("llama-cpp-python")
    except PackageNotFoundError:
        package_version = getattr(llama_cpp, "__version__", "unknown")
    return BackendInfo(
        backend=backend_from_system_info(system_info),
        gpu_offload_supported=bool(llama_cpp.llama_supports_gpu_offload()),
        llama_cpp_python_version=package_version,
        system_info=system_info,
    )
