"""`chat --regenerate` and `conversations show`: a reply's versions, as the tree keeps them."""

from __future__ import annotations

from pathlib import Path

from tests.test_cli import (
    CHAT_JSON_KEYS,
    MESSAGE_KEYS,
    QUESTION,
    assert_one_line_failure,
    run_cli,
    run_json,
    run_ok,
    show,
)


def test_regenerate_adds_a_version_of_the_last_reply_and_show_lists_its_siblings(
    home: Path,
) -> None:
    first = run_json(home, "chat", "--seed", "1", "--max-tokens", "6", QUESTION)
    conversation = str(first["conversation_id"])
    second = run_json(
        home, "chat", "--regenerate", "--conversation", conversation, "--seed", "2",
        "--max-tokens", "6",
    )
    assert set(second) == CHAT_JSON_KEYS
    assert second["conversation_id"] == first["conversation_id"]
    assert second["message_id"] != first["message_id"]
    assert second["finish_reason"] in ("stop", "length") and second["error"] is None
    # The same question again: the prompt is the same size as the first time.
    assert second["prompt_tokens"] == first["prompt_tokens"]

    question, reply = show(home, first["conversation_id"])["messages"]
    assert all(set(m) == MESSAGE_KEYS for m in (question, reply))
    assert (question["role"], question["content"]) == ("user", QUESTION)
    assert (question["parent_id"], question["siblings"]) == (None, [])
    assert reply["id"] == second["message_id"] and reply["content"] == second["reply"]
    assert reply["parent_id"] == question["id"]
    assert reply["siblings"] == [first["message_id"]]
    assert reply["reasoning"] == ""
    for message in (question, reply):
        assert message["token_count"] is None or message["token_count"] > 0

    # Plain text: streamed exactly as saved, like any reply; a third version.
    printed = run_ok(
        home, "chat", "--regenerate", "--conversation", conversation, "--seed", "3",
        "--max-tokens", "6",
    )
    question_again, third = show(home, first["conversation_id"])["messages"]
    assert question_again["id"] == question["id"]
    assert printed == third["content"] + "\n"
    assert third["siblings"] == [first["message_id"], second["message_id"]]

    text = run_ok(home, "conversations", "show", conversation)
    assert "[assistant]  (version 3/3)" in text
    assert "[user]\n" in text  # one version only: no mark
    assert third["content"].strip() in text


def test_regenerate_needs_a_conversation_and_no_prompt(home: Path) -> None:
    line = assert_one_line_failure(run_cli(home, "chat", "--regenerate", "--max-tokens", "4"))
    assert "--conversation" in line
    first = run_json(home, "chat", "--seed", "1", "--max-tokens", "4", QUESTION)
    line = assert_one_line_failure(run_cli(
        home, "chat", "--regenerate", "--conversation", str(first["conversation_id"]), "Again",
    ))
    assert "PROMPT" in line
    line = assert_one_line_failure(
        run_cli(home, "chat", "--regenerate", "--conversation", "999", "--max-tokens", "4")
    )
    assert "999" in line
    assert len(show(home, first["conversation_id"])["messages"]) == 2
