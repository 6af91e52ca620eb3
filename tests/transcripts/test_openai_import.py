"""OpenAI-style message files: one object, a list of them, JSON Lines, a bare list of messages;
string or part-list content; the system prompt; tool messages and non-text parts counted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_llm.chat.service import ChatService
from desktop_llm.errors import ImportRefusedError
from tests.transcripts.import_samples import only_conversation, service, write_json

__all__ = ["service"]  # the fixture

CHAT = {
    "title": "Weather in Paris",
    "model": "gpt-4o-mini",
    "messages": [
        {"role": "system", "content": "You are terse."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is the weather?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
                {"type": "text", "text": "In Paris, 巴黎."},
            ],
        },
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "weather", "arguments": '{"city": "Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": '{"sky": "clear"}'},
        {"role": "assistant", "content": "Clear.", "reasoning_content": "The tool said so."},
        {"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": "x"}}]},
        {"role": "user", "content": "Thanks"},
        {"role": "function", "name": "legacy", "content": "old style"},
        {"role": "assistant", "content": [{"type": "text", "text": "You're welcome."}]},
    ],
}


def test_a_conversation_with_parts_tools_and_a_system_prompt(
    service: ChatService, tmp_path: Path
) -> None:
    report = service.import_file(write_json(tmp_path / "chat.json", CHAT))

    assert report.kind == "OpenAI messages"
    # The image and the audio; the tool call, its result and the legacy function message.
    assert (report.skipped_parts, report.skipped_messages) == (2, 3)
    assert report.summary() == (
        "Imported 1 conversation from chat.json (OpenAI messages); 2 images and other non-text "
        "parts skipped; 3 tool and other messages skipped."
    )
    conversation = only_conversation(service)
    assert conversation.title == "Weather in Paris"
    assert conversation.model == "gpt-4o-mini"
    assert conversation.system_prompt == "You are terse."
    branch = service.branch(conversation.id)
    assert [(m.role, m.content) for m in branch] == [
        ("user", "What is the weather?\n\nIn Paris, 巴黎."),
        ("assistant", "Clear."),
        ("user", "Thanks"),
        ("assistant", "You're welcome."),
    ]
    assert branch[1].reasoning == "The tool said so."
    assert all(m.finish_reason == "stop" for m in branch if m.role == "assistant")
    assert all(m.model == "gpt-4o-mini" for m in branch if m.role == "assistant")
    assert [m.parent_id for m in branch] == [None, *(m.id for m in branch[:-1])]


def test_a_list_json_lines_and_a_bare_list_of_messages(
    service: ChatService, tmp_path: Path
) -> None:
    fine_tuning = [
        {
            "messages": [
                {"role": "user", "content": f"Q{n}"},
                {"role": "assistant", "content": f"A{n}", "weight": 1},
            ]
        }
        for n in range(3)
    ]
    listed = service.import_file(write_json(tmp_path / "list.json", fine_tuning))
    lines = tmp_path / "train.jsonl"
    lines.write_text("".join(json.dumps(item) + "\n" for item in fine_tuning), encoding="utf-8")
    from_lines = service.import_file(lines)
    bare = service.import_file(
        write_json(
            tmp_path / "bare.json",
            [
                {"role": "developer", "content": "Answer in French."},
                {"role": "user", "content": "Hello"},
                {"role": "assistant", "content": "Bonjour"},
            ],
        )
    )

    assert len(listed.conversation_ids) == len(from_lines.conversation_ids) == 3
    assert listed.summary() == "Imported 3 conversations from list.json (OpenAI messages)."
    for ids in (listed.conversation_ids, from_lines.conversation_ids):
        titles = [service.conversation(i).title for i in ids]
        assert titles == ["Q0", "Q1", "Q2"]  # no title in the file: the first question
        assert [m.content for m in service.branch(ids[2])] == ["Q2", "A2"]
    [bare_id] = bare.conversation_ids
    assert service.conversation(bare_id).system_prompt == "Answer in French."
    assert [m.content for m in service.branch(bare_id)] == ["Hello", "Bonjour"]


def test_a_later_system_message_stays_in_its_place(service: ChatService, tmp_path: Path) -> None:
    report = service.import_file(
        write_json(
            tmp_path / "c.json",
            {
                "messages": [
                    {"role": "user", "content": "Hi"},
                    {"role": "system", "content": "Now be formal."},
                    {"role": "assistant", "content": "Good day."},
                ]
            },
        )
    )
    conversation = service.conversation(report.conversation_ids[0])
    assert conversation.system_prompt == ""
    assert [m.role for m in service.branch(conversation.id)] == ["user", "system", "assistant"]


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ({"messages": [{"role": "user", "content": 42}]}, '"content" must be text, not a number'),
        ({"messages": [{"role": ["user"], "content": "x"}]}, '"role" must be text, not a list'),
        ({"messages": [{"content": "x"}]}, '"role" is missing'),
        ({"messages": ["hello"]}, "expected an object, found text"),
        (
            {"messages": [{"role": "user", "content": [{"type": "text", "text": None}]}]},
            '"text" must be text, not null',
        ),
        ({"messages": [{"role": "user", "content": [{"type": "text"}]}]}, '"text" is missing'),
        (
            {"messages": [{"role": "user", "content": "x"}], "title": {"a": 1}},
            '"title" must be text or null, not an object',
        ),
    ],
    ids=[
        "content number",
        "role list",
        "no role",
        "message text",
        "text null",
        "no text",
        "title object",
    ],
)
def test_wrong_types_are_refused_with_the_field_named(
    service: ChatService, tmp_path: Path, document: object, reason: str
) -> None:
    good = {"messages": [{"role": "user", "content": "fine"}]}
    path = write_json(tmp_path / "bad.json", [good, document])
    with pytest.raises(ImportRefusedError) as refused:
        service.import_file(path)
    assert reason in str(refused.value)
    assert str(refused.value).startswith("bad.json, conversation 2")
    assert service.conversations() == []


def test_a_list_mixing_formats_is_refused(service: ChatService, tmp_path: Path) -> None:
    path = write_json(
        tmp_path / "mixed.json",
        [
            {"messages": [{"role": "user", "content": "fine"}]},
            {"title": "x", "mapping": {}},
        ],
    )
    with pytest.raises(
        ImportRefusedError,
        match=r"conversation 2 is not in the format of the ones before it \(OpenAI messages\)",
    ):
        service.import_file(path)
    assert service.conversations() == []
