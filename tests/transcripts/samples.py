"""Conversations the export tests build through the real history store (no model needed)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from desktop_llm.storage import HistoryStore, MessageRecord
from desktop_llm.transcripts.transcript import Transcript

TITLE = "Rust 与 Python 🦀 比较"
MODEL = "qwen2.5-0.5b-instruct-q4_k_m"
SETTINGS = {"temperature": 0.7, "top_p": 0.9, "seed": 42, "stop": ["###"], "max_tokens": None}
SYSTEM_PROMPT = "你是一个乐于助人的助手。"
QUESTION = "请比较 Rust 和 Python 的内存管理 🙂"
OLD_ANSWER = "An answer that was regenerated: 旧的回答"
REASONING = "先想一想：Rust 有所有权，Python 有垃圾回收。"
ANSWER = """Rust 用**所有权**管理内存，Python 用引用计数 🧠。

```rust
fn main() {
    let s = String::from("你好");
    println!("{s}");
}
```

| 语言 | 内存 |
|------|------|
| Rust | 所有权 |
| Python | 垃圾回收 |
"""
OLD_FOLLOW_UP = "An edited-away follow-up question"
OLD_FOLLOW_UP_ANSWER = "Answer on the hidden branch"
FOLLOW_UP = "Show it in Python too, 谢谢"
FOLLOW_UP_ANSWER = """```python
print("你好")
```
Cut off here"""


@dataclass(frozen=True)
class Sample:
    conversation_id: int
    shown: tuple[MessageRecord, ...]
    hidden: tuple[MessageRecord, ...]


def open_store(folder: Path) -> HistoryStore:
    folder.mkdir(parents=True, exist_ok=True)
    return HistoryStore.open(folder / "history.db")


def reply(
    store: HistoryStore,
    conversation_id: int,
    parent_id: int,
    content: str,
    *,
    reasoning: str = "",
    finish_reason: str = "stop",
    error: str | None = None,
    model: str = MODEL,
) -> MessageRecord:
    started = store.start_reply(conversation_id, model=model, parent_id=parent_id)
    return store.finish_reply(
        started.id,
        content=content,
        finish_reason=finish_reason,
        prompt_tokens=57,
        completion_tokens=128,
        tokens_per_second=23.46,
        time_to_first_token=0.412,
        reasoning=reasoning,
        error=error,
    )


def rich_conversation(store: HistoryStore) -> Sample:
    """Chinese and emoji, code, a table, reasoning, metrics, a regenerated reply and an edited
    question (two hidden branches), and a last reply cut off inside a code fence."""
    conversation = store.create_conversation(
        TITLE, model=MODEL, system_prompt=SYSTEM_PROMPT, settings=SETTINGS
    )
    question = store.add_message(conversation.id, "user", QUESTION)
    old = reply(store, conversation.id, question.id, OLD_ANSWER)
    answer = reply(store, conversation.id, question.id, ANSWER, reasoning=REASONING)
    old_follow_up = store.add_message(
        conversation.id, "user", OLD_FOLLOW_UP, parent_id=answer.id
    )
    old_follow_up_answer = reply(
        store, conversation.id, old_follow_up.id, OLD_FOLLOW_UP_ANSWER
    )
    follow_up = store.add_message(conversation.id, "user", FOLLOW_UP, parent_id=answer.id)
    last = reply(
        store, conversation.id, follow_up.id, FOLLOW_UP_ANSWER, finish_reason="length"
    )
    return Sample(
        conversation.id,
        shown=(question, answer, follow_up, last),
        hidden=(old, old_follow_up, old_follow_up_answer),
    )


def transcript(store: HistoryStore, conversation_id: int) -> Transcript:
    return Transcript(
        store.get_conversation(conversation_id), tuple(store.list_messages(conversation_id))
    )
