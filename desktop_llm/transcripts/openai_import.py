"""OpenAI-style message files: ``{"messages": [{"role": ..., "content": ...}, ...]}`` (the
chat completions request, fine-tuning data, many apps' saved chats), a list of those, or a bare
list of messages.

Content is a string or a list of parts; text parts are kept, images, audio and files skipped
and counted. A leading system (or "developer") message becomes the system prompt. Tool calls
and tool results are skipped and counted: they are not conversation the app can show. The
messages follow each other in one branch; files carry no times, so the import's time is used.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from desktop_llm.i18n import translatable, translate
from desktop_llm.storage import ImportedConversation, ImportedMessage
from desktop_llm.transcripts.import_limits import MAX_MESSAGES_PER_CONVERSATION, MAX_TEXT_CHARS
from desktop_llm.transcripts.json_fields import (
    Converted,
    Fields,
    check_text,
    refuse,
    too_many_messages,
)

_SYSTEM_ROLES = ("system", "developer")
_TOOL_ROLES = ("tool", "function", "ipython")
# Part types holding text: chat completions ("text") and the Responses API's input/output.
_TEXT_PARTS = ("text", "input_text", "output_text")
# Where some APIs put a reply's thinking (DeepSeek, OpenRouter, vLLM).
_REASONING_FIELDS = ("reasoning_content", "reasoning")


def is_conversation(value: object) -> bool:
    return isinstance(value, dict) and isinstance(value.get("messages"), list)


def is_message(value: object) -> bool:
    return isinstance(value, dict) and "role" in value and "messages" not in value


def conversation_from_openai(value: Any, *, where: str, now: datetime) -> Converted:
    """``{"messages": [...], "title"?: ..., "model"?: ...}``."""
    fields = Fields(value, where, what=translatable("Import", 'an object with "messages"'))
    messages = fields.array("messages")
    assert messages is not None
    return conversation_from_messages(
        messages,
        where=where,
        now=now,
        title=fields.name("title", required=False, null=True) or "",
        model=fields.name("model", required=False, null=True),
    )


def conversation_from_messages(
    messages: list[Any], *, where: str, now: datetime, title: str = "", model: str | None = None
) -> Converted:
    """One branch of ``messages``, in order; ``title`` "" lets the app make one."""
    if len(messages) > MAX_MESSAGES_PER_CONVERSATION:
        raise refuse(where, too_many_messages(len(messages)))
    system_prompts: list[str] = []
    kept: list[ImportedMessage] = []
    skipped_parts = skipped_messages = 0
    message_at = translate("Import", "{where}, message {number}")
    for number, value in enumerate(messages, start=1):
        fields = Fields(value, message_at.format(where=where, number=number))
        role = fields.name("role")
        if role in _TOOL_ROLES:
            skipped_messages += 1
            continue
        if role not in (*_SYSTEM_ROLES, "user", "assistant"):
            skipped_messages += 1
            continue
        text, parts_left_out = _content(fields)
        skipped_parts += parts_left_out
        reasoning = _reasoning(fields) if role == "assistant" else ""
        if not text and not reasoning:
            # An image with no words (its parts are counted), or a reply that only called a
            # tool (counted as a message left out); an empty message loses nothing.
            if "tool_calls" in fields.value or "function_call" in fields.value:
                skipped_messages += 1
            continue
        if role in _SYSTEM_ROLES:
            if not kept:
                system_prompts.append(text)
                continue
            role = "system"
        kept.append(
            ImportedMessage(
                key=str(number),
                parent_key=kept[-1].key if kept else None,
                role=role,
                content=text,
                reasoning=reasoning,
                created_at=now,
                model=model if role == "assistant" else None,
                finish_reason="stop" if role == "assistant" else None,
            )
        )
    system_prompt = "\n\n".join(system_prompts)
    check_text(system_prompt, where, "system prompt")
    return Converted(
        ImportedConversation(
            title=title,
            created_at=now,
            updated_at=now,
            messages=tuple(kept),
            model=model,
            system_prompt=system_prompt,
        ),
        skipped_parts=skipped_parts,
        skipped_messages=skipped_messages,
    )


def _content(fields: Fields) -> tuple[str, int]:
    """The message's text and how many non-text parts were left out of it."""
    content = fields.value.get("content")
    if content is None:
        return "", 0
    if isinstance(content, str):
        fields.text("content")
        return content, 0
    if not isinstance(content, list):
        fields.text("content")  # refuses with the type found
    texts: list[str] = []
    skipped = 0
    for number, part in enumerate(content, start=1):
        if isinstance(part, str):
            texts.append(part)
            continue
        part_fields = Fields(part, translate("Import", "{where}, content part {number}").format(
            where=fields.where, number=number
        ))
        kind = part_fields.name("type")
        if kind in _TEXT_PARTS:
            text = part_fields.text("text")
            assert text is not None
            texts.append(text)
        else:
            skipped += 1
    joined = "\n\n".join(texts)
    if len(joined) > MAX_TEXT_CHARS:
        check_text(joined, fields.where, "content")
    return joined, skipped


def _reasoning(fields: Fields) -> str:
    for name in _REASONING_FIELDS:
        if isinstance(fields.value.get(name), str):
            return fields.text(name) or ""
    return ""
