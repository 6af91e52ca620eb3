"""ChatGPT's data export (conversations.json, alone or in its zip) imported with its branches,
the branch shown, times, models, and non-text parts skipped with a count."""

from __future__ import annotations

import json
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

from desktop_llm.chat.service import ChatService
from desktop_llm.errors import ImportRefusedError
from tests.transcripts.import_samples import (
    IMAGE_PART,
    T0,
    THOUGHTS,
    by_content,
    chatgpt_conversation,
    node,
    only_conversation,
    reply_metadata,
    service,
    simple_chatgpt,
    write_json,
)

__all__ = ["service"]  # the fixture


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def test_a_conversation_keeps_its_branches_times_and_the_branch_shown(
    service: ChatService, tmp_path: Path
) -> None:
    path = write_json(tmp_path / "conversations.json", [chatgpt_conversation()])

    report = service.import_file(path)

    assert report.kind == "ChatGPT export"
    assert report.skipped_parts == 1  # the image
    assert report.skipped_messages == 1  # the code's output (a tool message)
    assert report.summary() == (
        "Imported 1 conversation from conversations.json (ChatGPT export); 1 image or other "
        "non-text part skipped; 1 tool or other message skipped."
    )
    conversation = only_conversation(service)
    assert report.conversation_ids == (conversation.id,)
    assert conversation.title == "Cat picture 猫"
    assert conversation.created_at == at(T0)
    assert conversation.updated_at == at(T0 + 100)
    assert conversation.model == "gpt-4o"
    assert conversation.system_prompt == ""  # the hidden system message is left out

    m = by_content(service, conversation.id)
    question = m["What is in this picture? 图片里有什么？"]
    code = m["```python\nprint(1)\n```"]
    assert set(m) == {
        question.content,
        "A cat.",
        "Count to one in Python",
        code.content,
        "It printed 1.",
        "Probably a cat, 猫.",
        "Edited question",
        "Edited answer",
    }
    # Children of nodes left out hang from the nearest kept ancestor.
    assert question.parent_id is None and m["Edited question"].parent_id is None
    assert m["A cat."].parent_id == question.id
    assert m["Probably a cat, 猫."].parent_id == question.id
    assert code.parent_id == m["Count to one in Python"].id
    assert m["It printed 1."].parent_id == code.id
    assert m["Edited answer"].parent_id == m["Edited question"].id
    # Roles, replies' models, finish reasons, times, and the thoughts as reasoning.
    assert question.role == "user" and question.finish_reason is None
    regenerated = m["Probably a cat, 猫."]
    assert regenerated.role == "assistant"
    assert (regenerated.model, regenerated.finish_reason) == ("o1", "length")
    assert regenerated.reasoning == f"Looking\n{THOUGHTS}"
    assert (m["A cat."].model, m["A cat."].finish_reason, m["A cat."].reasoning) == (
        "gpt-4o",
        "stop",
        "",
    )
    assert code.finish_reason == "stop"  # the export said nothing: a finished reply
    assert question.created_at == at(T0 + 1)
    assert regenerated.created_at == at(T0 + 8)

    # current_node decides the branch shown; the other versions are one arrow away.
    branch = service.branch(conversation.id)
    assert [b.content for b in branch] == [question.content, regenerated.content]
    assert branch[0].sibling_ids == (question.id, m["Edited question"].id)
    assert branch[1].sibling_ids == (m["A cat."].id, regenerated.id)
    assert [b.content for b in service.select_branch(conversation.id, m["A cat."].id)] == [
        question.content,
        "A cat.",
        "Count to one in Python",
        code.content,
        "It printed 1.",
    ]
    # Imported text is searchable like any other.
    [hit] = service.search("图片里有什么")
    assert hit.conversation_id == conversation.id


def test_a_list_of_conversations_and_its_zip(service: ChatService, tmp_path: Path) -> None:
    conversations = [
        simple_chatgpt(f"Chat {n}", f"Question {n}", f"Answer {n}", T0 + n) for n in range(3)
    ]
    conversations.append({**simple_chatgpt("", "无题的问题", "Answer"), "title": None})
    json_path = write_json(tmp_path / "conversations.json", conversations)
    # The export's zip: conversations.json among the rest (chat.html, images, ...).
    zip_path = tmp_path / "ChatGPT export.zip"
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(json_path, "conversations.json")
        archive.writestr("chat.html", "<html></html>")
        archive.writestr("user.json", "{}")
        archive.writestr("file-AbC123-cat.png", b"\x89PNG\r\n\x1a\n" + bytes(100))

    from_json = service.import_file(json_path)
    progress: list[int] = []
    from_zip = service.import_file(zip_path, progress=progress.append)

    assert len(from_json.conversation_ids) == len(from_zip.conversation_ids) == 4
    assert from_zip.kind == "ChatGPT export"
    assert from_zip.summary() == (
        "Imported 4 conversations from ChatGPT export.zip (ChatGPT export)."
    )
    assert progress == [1, 2, 3, 4]
    titles = [service.conversation(i).title for i in from_zip.conversation_ids]
    # A conversation without a title is named after its first question, as a new chat is.
    assert titles == ["Chat 0", "Chat 1", "Chat 2", "无题的问题"]
    for conversation_id in from_zip.conversation_ids:
        [question, answer] = service.branch(conversation_id)
        assert (question.role, answer.role) == ("user", "assistant")
        # The reply's own model; the conversation's default model.
        assert answer.model == "gpt-4o"
        assert service.conversation(conversation_id).model == "gpt-4o-mini"
    assert service.conversation(from_zip.conversation_ids[1]).updated_at == at(T0 + 2)


def test_a_zip_with_the_export_in_a_folder_is_found(service: ChatService, tmp_path: Path) -> None:
    zip_path = tmp_path / "export.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.writestr(
            "2024-05-01-export/conversations.json",
            json.dumps([simple_chatgpt("Inside", "Q", "A")]),
        )
    report = service.import_file(zip_path)
    assert service.conversation(report.conversation_ids[0]).title == "Inside"


def test_a_single_conversation_object_and_missing_times(
    service: ChatService, tmp_path: Path
) -> None:
    conversation = simple_chatgpt("One", "Q", "A")
    conversation["create_time"] = None
    conversation["update_time"] = None
    del conversation["current_node"]
    for item in conversation["mapping"].values():
        if item["message"]:
            item["message"]["create_time"] = None
    before = datetime.now(timezone.utc)
    report = service.import_file(write_json(tmp_path / "one.json", conversation))
    imported = service.conversation(report.conversation_ids[0])
    assert imported.created_at >= before  # no time anywhere: the import's
    assert [m.content for m in service.branch(imported.id)] == ["Q", "A"]


def test_visible_system_messages_voice_text_and_tool_calls(
    service: ChatService, tmp_path: Path
) -> None:
    nodes = [
        node("root", None, ["s"]),
        node("s", "root", ["u"], role="system", parts=["You are a pirate."]),
        node(
            "u",
            "s",
            ["call"],
            role="user",
            time=T0,
            parts=[
                {"content_type": "audio_transcription", "text": "Ahoy, what be the weather?"},
                {"content_type": "audio_asset_pointer", "asset_pointer": "sediment://x"},
            ],
        ),
        node(
            "call",
            "u",
            ["search"],
            role="assistant",
            time=T0 + 1,
            recipient="browser",
            parts=['search("weather")'],
        ),
        node(
            "search",
            "call",
            ["a"],
            role="tool",
            time=T0 + 2,
            content={"content_type": "tether_browsing_display", "result": "sunny"},
        ),
        node(
            "a",
            "search",
            ["later"],
            role="assistant",
            time=T0 + 3,
            parts=["Sunny, matey."],
            metadata=reply_metadata("interrupted"),
        ),
        node("later", "a", [], role="system", time=T0 + 4, parts=["Be brief from now on."]),
        node(
            "memo",
            "later",
            [],
            role="assistant",
            time=T0 + 5,
            content={
                "content_type": "model_editable_context",
                "model_set_context": "likes pirates",
            },
        ),
    ]
    conversation = {
        "title": "Weather",
        "create_time": T0,
        "update_time": T0 + 5,
        "mapping": {n["id"]: n for n in nodes},
        "current_node": "memo",
    }
    report = service.import_file(write_json(tmp_path / "conversations.json", [conversation]))
    imported = service.conversation(report.conversation_ids[0])
    assert imported.system_prompt == "You are a pirate."
    branch = service.branch(imported.id)
    assert [(b.role, b.content) for b in branch] == [
        ("user", "Ahoy, what be the weather?"),
        ("assistant", "Sunny, matey."),
        ("system", "Be brief from now on."),
    ]
    assert branch[1].finish_reason == "cancelled"
    # The audio file, and the search call, its result and the memory update as messages.
    assert (report.skipped_parts, report.skipped_messages) == (1, 3)


@pytest.mark.parametrize(
    ("breakage", "reason"),
    [
        (lambda c: c["mapping"]["u1"].update(parent="a1"), "has a cycle"),
        (lambda c: c["mapping"]["a1"].update(parent="a1"), "has a cycle"),
        (lambda c: c.update(mapping=[]), '"mapping" must be an object, not a list'),
        (lambda c: c.update(title=["x"]), '"title" must be text or null, not a list'),
        (lambda c: c.update(create_time="yesterday"), '"create_time" must be a number'),
        (
            lambda c: c["mapping"]["u1"]["message"]["content"].update(parts="text"),
            '"parts" must be a list',
        ),
        (
            lambda c: c["mapping"]["u1"]["message"]["author"].update(role=None),
            '"role" must be text',
        ),
        (lambda c: c["mapping"]["a1"].update(message="A cat."), '"message" must be an object'),
        (lambda c: c["mapping"].update(x=[]), "expected a message node, found a list"),
    ],
    ids=[
        "cycle",
        "self parent",
        "mapping list",
        "title list",
        "time text",
        "parts text",
        "role null",
        "message text",
        "node list",
    ],
)
def test_a_broken_conversation_refuses_the_whole_export(
    service: ChatService, tmp_path: Path, breakage: object, reason: str
) -> None:
    broken = chatgpt_conversation()
    breakage(broken)  # type: ignore[operator]
    good = simple_chatgpt("Fine", "Q", "A")
    path = write_json(tmp_path / "conversations.json", [good, good, broken, good])

    with pytest.raises(ImportRefusedError) as refused:
        service.import_file(path)

    message = str(refused.value)
    assert reason in message and "\n" not in message
    assert message.startswith("conversations.json, conversation 3")
    assert service.conversations() == []  # the two good ones before it went too


def test_image_only_messages_are_left_out_and_counted(service: ChatService, tmp_path: Path) -> None:
    nodes = [
        node("u", None, ["a"], role="user", parts=[IMAGE_PART, IMAGE_PART], time=T0),
        node(
            "a",
            "u",
            [],
            role="assistant",
            parts=["Two cats."],
            time=T0 + 1,
            metadata=reply_metadata(),
        ),
    ]
    conversation = {
        "title": "Pics",
        "mapping": {n["id"]: n for n in nodes},
        "current_node": "a",
        "create_time": T0,
        "update_time": T0 + 1,
    }
    report = service.import_file(write_json(tmp_path / "c.json", [conversation]))
    assert report.skipped_parts == 2
    assert [m.content for m in service.branch(report.conversation_ids[0])] == ["Two cats."]
