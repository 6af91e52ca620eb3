"""ChatGPT's data export: ``conversations.json``, a list of conversations, each a tree.

A conversation's ``mapping`` holds its nodes by id: ``{"id", "message" (or null), "parent",
"children"}``; ``current_node`` is the last node of the branch shown. Nodes without a message
(the root), messages hidden from the user (the system message, custom instructions), tool
messages (browsing, code output) and tool calls are left out, and the children of a node left
out are attached to its nearest kept ancestor, so every branch survives. Content parts that are
not text (``image_asset_pointer`` and other objects) are skipped and counted; the text of voice
messages is kept. A reply's "thoughts" become its reasoning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from desktop_llm.i18n import translatable, translate
from desktop_llm.storage import ImportedConversation, ImportedMessage
from desktop_llm.transcripts.import_limits import MAX_MESSAGES_PER_CONVERSATION, MAX_TEXT_CHARS
from desktop_llm.transcripts.import_tree import find_cycle, parents_first
from desktop_llm.transcripts.json_fields import (
    Converted,
    Fields,
    check_text,
    refuse,
    short,
    too_many_messages,
)

# ChatGPT's finish_details.type -> ours.
_FINISH_REASONS = {"stop": "stop", "max_tokens": "length", "interrupted": "cancelled"}
# Content types of words a person wrote or read in the conversation.
_TEXT_TYPES = ("text", "multimodal_text")
# Parts that are objects but hold what was said (a voice message's transcript).
_TEXT_PART_TYPES = ("audio_transcription",)
# How far above a reply its thoughts are looked for. ChatGPT puts them one or two nodes up;
# without a bound, many replies under one long run of left-out nodes would each walk all of it.
_THOUGHTS_REACH = 8


def is_conversation(value: object) -> bool:
    return isinstance(value, dict) and "mapping" in value


@dataclass(frozen=True)
class _Said:
    """A kept message, before its place in the tree and its time are settled."""

    role: str
    content: str
    model: str | None = None
    finish_reason: str | None = None


@dataclass(frozen=True)
class _Node:
    """What one node of the mapping becomes."""

    parent: str | None
    time: datetime | None
    # None: left out of the import (its children move up to its nearest kept ancestor).
    message: _Said | None = None
    # A visible system message, which becomes the system prompt.
    system_text: str | None = None
    # The reply's thinking, from a "thoughts" node: given to the reply below it.
    thoughts: str = ""
    skipped_parts: int = 0
    skipped_message: bool = False


def conversation_from_chatgpt(value: Any, *, where: str, now: datetime) -> Converted:
    fields = Fields(value, where, what=translatable("Import", "a ChatGPT conversation"))
    title = fields.name("title", required=False, null=True) or ""
    if title:
        where = f"{where} ({short(title)!r})"
        fields.where = where
    mapping = fields.object("mapping")
    assert mapping is not None
    if len(mapping.value) > MAX_MESSAGES_PER_CONVERSATION:
        raise refuse(where, too_many_messages(len(mapping.value)))
    node_at = translate("Import", "{where}, node {node}")
    nodes = {
        node_id: _node(node, node_at.format(where=where, node=repr(short(node_id))))
        for node_id, node in mapping.value.items()
    }
    parents = {
        node_id: node.parent if node.parent in nodes else None for node_id, node in nodes.items()
    }
    cycle = find_cycle(parents)
    if cycle is not None:
        raise refuse(where, translate(
            "Import", "its message tree has a cycle (node {node} is its own ancestor)"
        ).format(node=repr(short(cycle))))
    # Versions of one place in the tree (siblings) oldest first, as the app lists them.
    position = {node_id: index for index, node_id in enumerate(nodes)}
    order = parents_first(
        list(nodes),
        parents,
        lambda node_id: (_seconds(nodes[node_id].time), position[node_id]),
    )

    system_prompt = ""
    for node_id in order:
        node = nodes[node_id]
        if node.system_text is not None and not system_prompt:
            system_prompt = node.system_text
        elif node.system_text is not None:
            nodes[node_id] = _Node(node.parent, node.time, _Said("system", node.system_text))
    kept = _Kept(nodes, parents)
    messages: dict[str, ImportedMessage] = {}
    times: dict[str, datetime] = {}
    created = fields.epoch_time("create_time")
    for node_id in order:
        message = nodes[node_id].message
        if message is None:
            continue
        parent = kept.at_or_above(parents[node_id])
        time = nodes[node_id].time or (times[parent] if parent else None) or created or now
        times[node_id] = time
        reasoning = kept.thoughts_above(node_id) if message.role == "assistant" else ""
        messages[node_id] = ImportedMessage(
            key=node_id,
            parent_key=parent,
            role=message.role,
            content=message.content,
            reasoning=reasoning,
            created_at=time,
            model=message.model,
            finish_reason=message.finish_reason,
        )
    model = fields.name("default_model_slug", required=False, null=True)
    current = fields.name("current_node", required=False, null=True)
    leaf = kept.at_or_above(current) if current in nodes else None
    created = created or min(times.values(), default=now)
    return Converted(
        ImportedConversation(
            title=title,
            created_at=created,
            updated_at=fields.epoch_time("update_time") or max(times.values(), default=created),
            messages=tuple(messages.values()),
            model=model,
            system_prompt=system_prompt,
            current_leaf_key=leaf,
        ),
        skipped_parts=sum(node.skipped_parts for node in nodes.values()),
        skipped_messages=sum(node.skipped_message for node in nodes.values()),
    )


def _seconds(time: datetime | None) -> float:
    return time.timestamp() if time is not None else 0.0


class _Kept:
    """Finds each node's nearest kept ancestor (the tree has no cycle), remembering answers."""

    def __init__(self, nodes: dict[str, _Node], parents: dict[str, str | None]) -> None:
        self._nodes = nodes
        self._parents = parents
        self._known: dict[str, str | None] = {}

    def at_or_above(self, node_id: str | None) -> str | None:
        path: list[str] = []
        while node_id is not None and node_id not in self._known:
            if self._nodes[node_id].message is not None:
                self._known[node_id] = node_id
                break
            path.append(node_id)
            node_id = self._parents[node_id]
        found = None if node_id is None else self._known[node_id]
        for skipped in path:
            self._known[skipped] = found
        return found

    def thoughts_above(self, node_id: str) -> str:
        """The thinking of the nodes left out just above a reply (thoughts, then a recap)."""
        texts: list[str] = []
        parent = self._parents[node_id]
        for _ in range(_THOUGHTS_REACH):
            if parent is None or self._nodes[parent].message is not None:
                break
            if self._nodes[parent].thoughts:
                texts.append(self._nodes[parent].thoughts)
            parent = self._parents[parent]
        return "\n\n".join(reversed(texts))


def _node(value: object, where: str) -> _Node:
    node = Fields(value, where, what=translatable("Import", "a message node"))
    parent = node.name("parent", required=False, null=True)
    message = node.object("message", required=False, null=True)
    if message is None:
        return _Node(parent, None)
    time = message.epoch_time("create_time")
    author = message.object("author")
    assert author is not None
    role = author.name("role")
    metadata = message.object("metadata", required=False, null=True)
    hidden = metadata is not None and metadata.value.get("is_visually_hidden_from_conversation")
    content = message.object("content")
    assert content is not None
    content_type = content.name("content_type")
    if hidden:
        return _Node(parent, time)
    if role == "tool":
        return _Node(parent, time, skipped_message=True)
    if content_type == "thoughts":
        return _Node(parent, time, thoughts=_thoughts(content))
    if content_type == "reasoning_recap":  # "Thought for 12 seconds": the thoughts say more
        return _Node(parent, time)
    recipient = message.value.get("recipient", "all")
    if role not in ("user", "assistant", "system") or (
        content_type in _TEXT_TYPES and recipient != "all"
    ):
        # A call to a tool (a search, an image request, a memory update) or an unknown author.
        return _Node(parent, time, skipped_message=True)
    if content_type in _TEXT_TYPES:
        text, skipped_parts = _parts(content)
    elif content_type == "code":
        text, skipped_parts = _code(content), 0
    else:
        return _Node(parent, time, skipped_message=True)
    if not text.strip():
        return _Node(parent, time, skipped_parts=skipped_parts)
    if role == "system":
        return _Node(parent, time, system_text=text)
    said = (
        _Said(role, text, *_reply_details(metadata)) if role == "assistant" else _Said(role, text)
    )
    return _Node(parent, time, said, skipped_parts=skipped_parts)


def _parts(content: Fields) -> tuple[str, int]:
    parts = content.array("parts", required=False, null=True) or []
    texts: list[str] = []
    skipped = 0
    for number, part in enumerate(parts, start=1):
        if isinstance(part, str):
            texts.append(part)
        elif isinstance(part, dict) and part.get("content_type") in _TEXT_PART_TYPES:
            where = translate("Import", "{where}, part {number}").format(
                where=content.where, number=number
            )
            text = Fields(part, where).text("text")
            texts.append(text or "")
        else:
            skipped += 1  # an image, a file, audio: nothing the app can show
    joined = "\n\n".join(text for text in texts if text)
    if len(joined) > MAX_TEXT_CHARS:
        check_text(joined, content.where, "parts")
    return joined, skipped


def _code(content: Fields) -> str:
    text = content.text("text") or ""
    language = content.name("language", required=False, null=True) or ""
    if language == "unknown":
        language = ""
    fence = "```"
    while fence in text:  # a fence longer than any run of backticks inside
        fence += "`"
    return f"{fence}{language}\n{text}\n{fence}" if text.strip() else ""


def _thoughts(content: Fields) -> str:
    thoughts = content.array("thoughts", required=False, null=True) or []
    texts: list[str] = []
    for number, thought in enumerate(thoughts, start=1):
        fields = Fields(thought, translate("Import", "{where}, thought {number}").format(
            where=content.where, number=number
        ))
        summary = fields.text("summary", required=False, null=True) or ""
        body = fields.text("content", required=False, null=True) or ""
        texts.append(f"{summary}\n{body}".strip())
    joined = "\n\n".join(text for text in texts if text)
    check_text(joined, content.where, "thoughts")
    return joined


def _reply_details(metadata: Fields | None) -> tuple[str | None, str]:
    """A reply's model and how it ended ("stop" when the export does not say)."""
    if metadata is None:
        return None, "stop"
    model = metadata.name("model_slug", required=False, null=True)
    details = metadata.object("finish_details", required=False, null=True)
    kind = details.name("type", required=False, null=True) if details is not None else None
    return model, _FINISH_REASONS.get(kind or "stop", "stop")
