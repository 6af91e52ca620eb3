"""Message trees read from files: cycles found without recursion, parents put before children.

A file names each message's parent; nothing stops a hostile (or broken) one from making a
message its own ancestor, which would send any walk up the tree round for ever.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TypeVar

Key = TypeVar("Key", bound=Hashable)


def find_cycle(parents: Mapping[Key, Key | None]) -> Key | None:
    """A key on a cycle of ``parents`` (a key that is its own ancestor), or None.

    Parents missing from ``parents`` end a walk as roots do. Each key is walked once: O(n).
    """
    done: set[Key] = set()
    for start in parents:
        if start in done:
            continue
        path: list[Key] = []
        on_path: set[Key] = set()
        key: Key | None = start
        while key is not None and key in parents and key not in done:
            if key in on_path:
                return key
            path.append(key)
            on_path.add(key)
            key = parents[key]
        done.update(path)
    return None


def parents_first(
    keys: Sequence[Key],
    parents: Mapping[Key, Key | None],
    order: Callable[[Key], tuple[float, int]] | None = None,
) -> list[Key]:
    """``keys`` reordered so that each comes after its parent (the tree must have no cycle).

    Among the keys ready at each step the smallest ``order`` goes first (default: the position
    in ``keys``), so a list already in a good order is returned unchanged, and siblings keep
    their order. Parents outside ``keys`` count as roots.
    """
    position = {key: index for index, key in enumerate(keys)}
    if all(
        parents[key] is None or parents[key] not in position or position[parents[key]] < index
        for index, key in enumerate(keys)
    ):
        return list(keys)
    rank = order or (lambda key: (0.0, position[key]))
    children: dict[Key, list[Key]] = {}
    ready: list[tuple[tuple[float, int], int, Key]] = []
    for key in keys:
        parent = parents[key]
        if parent is None or parent not in position:
            ready.append((rank(key), position[key], key))
        else:
            children.setdefault(parent, []).append(key)
    heapq.heapify(ready)
    result: list[Key] = []
    while ready:
        _rank, _index, key = heapq.heappop(ready)
        result.append(key)
        for child in children.get(key, ()):
            heapq.heappush(ready, (rank(child), position[child], child))
    return result
