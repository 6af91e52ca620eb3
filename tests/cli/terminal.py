"""A command run on a real pseudo-terminal and driven by keystrokes, as a user at a terminal
drives it: the line discipline turns Ctrl+C into SIGINT for the foreground process group,
echoes what is typed and hands the program a TTY on stdin and stdout."""

from __future__ import annotations

import os
import re
import select
import signal
import time
from collections.abc import Mapping, Sequence

# Cursor movement, colours, bracketed paste: what readline and the program add around text.
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\x1b[=>]|[\x01\x02\x07]")


def plain(raw: str) -> str:
    """What the terminal shows, without control sequences and with plain newlines."""
    return _ESCAPES.sub("", raw).replace("\r\n", "\n").replace("\r", "")


class Terminal:
    def __init__(self, argv: Sequence[str], env: Mapping[str, str]) -> None:
        pid, fd = os.forkpty()
        if pid == 0:  # the child: nothing but exec (the parent may have threads)
            try:
                os.execve(argv[0], list(argv), dict(env))
            finally:
                os._exit(127)
        self.pid, self._fd = pid, fd
        self.raw = ""  # everything the program wrote, escapes included
        self._seen = 0  # where the next expect() starts looking, in plain(self.raw)
        self.returncode: int | None = None

    @property
    def screen(self) -> str:
        return plain(self.raw)

    def send(self, keys: str) -> None:
        os.write(self._fd, keys.encode("utf-8"))

    def line(self, text: str) -> None:
        self.send(text + "\r")  # Enter, as a terminal sends it

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self._fd], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self._fd, 65536)
        except OSError:  # EIO: the program has closed the terminal (it exited)
            return False
        if not data:
            return False
        self.raw += data.decode("utf-8", errors="replace")
        return True

    def expect(self, pattern: str, timeout: float) -> re.Match[str]:
        """Wait for ``pattern`` (a regex) in what is shown after the previous match."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while True:
            found = regex.search(self.screen, self._seen)
            if found is not None:
                self._seen = found.end()
                return found
            left = deadline - time.monotonic()
            if left <= 0 or (not self._read(min(left, 0.2)) and self.exited()):
                tail = self.screen[self._seen:][-2000:]
                raise AssertionError(f"{pattern!r} not shown in {timeout} s; after: {tail!r}")

    def exited(self) -> bool:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == 0:
                return False
            self.returncode = os.waitstatus_to_exitcode(status)
        return True

    def wait(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while not self.exited():
            if time.monotonic() > deadline:
                raise AssertionError(f"still running after {timeout} s: {self.screen[-2000:]!r}")
            self._read(0.1)
        while self._read(0):  # what it wrote last
            if not select.select([self._fd], [], [], 0)[0]:
                break
        assert self.returncode is not None
        return self.returncode

    def close(self) -> None:
        if not self.exited():
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self._fd)
