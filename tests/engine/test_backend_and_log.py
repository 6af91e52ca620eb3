"""Backend detection and reading llama.cpp's log for the real GPU offload."""

from __future__ import annotations

import pytest

from desktop_llm.engine.backend import backend_from_system_info, backend_info
from desktop_llm.engine.llama_log import LlamaLog


def test_backend_of_this_build() -> None:
    info = backend_info()
    assert info.backend == backend_from_system_info(info.system_info)
    assert info.llama_cpp_python_version.startswith("0.3")
    # This machine's build is CPU-only: it must not claim GPU offload.
    if info.backend == "CPU":
        assert info.gpu_offload_supported is False


@pytest.mark.parametrize(
    ("system_info", "expected"),
    [
        ("CPU : SSE3 = 1 | AVX = 1 | AVX2 = 1 |", "CPU"),
        ("CUDA : ARCHS = 890 | USE_GRAPHS = 1 | CPU : SSE3 = 1 |", "CUDA"),
        ("Metal : EMBED_LIBRARY = 1 | CPU : NEON = 1 |", "Metal"),
        ("Vulkan : | CPU : AVX = 1 |", "Vulkan"),
    ],
)
def test_backend_names(system_info: str, expected: str) -> None:
    assert backend_from_system_info(system_info) == expected


def _feed(log: LlamaLog, *lines: bytes) -> None:
    for line in lines:
        log._receive(2, line + b"\n")


def test_offload_read_from_a_gpu_build_log() -> None:
    log = LlamaLog()
    mark = log.mark()
    _feed(log, b"load_tensors: offloading 20 repeating layers to GPU",
          b"load_tensors: offloaded 20/33 layers to GPU")
    assert log.offloaded_layers(mark) == (20, 33)


def test_offload_read_from_layer_assignments() -> None:
    log = LlamaLog()
    _feed(log, b"load_tensors: offloaded 33/33 layers to GPU")  # an earlier load
    mark = log.mark()
    _feed(log, *(b"load_tensors: layer %3d assigned to device CPU, is_swa = 0" % i
                 for i in range(4)))
    _feed(log, *(b"load_tensors: layer %3d assigned to device CUDA0, is_swa = 0" % i
                 for i in range(4, 10)))
    assert log.offloaded_layers(mark) == (6, 10)


def test_log_lines_split_across_callbacks_are_joined() -> None:
    log = LlamaLog()
    mark = log.mark()
    log._receive(3, b"llama_model_load: error loading model: ")
    log._receive(5, b"tensor data is not within the file bounds\n")
    assert log.errors_since(mark) == [
        "llama_model_load: error loading model: tensor data is not within the file bounds"
    ]
