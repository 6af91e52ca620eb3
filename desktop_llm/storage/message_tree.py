"""The message tree of one conversation, worked out from its (id, parent_id) pairs.

Edits and regenerations add a new child beside the old one instead of replacing it, so a
conversation is a tree; the branch shown runs from a root to the conversation's current leaf.
Reading only the pairs (two integers a message) keeps this cheap for long conversations; the
rows themselves are loaded for the one branch shown.
"""

from __future__ import annotations

from collections.abc import Iterable


class MessageTree:
    """Parents and children of every message of one conversation (ids only)."""

    def __init__(self, pairs: Iterable[tuple[int, int | None]]) -> None:
        self._parent: dict[int, int | None] = dict(pairs)
        self._children: dict[int | None, list[int]] = {}
        # Ids grow with time (AUTOINCREMENT), so id order is age order: oldest first.
        for message_id in sorted(self._parent):
            parent = self._parent[message_id]
            if parent is not None and parent not in self._parent:
                # Only a hand-edited file can lose a parent; show the orphan as a root.
                parent = self._parent[message_id] = None
            self._children.setdefault(parent, []).append(message_id)

    def __contains__(self, message_id: object) -> bool:
        return message_id in self._parent

    def __len__(self) -> int:
        return len(self._parent)

    def parent(self, message_id: int) -> int | None:
        return self._parent[message_id]

    def siblings(self, message_id: int) -> tuple[int, ...]:
        """Every version at this message's place in the tree, itself included, oldest first."""
        return tuple(self._children[self._parent[message_id]])

    def path_to(self, message_id: int) -> list[int]:
        """The ids from the root down to ``message_id``."""
        path = [message_id]
        seen = {message_id}
        parent = self._parent[message_id]
        while parent is not None and parent not in seen:  # `seen` guards a hand-made cycle
            path.append(parent)
            seen.add(parent)
            parent = self._parent[parent]
        path.reverse()
        return path

    def newest_leaf_under(self, message_id: int | None) -> int | None:
        """Descend from ``message_id`` (None: from the roots) to the newest child at each step.

        Returns ``message_id`` itself when it has no children, and None for an empty tree.
        """
        current = message_id
        while True:
            children = self._children.get(current)
            if not children:
                return current
            current = children[-1]

    def newest(self) -> int | None:
        """The most recently written message, or None for an empty tree."""
        return max(self._parent, default=None)

    def subtree(self, message_id: int) -> set[int]:
        """``message_id`` and all its descendants."""
        found = {message_id}
        pending = [message_id]
        while pending:
            for child in self._children.get(pending.pop(), ()):
                if child not in found:
                    found.add(child)
                    pending.append(child)
        return found

    def without(self, removed: set[int]) -> MessageTree:
        """The tree after ``removed`` (a whole subtree) is deleted."""
        return MessageTree(
            (message_id, parent)
            for message_id, parent in self._parent.items()
            if message_id not in removed
        )
