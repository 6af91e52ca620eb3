"""Edit, regenerate, continue and delete on the real model: versions kept as branches, and
the model only ever sent the branch shown."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from desktop_llm.chat import GenerationParams, MessageRecord
from desktop_llm.chat.service import ChatService
from desktop_llm.errors import DesktopLLMError
from desktop_llm.paths import AppPaths
from tests.chat.test_chat_service import TIMEOUT, finish, poll

GREEDY = GenerationParams(temperature=0.0, seed=1, max_tokens=12)


def roles_and_ids(branch: list[MessageRecord]) -> list[tuple[str, int]]:
    return [(message.role, message.id) for message in branch]


def test_regenerate_keeps_the_earlier_reply_as_a_branch(service: ChatService) -> None:
    first = finish(service.send(None, "Name a colour.", params=GREEDY))
    conversation_id = first.conversation_id
    creative = replace(GREEDY, temperature=1.5, seed=99)
    second = finish(service.regenerate(conversation_id, params=creative))

    assert second.id != first.id
    assert second.parent_id == first.parent_id
    branch = service.branch(conversation_id)
    assert [m.id for m in branch] == [first.parent_id, second.id]
    assert branch[1].sibling_ids == (first.id, second.id)

    shown = service.select_branch(conversation_id, first.id)
    assert [m.id for m in shown] == [first.parent_id, first.id]
    assert service.branch(conversation_id)[1].content == first.content


def test_an_edited_question_is_sent_without_the_old_one(service: ChatService) -> None:
    first = finish(service.send(None, "What is 2 + 2?", params=GREEDY))
    conversation_id = first.conversation_id
    follow_up = service.send(conversation_id, "And 3 + 3?", params=GREEDY)
    finish(follow_up)
    old_question = follow_up.user_message

    edited = service.edit_message(conversation_id, old_question.id, "And 5 + 5?")
    reply = finish(edited)

    # The model saw the first exchange and the new question, not the old version.
    assert edited.turn_ids == [first.parent_id, first.id, edited.user_message.id]
    branch = service.branch(conversation_id)
    assert [m.content for m in branch[:3]] == ["What is 2 + 2?", first.content, "And 5 + 5?"]
    assert branch[2].sibling_ids == (old_question.id, edited.user_message.id)
    assert branch[3].id == reply.id
    with pytest.raises(DesktopLLMError, match="Only your own messages"):
        service.edit_message(conversation_id, reply.id, "not a question")


def test_continue_extends_a_reply_cut_at_the_length_limit(service: ChatService) -> None:
    short = replace(GREEDY, max_tokens=6)
    cut = finish(service.send(None, "Write a long story about a fox.", params=short))
    assert cut.finish_reason == "length"

    resumed = finish(service.continue_reply(cut.conversation_id, cut.id))
    assert resumed.id == cut.id
    assert resumed.content.startswith(cut.content)
    assert len(resumed.content) > len(cut.content)
    assert [m.id for m in service.branch(cut.conversation_id)] == [cut.parent_id, cut.id]


def test_reasoning_is_stored_apart_and_not_sent_back(service: ChatService) -> None:
    """A reply that thought aloud: continued from a reply holding a <think> block, the
    stored reply keeps the thinking in its own field and the next turn leaves it out."""
    started = finish(service.send(None, "What is 2 + 2?", params=replace(GREEDY, max_tokens=1)))
    conversation_id = started.conversation_id
    store = service._store
    store.resume_reply(started.id)
    store.finish_reply(
        started.id, content="<think>Two and two make four.</think>\nThe answer is",
        finish_reason="length",
    )
    resumed = finish(service.continue_reply(conversation_id, started.id))
    assert resumed.reasoning == "Two and two make four."
    assert "<think>" not in resumed.content
    assert resumed.content.startswith("The answer is")

    follow_up = service.send(conversation_id, "And 3 + 3?", params=GREEDY)
    finish(follow_up)
    sent = service.branch(conversation_id)
    assert "Two and two" not in sent[1].content
    assert follow_up.turn_ids == [m.id for m in sent[:3]]


def test_delete_a_question_removes_its_replies(service: ChatService) -> None:
    first = finish(service.send(None, "Say hello.", params=GREEDY))
    conversation_id = first.conversation_id
    second = service.send(conversation_id, "Say goodbye.", params=GREEDY)
    finish(second)

    service.delete_message(conversation_id, second.user_message.id)
    assert [m.id for m in service.branch(conversation_id)] == [first.parent_id, first.id]
    assert {m.id for m in service.messages(conversation_id)} == {first.parent_id, first.id}


def test_each_message_gets_its_own_token_count(service: ChatService) -> None:
    reply = finish(service.send(None, "Count these words please.", params=GREEDY))
    conversation_id = reply.conversation_id

    def counted() -> bool:
        return all(m.token_count for m in service.branch(conversation_id))

    poll(counted)
    question, answer = service.branch(conversation_id)
    assert 3 <= question.token_count <= 10  # type: ignore[operator]
    assert answer.token_count is not None and answer.token_count <= GREEDY.max_tokens + 2


def test_messages_the_model_no_longer_sees_are_marked(
    paths: AppPaths, model_path: Path
) -> None:
    from desktop_llm.engine.types import LoadSettings

    with ChatService.open(paths) as service:
        service.load_model(model_path, LoadSettings(n_ctx=256)).result(timeout=TIMEOUT)
        params = replace(GREEDY, max_tokens=8)
        padding = "Please remember this sentence about the weather in spring. " * 8
        reply = finish(service.send(None, padding, params=params))
        conversation_id = reply.conversation_id
        for _ in range(3):
            reply = finish(service.send(conversation_id, padding, params=params))
        branch = service.branch(conversation_id)
        assert reply.context_from_id is not None
        assert reply.context_from_id != branch[0].id
        assert reply.context_from_id in [m.id for m in branch]


def test_the_model_state_of_a_conversation_is_saved_for_the_next_start(
    service: ChatService, paths: AppPaths
) -> None:
    # Long enough to be worth saving (a few dozen tokens are read again faster than loaded).
    question = "Tell me about the moon, its phases, its tides and its craters. " * 6
    finish(service.send(None, question, params=GREEDY))
    # Written by the engine process on a thread of its own after the reply.
    poll(lambda: any(path.is_file() for path in paths.model_states_dir.rglob("*")))


def test_messages_from_before_token_counts_get_counted(service: ChatService) -> None:
    store = service._store
    conversation = store.create_conversation("Old chat")
    store.add_message(conversation.id, "user", "An old question from before the upgrade.")
    store.add_message(conversation.id, "assistant", "And its old answer, never counted.")
    assert all(m.token_count is None for m in service.branch(conversation.id))

    service.count_missing_tokens(service.branch(conversation.id))
    poll(lambda: all(m.token_count for m in service.branch(conversation.id)))
    question, answer = service.branch(conversation.id)
    assert 5 <= question.token_count <= 15  # type: ignore[operator]
    assert 5 <= answer.token_count <= 15  # type: ignore[operator]


def test_a_reply_cut_off_while_thinking_continues_its_thought(service: ChatService) -> None:
    started = finish(service.send(None, "What is 2 + 2?", params=replace(GREEDY, max_tokens=1)))
    store = service._store
    store.resume_reply(started.id)
    store.finish_reply(
        started.id, content="", reasoning="Two and two, added together, make",
        finish_reason="length",
    )
    resumed = finish(service.continue_reply(started.conversation_id, started.id))
    # The thought went on from where it stopped (no tag closed it, so all of it is thought).
    assert resumed.reasoning.startswith("Two and two, added together, make")
    assert len(resumed.reasoning) > len("Two and two, added together, make")
    assert "<think>" not in resumed.content and "<think>" not in resumed.reasoning
