"""A conversation with every message of every branch: what an exporter is given."""

from __future__ import annotations

from dataclasses import dataclass

from desktop_llm.storage import ConversationRecord, MessageRecord


@dataclass(frozen=True)
class Transcript:
    conversation: ConversationRecord
    # Every message of every branch, parents before children (the store's id order).
    messages: tuple[MessageRecord, ...]

    def shown(self) -> list[MessageRecord]:
        """The branch shown in the window: root to the conversation's current leaf (or to the
        last message when the leaf is unknown)."""
        if not self.messages:
            return []
        by_id = {message.id: message for message in self.messages}
        leaf = by_id.get(self.conversation.current_leaf_id or -1, self.messages[-1])
        path: list[MessageRecord] = []
        seen: set[int] = set()
        node: MessageRecord | None = leaf
        while node is not None and node.id not in seen:
            seen.add(node.id)
            path.append(node)
            node = by_id.get(node.parent_id) if node.parent_id is not None else None
        path.reverse()
        return path
