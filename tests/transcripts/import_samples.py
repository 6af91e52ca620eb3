"""Files the import tests build: ChatGPT-style exports, OpenAI-style message files, and the
service the imports go through (a real history file, no model)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_llm.chat.service import ChatService
from desktop_llm.paths import AppPaths
from desktop_llm.storage import ConversationRecord, MessageRecord
from tests.thread_check import assert_threads_end, python_threads

T0 = 1_700_000_000.25  # ChatGPT's times: seconds since 1970, as floats
IMAGE_PART = {
    "content_type": "image_asset_pointer",
    "asset_pointer": "file-service://file-AbC123",
    "size_bytes": 123456,
    "width": 1024,
    "height": 768,
    "fovea": None,
    "metadata": {"dalle": None},
}
THOUGHTS = "Looking at the picture: whiskers, pointed ears."


@pytest.fixture
def service(paths: AppPaths) -> Iterator[ChatService]:
    """The chat service on this test's own history file; no model is loaded."""
    before = python_threads()
    with ChatService.open(paths) as opened:
        yield opened
    assert_threads_end(before)


def write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return path


def node(
    node_id: str,
    parent: str | None,
    children: list[str],
    *,
    role: str | None = None,
    parts: list[Any] | None = None,
    time: float | None = None,
    content: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    recipient: str = "all",
) -> dict[str, Any]:
    """One node of a ChatGPT ``mapping``; no role: the message-less root."""
    message = None
    if role is not None:
        if content is None:
            multimodal = any(not isinstance(part, str) for part in parts or [])
            content = {
                "content_type": "multimodal_text" if multimodal else "text",
                "parts": parts or [],
            }
        message = {
            "id": node_id,
            "author": {"role": role, "name": None, "metadata": {}},
            "create_time": time,
            "update_time": None,
            "content": content,
            "status": "finished_successfully",
            "end_turn": True,
            "weight": 1.0,
            "metadata": metadata or {},
            "recipient": recipient,
            "channel": None,
        }
    return {"id": node_id, "message": message, "parent": parent, "children": children}


def reply_metadata(finish: str = "stop", model: str = "gpt-4o") -> dict[str, Any]:
    return {"finish_details": {"type": finish, "stop_tokens": [200002]}, "model_slug": model}


def chatgpt_conversation(title: str | None = "Cat picture 猫") -> dict[str, Any]:
    """A conversation as ChatGPT exports it::

        root (no message) -> sys (hidden system)
          -> u1 (user: an image and a question)
               -> a1 (reply) -> u2 -> c1 (code, to python) -> tool1 (its output) -> a3
               -> th (thoughts) -> rr (recap) -> a2 (regenerated reply, cut off; shown)
          -> u1b (the question edited) -> a4

    The mapping lists children before their parents, as nothing in the format forbids.
    """
    nodes = [
        node(
            "a4",
            "u1b",
            [],
            role="assistant",
            parts=["Edited answer"],
            time=T0 + 10,
            metadata=reply_metadata(),
        ),
        node("u1b", "sys", ["a4"], role="user", parts=["Edited question"], time=T0 + 9),
        node(
            "a2",
            "rr",
            [],
            role="assistant",
            parts=["Probably a cat, 猫."],
            time=T0 + 8,
            metadata=reply_metadata("max_tokens", "o1"),
        ),
        node(
            "rr",
            "th",
            ["a2"],
            role="assistant",
            time=T0 + 7,
            content={"content_type": "reasoning_recap", "content": "Thought for 3 seconds"},
        ),
        node(
            "th",
            "u1",
            ["rr"],
            role="assistant",
            time=T0 + 6,
            content={
                "content_type": "thoughts",
                "thoughts": [{"summary": "Looking", "content": THOUGHTS}],
                "source_analysis_msg_id": "x",
            },
        ),
        node("root", None, ["sys"]),
        node(
            "sys",
            "root",
            ["u1", "u1b"],
            role="system",
            parts=[""],
            metadata={"is_visually_hidden_from_conversation": True},
        ),
        node(
            "u1",
            "sys",
            ["a1", "th"],
            role="user",
            time=T0 + 1,
            parts=[IMAGE_PART, "What is in this picture? 图片里有什么？"],
        ),
        node(
            "a1",
            "u1",
            ["u2"],
            role="assistant",
            parts=["A cat."],
            time=T0 + 2,
            metadata=reply_metadata(),
        ),
        node("u2", "a1", ["c1"], role="user", parts=["Count to one in Python"], time=T0 + 3),
        node(
            "c1",
            "u2",
            ["tool1"],
            role="assistant",
            time=T0 + 4,
            recipient="python",
            content={"content_type": "code", "language": "python", "text": "print(1)"},
        ),
        node(
            "tool1",
            "c1",
            ["a3"],
            role="tool",
            time=T0 + 4.5,
            content={"content_type": "execution_output", "text": "1"},
        ),
        node(
            "a3",
            "tool1",
            [],
            role="assistant",
            parts=["It printed 1."],
            time=T0 + 5,
            metadata=reply_metadata(),
        ),
    ]
    return {
        "title": title,
        "create_time": T0,
        "update_time": T0 + 100,
        "mapping": {n["id"]: n for n in nodes},
        "moderation_results": [],
        "current_node": "a2",
        "plugin_ids": None,
        "conversation_id": "6578a0c1-0000-0000-0000-000000000000",
        "default_model_slug": "gpt-4o",
        "is_archived": False,
        "id": "6578a0c1-0000-0000-0000-000000000000",
    }


def simple_chatgpt(title: str, question: str, answer: str, time: float = T0) -> dict[str, Any]:
    nodes = [
        node("root", None, ["q"]),
        node("q", "root", ["a"], role="user", parts=[question], time=time),
        node(
            "a", "q", [], role="assistant", parts=[answer], time=time + 1, metadata=reply_metadata()
        ),
    ]
    return {
        "title": title,
        "create_time": time,
        "update_time": time + 1,
        "mapping": {n["id"]: n for n in nodes},
        "current_node": "a",
        "default_model_slug": "gpt-4o-mini",
    }


def by_content(service: ChatService, conversation_id: int) -> dict[str, MessageRecord]:
    return {m.content: m for m in service.messages(conversation_id)}


def only_conversation(service: ChatService) -> ConversationRecord:
    [conversation] = service.conversations()
    return conversation
