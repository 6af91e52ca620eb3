"""ChatService.transcript, export and backup on a real history (no model needed)."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_llm.chat.service import ChatService
from desktop_llm.errors import ConversationNotFoundError, ExportError
from desktop_llm.paths import AppPaths
from desktop_llm.storage import HistoryStore
from desktop_llm.transcripts.backup_export import MANIFEST_NAME
from desktop_llm.transcripts.file_names import export_file_name
from desktop_llm.transcripts.transcript import Transcript
from tests.thread_check import assert_threads_end, python_threads
from tests.transcripts.samples import QUESTION, TITLE, Sample, rich_conversation


@pytest.fixture
def samples(paths: AppPaths) -> list[Sample]:
    with HistoryStore.open(paths.database) as store:
        return [rich_conversation(store) for _ in range(3)]


@pytest.fixture
def service(paths: AppPaths, samples: list[Sample]) -> Iterator[ChatService]:
    before = python_threads()
    with ChatService.open(paths) as opened:
        yield opened
    assert_threads_end(before)


def test_a_transcript_holds_every_branch(service: ChatService, samples: list[Sample]) -> None:
    sample = samples[0]
    transcript = service.transcript(sample.conversation_id)
    assert transcript.conversation.title == TITLE
    assert {m.id for m in transcript.messages} == {m.id for m in (*sample.shown, *sample.hidden)}
    assert [m.id for m in transcript.shown()] == [m.id for m in sample.shown]


def test_one_conversation_to_a_file(service: ChatService, samples: list[Sample],
                                    tmp_path: Path) -> None:
    target = tmp_path / "对话.md"
    assert service.export([samples[0].conversation_id], "md", target) == [target]
    assert QUESTION in target.read_text(encoding="utf-8")
    # A folder given for one conversation: the file is named after it, inside.
    written = service.export([samples[1].conversation_id], "json", tmp_path)
    conversation = service.conversation(samples[1].conversation_id)
    assert written == [tmp_path / export_file_name(conversation, "json")]
    assert json.loads(written[0].read_text(encoding="utf-8"))["conversation"]["id"] == (
        conversation.id
    )


def test_several_conversations_to_a_new_folder(service: ChatService, samples: list[Sample],
                                               tmp_path: Path) -> None:
    ids = [s.conversation_id for s in samples]
    folder = tmp_path / "exports" / "今天"
    written = service.export([*ids, ids[0]], "html", folder)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        export_file_name(service.conversation(i), "html") for i in ids
    )
    assert written == [folder / export_file_name(service.conversation(i), "html") for i in ids]
    assert all(QUESTION in p.read_text(encoding="utf-8") for p in written)


def test_an_unknown_id_writes_nothing(service: ChatService, samples: list[Sample],
                                      tmp_path: Path) -> None:
    folder = tmp_path / "out"
    with pytest.raises(ConversationNotFoundError, match="Conversation 999 does not exist"):
        service.export([samples[0].conversation_id, 999], "txt", folder)
    assert not folder.exists()
    with pytest.raises(ExportError, match="No conversation"):
        service.export([], "txt", folder)


def test_pdf_needs_a_writer(service: ChatService, samples: list[Sample], tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="PDF export needs the window's Qt libraries"):
        service.export([samples[0].conversation_id], "pdf", tmp_path / "a.pdf")
    drawn: list[tuple[Transcript, Path]] = []

    def writer(transcript: Transcript, path: Path) -> None:
        drawn.append((transcript, path))
        path.write_bytes(b"%PDF-")

    ids = [s.conversation_id for s in samples[:2]]
    written = service.export(ids, "pdf", tmp_path / "pdfs", pdf_writer=writer)
    assert [t.conversation.id for t, _ in drawn] == ids
    assert [p for _, p in drawn] == written
    assert all(p.suffix == ".pdf" and p.read_bytes() == b"%PDF-" for p in written)


def test_backup_holds_every_conversation(service: ChatService, samples: list[Sample],
                                         tmp_path: Path) -> None:
    progress: list[tuple[int, int]] = []
    count = service.backup(tmp_path / "backup.zip", lambda done, total: progress.append(
        (done, total)))
    assert count == 3 and progress[-1] == (3, 3)
    with zipfile.ZipFile(tmp_path / "backup.zip") as archive:
        assert json.loads(archive.read(MANIFEST_NAME))["conversations"] == 3
        ids = [json.loads(archive.read(n))["conversation"]["id"]
               for n in archive.namelist() if n != MANIFEST_NAME]
    assert ids == [s.conversation_id for s in samples]


def test_replies_saved_with_their_thinking_inline_export_it_apart(
    service: ChatService, tmp_path: Path
) -> None:
    # Replies from before the reasoning column kept <think> in their text; the window splits
    # them when it shows them, and so does every export.
    conversation = service.new_conversation()
    service._store.add_message(conversation.id, "user", "2+2?")
    service._store.add_message(
        conversation.id, "assistant", "<think>Two and two make four.</think>It is 4."
    )
    (reply,) = [m for m in service.transcript(conversation.id).messages if m.role == "assistant"]
    assert (reply.reasoning, reply.content) == ("Two and two make four.", "It is 4.")
    for fmt in ("md", "html", "txt", "json"):
        text = service.export([conversation.id], fmt, tmp_path / f"t.{fmt}")[0].read_text(
            encoding="utf-8"
        )
        assert "<think>" not in text and "&lt;think&gt;" not in text
        assert "Two and two make four." in text and "It is 4." in text
