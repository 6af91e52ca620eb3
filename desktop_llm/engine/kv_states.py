"""Saved model states (the KV cache of a conversation), so a long chat is not read again.

After each reply the engine keeps what its context holds: the tokens, and llama.cpp's state
bytes for them (not llama-cpp-python's ``LlamaState``, whose scores array is n_ctx x n_vocab
floats). The recent states stay in memory; every state is also written to a folder on disk,
where the least recently used go first once the folder passes its byte budget. Before a reply
the engine asks for the state sharing the longest token prefix with the prompt.

A state is only ever used by the model file, load settings and llama-cpp-python it was made
with (``StateKey``), and only for the tokens it holds: a prompt reuses exactly the tokens it
has in common with the state, never more. A file that is damaged, cut off or does not match
its own header is removed, never given to llama.cpp. Writes go to a temporary file renamed
into place, on a thread of their own, so a reply never waits for the disk.

This module only stores bytes and tokens; ``llama_session`` moves them in and out of llama.cpp.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import struct
import threading
import time
from array import array
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from desktop_llm.engine.types import DEFAULT_STATE_BUDGET

logger = logging.getLogger(__name__)

# States kept in the engine's memory (beside the model), for switching between conversations.
DEFAULT_MEMORY_BUDGET = 512 * 1024**2
SUFFIX = ".kvstate"
_MAGIC = b"DLLM-KV1"
_HEADER = struct.Struct("<I")  # the JSON header's length, after the magic
# A temporary file this old is a write that died with its engine.
_STALE_TMP_SECONDS = 3600.0


@dataclass(frozen=True)
class StateKey:
    """What a state depends on: the model file, how it was loaded, and the library."""

    model_path: str
    model_size: int
    model_mtime_ns: int
    n_ctx: int
    n_gpu_layers: int
    gpu_layers: int | None
    flash_attn: bool
    safe_mode: bool
    type_k: int
    type_v: int
    library: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def digest(self) -> str:
        text = json.dumps(self.as_dict(), sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(eq=False)
class SavedState:
    """One state: its tokens, and its bytes when in memory and/or its file when on disk."""

    tokens: array  # array("i")
    size: int
    data: Any = None  # a buffer (ctypes array or bytearray) while kept in memory
    path: Path | None = None
    last_used: float = field(default_factory=time.monotonic)


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """How many tokens two sequences share from their start."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _extends(longer: Sequence[int], shorter: Sequence[int]) -> bool:
    return len(longer) >= len(shorter) and common_prefix(longer, shorter) == len(shorter)


def _checksum(tokens: array, data: Any) -> str:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(tokens.tobytes())
    digest.update(memoryview(data).cast("B"))
    return digest.hexdigest()


class StateStore:
    """The saved states of one loaded model. Thread-safe; disk writes on a thread of its own."""

    def __init__(
        self,
        key: StateKey,
        folder: Path | None,
        *,
        budget: int = DEFAULT_STATE_BUDGET,
        memory_budget: int = DEFAULT_MEMORY_BUDGET,
    ) -> None:
        self.key = key
        self._folder = folder
        self._budget = budget
        self._memory_budget = min(memory_budget, budget)
        self._lock = threading.Condition()
        self._memory: OrderedDict[int, SavedState] = OrderedDict()  # oldest use first
        self._disk: dict[Path, SavedState] | None = None  # read from the folder when needed
        self._pending: list[SavedState] = []
        self._closed = False
        self._writer: threading.Thread | None = None
        if folder is not None:
            self._writer = threading.Thread(target=self._write_loop, name="kv-state-writer",
                                             daemon=True)
            self._writer.start()

    # Lookups (the engine worker) ------------------------------------------------------------

    def best(self, prompt: Sequence[int]) -> tuple[int, SavedState] | None:
        """The state sharing the longest token prefix with ``prompt``, and that length."""
        with self._lock:
            candidates = list(self._memory.values()) + list(self._pending)
            candidates += list(self._disk_index().values())
        found: tuple[int, SavedState] | None = None
        for state in candidates:
            shared = common_prefix(state.tokens, prompt)
            if shared and (found is None or shared > found[0]):
                found = (shared, state)
        return found

    def read(self, state: SavedState) -> Any | None:
        """The state's bytes, checked; None (and the file removed) when they cannot be trusted."""
        with self._lock:
            data = state.data
            state.last_used = time.monotonic()
            if data is not None and id(state) in self._memory:
                self._memory.move_to_end(id(state))
        if data is not None:
            if state.path is not None:
                _touch(state.path)
            return data
        if state.path is None:
            return None
        data = self._read_file(state.path, state.tokens)
        if data is None:
            with self._lock:
                if self._disk is not None:
                    self._disk.pop(state.path, None)
            return None
        _touch(state.path)
        return data

    # Saving (the engine worker) -------------------------------------------------------------

    def remember(self, tokens: array, data: Any) -> None:
        """Keep a state: in memory when it fits there, and on disk. ``data`` is not copied:
        the caller hands over a buffer it does not touch again."""
        size = memoryview(data).nbytes
        state = SavedState(tokens=tokens, size=size, data=data)
        with self._lock:
            # A state that the new one extends can serve nothing the new one cannot.
            for old_id, old in list(self._memory.items()):
                if _extends(tokens, old.tokens):
                    del self._memory[old_id]
            self._pending = [p for p in self._pending if not _extends(tokens, p.tokens)]
            if size <= self._memory_budget:
                self._memory[id(state)] = state
                self._trim_memory()
            if self._folder is not None and not self._closed and size <= self._budget:
                self._pending.append(state)
                self._lock.notify_all()

    def close(self, *, wait: bool = True) -> None:
        """Stop writing; with ``wait``, after the states still to be written are on disk."""
        with self._lock:
            self._closed = True
            if not wait:
                self._pending.clear()
            self._memory.clear()
            self._lock.notify_all()
        if self._writer is not None and wait:
            self._writer.join()

    def flush(self) -> None:
        """Wait until every state asked for so far is on disk (tests, benchmarks)."""
        with self._lock:
            while self._pending and self._writer is not None and self._writer.is_alive():
                self._lock.wait(0.1)

    def _trim_memory(self) -> None:
        total = sum(s.size for s in self._memory.values())
        while total > self._memory_budget and self._memory:
            _, oldest = self._memory.popitem(last=False)
            total -= oldest.size
            if oldest.path is not None:
                oldest.data = None  # it stays usable from its file

    # The folder (the writer thread, and the first lookup) -----------------------------------

    def _disk_index(self) -> dict[Path, SavedState]:
        """The states of this key on disk, read once (headers and tokens, not the bytes).
        Called with the lock held."""
        if self._folder is None:
            return {}
        if self._disk is not None:
            return self._disk  # the same dict every time: writes record their files in it
        self._disk = {}
        try:
            entries = list(self._folder.iterdir())
        except OSError:
            return self._disk
        prefix = self.key.digest + "-"
        now = time.time()
        for path in entries:
            if path.name.endswith(".tmp"):
                with contextlib.suppress(OSError):
                    if now - path.stat().st_mtime > _STALE_TMP_SECONDS:
                        path.unlink()
                continue
            if not path.name.endswith(SUFFIX):
                continue
            if not path.name.startswith(prefix):
                # The same model file changed, or was loaded with other settings: its old
                # states can never be used again. Another model's wait for that model.
                if self._made_by_this_model_file(path):
                    _remove(path, "its model file or load settings changed")
                continue
            header = self._read_header(path)
            if header is None:
                _remove(path, "it is damaged")
                continue
            tokens, size = header
            self._disk[path] = SavedState(tokens=tokens, size=size, path=path)
        return self._disk

    def _made_by_this_model_file(self, path: Path) -> bool:
        try:
            with path.open("rb") as file:
                header = _parse_header(file.read(len(_MAGIC) + _HEADER.size), file)
        except (OSError, ValueError):
            return False
        key = header.get("key") if header is not None else None
        return isinstance(key, dict) and key.get("model_path") == self.key.model_path

    def _read_header(self, path: Path) -> tuple[array, int] | None:
        """Tokens and state size from a file of this key, if its header holds together."""
        try:
            with path.open("rb") as file:
                header = _parse_header(file.read(len(_MAGIC) + _HEADER.size), file)
                if header is None or header.get("key") != self.key.as_dict():
                    return None
                n_tokens, size = int(header["n_tokens"]), int(header["size"])
                expected = file.tell() + 4 * n_tokens + size
                if n_tokens <= 0 or size <= 0 or path.stat().st_size != expected:
                    return None
                tokens = array("i")
                tokens.frombytes(file.read(4 * n_tokens))
                return tokens, size
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _read_file(self, path: Path, tokens: array) -> Any | None:
        """The state bytes of a file, if it is whole and matches its tokens and checksum."""
        try:
            with path.open("rb") as file:
                header = _parse_header(file.read(len(_MAGIC) + _HEADER.size), file)
                if header is None or header.get("key") != self.key.as_dict():
                    raise ValueError("its header does not match")
                n_tokens, size = int(header["n_tokens"]), int(header["size"])
                stored = array("i")
                stored.frombytes(file.read(4 * n_tokens))
                if stored != tokens:
                    raise ValueError("its tokens changed")
                data = bytearray(size)
                if file.readinto(data) != size or file.read(1):
                    raise ValueError("its length is wrong")
                if _checksum(stored, data) != header.get("checksum"):
                    raise ValueError("its checksum does not match")
                return data
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as problem:
            _remove(path, str(problem))
            return None

    def _write_loop(self) -> None:
        while True:
            with self._lock:
                while not self._pending and not self._closed:
                    self._lock.wait()
                if not self._pending:
                    return
                state = self._pending[0]
            try:
                self._write(state)
            except OSError as error:
                logger.warning("a model state could not be saved: %s", error)
            with self._lock:
                if self._pending and self._pending[0] is state:
                    self._pending.pop(0)
                self._lock.notify_all()

    def _write(self, state: SavedState) -> None:
        assert self._folder is not None
        self._folder.mkdir(parents=True, exist_ok=True)
        tokens_digest = hashlib.blake2b(state.tokens.tobytes(), digest_size=8).hexdigest()
        path = self._folder / f"{self.key.digest}-{tokens_digest}{SUFFIX}"
        data = state.data
        if data is None:
            return  # evicted from memory before it was written, and not wanted any more
        header = json.dumps({
            "key": self.key.as_dict(),
            "n_tokens": len(state.tokens),
            "size": state.size,
            "checksum": _checksum(state.tokens, data),
        }).encode("utf-8")
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            with tmp.open("wb") as file:
                file.write(_MAGIC + _HEADER.pack(len(header)) + header)
                file.write(state.tokens.tobytes())
                file.write(memoryview(data).cast("B"))
                file.flush()
                os.fsync(file.fileno())
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        with self._lock:
            state.path = path
            index = self._disk_index()
            for old_path, old in list(index.items()):
                if old_path != path and _extends(state.tokens, old.tokens):
                    del index[old_path]
                    _remove(old_path, None)
            index[path] = state
            if id(state) not in self._memory:
                state.data = None  # not kept in memory: its file serves it from now on
        self._enforce_budget()

    def _enforce_budget(self) -> None:
        """Remove the least recently used files of the folder (any model) past the budget."""
        assert self._folder is not None
        files = []
        for path in self._folder.glob(f"*{SUFFIX}"):
            with contextlib.suppress(OSError):
                stat = path.stat()
                files.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in files)
        for _, size, path in sorted(files):
            if total <= self._budget:
                break
            _remove(path, None)
            total -= size
            with self._lock:
                if self._disk is not None:
                    self._disk.pop(path, None)


def _parse_header(start: bytes, file: Any) -> dict[str, Any] | None:
    if len(start) != len(_MAGIC) + _HEADER.size or not start.startswith(_MAGIC):
        return None
    (length,) = _HEADER.unpack(start[len(_MAGIC):])
    if length > 1 << 20:
        return None
    header = json.loads(file.read(length).decode("utf-8"))
    return header if isinstance(header, dict) else None


def _touch(path: Path) -> None:
    """Mark a file as just used: the budget removes the least recently used first."""
    with contextlib.suppress(OSError):
        os.utime(path)


def _remove(path: Path, reason: str | None) -> None:
    if reason:
        logger.warning("removing the saved model state %s: %s", path.name, reason)
    with contextlib.suppress(OSError):
        path.unlink()
