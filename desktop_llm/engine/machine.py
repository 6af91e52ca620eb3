"""What this machine has, in pure Python: cores, CPU identity, and the memory llama.cpp reported.

Imported by the app as well as by the engine process, so it must never load llama_cpp.
"""

from __future__ import annotations

import hashlib
import os
import platform
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import psutil


@dataclass(frozen=True)
class DeviceMemory:
    """One device llama.cpp can run on, as ggml's device list describes it."""

    name: str
    kind: Literal["cpu", "gpu", "accel"]
    free_bytes: int
    total_bytes: int


def ram_bytes(devices: tuple[DeviceMemory, ...]) -> int:
    cpu = next((d for d in devices if d.kind == "cpu" and d.total_bytes), None)
    return cpu.total_bytes if cpu else system_ram()


def vram_bytes(devices: tuple[DeviceMemory, ...]) -> int | None:
    """All GPU memory together, or None on a machine (or build) with no GPU."""
    gpus = [d.total_bytes for d in devices if d.kind == "gpu"]
    return sum(gpus) if gpus else None


def system_ram() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


@cache
def default_threads() -> int:
    """One llama.cpp thread per physical core, as llama.cpp's own default.

    Half the logical CPUs was wrong both ways: a 2-core machine without SMT got one thread
    (42 tokens/s against 69 with two), and hybrid CPUs have cores without siblings. More
    threads than cores make llama.cpp's spinning workers fight over SMT siblings. The window
    stays smooth because the engine process runs at a lower priority than the app.
    """
    return psutil.cpu_count(logical=False) or os.cpu_count() or 1


def cpu_description() -> str:
    """The CPU's model name, for messages ("Intel Xeon Platinum 8488C")."""
    if sys.platform.startswith("linux"):
        try:
            for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
                if line.startswith("model name"):
                    return line.partition(":")[2].strip()
        except OSError:
            pass
    return platform.processor() or platform.machine() or "this CPU"


@cache
def cpu_fingerprint() -> str:
    """Stays the same on this machine and changes with the CPU (a data folder moved or copied
    to another machine must not carry a safe-mode verdict that was about this CPU)."""
    flags = ""
    if sys.platform.startswith("linux"):
        try:
            for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
                if line.startswith(("flags", "Features")):
                    flags = " ".join(sorted(line.partition(":")[2].split()))
                    break
        except OSError:
            pass
    digest = hashlib.sha256(f"{cpu_description()}|{platform.machine()}|{flags}".encode())
    return digest.hexdigest()[:16]
