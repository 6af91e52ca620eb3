"""How a child process ended, in words a user can read. Shared by every child the app runs."""

from __future__ import annotations

import signal

# What people (and bug reports) call these; the bare signal names mean little to most users.
_SIGNAL_WORDS = {
    "SIGSEGV": "segmentation fault",
    "SIGABRT": "aborted",
    "SIGKILL": "killed",
    "SIGBUS": "bus error",
    "SIGILL": "illegal instruction",
    "SIGFPE": "arithmetic error",
    "SIGTERM": "terminated",
}
# Windows reports a crash as an NTSTATUS exit code.
_WINDOWS_CODES = {
    0xC0000005: "access violation",
    0xC000001D: "illegal instruction",
    0xC00000FD: "stack overflow",
    0xC0000409: "aborted",
}


def describe_exit(code: int | None) -> str:
    """``-11`` -> "segmentation fault", ``3`` -> "exit code 3"."""
    if code is None:
        return "still running"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            return f"signal {-code}"
        return _SIGNAL_WORDS.get(name, name)
    if code in _WINDOWS_CODES or (code & 0xFFFFFFFF) in _WINDOWS_CODES:
        return _WINDOWS_CODES[code & 0xFFFFFFFF]
    return f"exit code {code}"


# Deaths that mean a bug in native code (a bad kernel, an assert), not a kill from outside
# (SIGKILL: the user, or the kernel's OOM killer) or an orderly exit.
_FAULT_SIGNALS = {"SIGSEGV", "SIGILL", "SIGBUS", "SIGABRT", "SIGFPE"}


def died_of_a_fault(code: int | None) -> bool:
    if code is None:
        return False
    if code < 0:
        try:
            return signal.Signals(-code).name in _FAULT_SIGNALS
        except ValueError:
            return False
    return (code & 0xFFFFFFFF) in _WINDOWS_CODES
