"""Malformed and hostile files (issue 10, point 3): each refused with one line, quickly, in
bounded memory, and nothing of it written (one transaction per file)."""

from __future__ import annotations

import copy
import json
import os
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest

from desktop_llm.chat.service import ChatService
from desktop_llm.errors import ImportRefusedError
from desktop_llm.storage import HistoryStore
from desktop_llm.transcripts import zip_import
from desktop_llm.transcripts.importing import open_import
from desktop_llm.transcripts.json_export import conversation_document
from tests.transcripts.import_samples import (
    T0,
    chatgpt_conversation,
    service,
    simple_chatgpt,
    write_json,
)
from tests.transcripts.samples import rich_conversation, transcript

__all__ = ["service"]  # the fixture

MiB = 2**20


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("source")
    with HistoryStore.open(folder / "history.db") as store:
        return conversation_document(transcript(store, rich_conversation(store).conversation_id))


@pytest.fixture
def kept(service: ChatService) -> int:
    """A conversation already in the history: a refused import must leave it as it was."""
    conversation = service.new_conversation()
    service.rename_conversation(conversation.id, "kept")
    return conversation.id


def refused(service: ChatService, path: Path, kept: int) -> str:
    """Import ``path``, which must be refused with one line and change nothing."""
    before = [(c.id, c.updated_at) for c in service.conversations()]
    with pytest.raises(ImportRefusedError) as error:
        service.import_file(path)
    reason = str(error.value)
    assert "\n" not in reason and reason.endswith(".") and len(reason) < 400, reason
    assert [(c.id, c.updated_at) for c in service.conversations()] == before
    assert service.conversation(kept).title == "kept"
    return reason


def backup_zip(path: Path, documents: list[Any], *, count: int | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, item in enumerate(documents, start=1):
            archive.writestr(f"conversations/{number:06d}.json", json.dumps(item))
        archive.writestr(
            "manifest.json",
            json.dumps(
                {
                    "format": "desktop-llm-backup",
                    "version": 1,
                    "exported_at": "2024-01-01T00:00:00.000000+00:00",
                    "app_version": "0.1",
                    "conversations": len(documents) if count is None else count,
                }
            ),
        )
    return path


def chatgpt_zip(path: Path, conversations_json: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("conversations.json", conversations_json)
    return path


def patch_central_directory(path: Path, name: str, offset: int, fmt: str, value: int) -> None:
    """Overwrite one field of ``name``'s central directory record (what zipfile trusts)."""
    data = bytearray(path.read_bytes())
    encoded = name.encode()
    at = 0
    while True:
        at = data.index(b"PK\x01\x02", at)
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_length] == encoded:
            break
        at += 4
    struct.pack_into(fmt, data, at + offset, value)
    path.write_bytes(bytes(data))


# --------------------------------------------------------------------------- not a file we read


def test_missing_file_folder_and_pipe(service: ChatService, tmp_path: Path, kept: int) -> None:
    assert refused(service, tmp_path / "nowhere.json", kept) == (
        f"{tmp_path / 'nowhere.json'} does not exist."
    )
    assert refused(service, tmp_path, kept) == f"{tmp_path} is a folder; choose a file to import."
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    assert refused(service, fifo, kept) == f"{fifo} is not a regular file."


def test_an_unreadable_file(tmp_path: Path) -> None:
    secret = write_json(tmp_path / "secret.json", {"messages": []})
    secret.chmod(0)
    tmp_path.chmod(0o755)
    # Root reads any file: the check runs in a child that gave up root first.
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report the refusal through the pipe, whatever happens
        message = "no refusal"
        try:
            if os.geteuid() == 0:
                os.setgid(65534)
                os.setuid(65534)
            with open_import(secret) as source:
                list(source.conversations())
        except ImportRefusedError as error:
            message = str(error)
        except BaseException as error:
            message = repr(error)
        finally:
            os.write(write, message.encode())
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read, "rb") as pipe:
        message = pipe.read().decode()
    assert message == f"{secret} could not be read: Permission denied."


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty.bin is empty."),
        (b"Hello, this is a letter, not an export.\n", "it is neither JSON nor a zip"),
        (bytes(range(256)) * 64, "is not UTF-8 text (a binary file?)"),
        (b"\x89PNG\r\n\x1a\n" + bytes(2000), "is not UTF-8 text"),
        (b"[1, 2, 3]", "conversation 1 is JSON but not a conversation format desktop-llm knows"),
        (b'{"messages": "hi"}', "is JSON but not a conversation format"),
        (b"[]", "empty.bin holds no conversations."),
        (b'{"messages": [{"role": "user", "content": NaN}]}', "it holds NaN"),
        (b'{"messages": [{"role": "user", "content": "x"}]} trailing', "more data follows"),
        (b"[" * 100_000, "nests lists or objects too deeply"),
        (b'{"messages": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}", "too deeply"),
        (b'[{"format": "desktop-llm-backup", "version": 1}]', "manifest of a desktop-llm backup"),
    ],
    ids=[
        "empty",
        "text",
        "binary",
        "png",
        "numbers",
        "wrong type",
        "empty list",
        "NaN",
        "trailing",
        "deep",
        "deep inside",
        "manifest",
    ],
)
def test_files_that_are_not_conversations(
    service: ChatService, tmp_path: Path, kept: int, content: bytes, reason: str
) -> None:
    path = tmp_path / "empty.bin"
    path.write_bytes(content)
    assert reason in refused(service, path, kept)


def test_enormous_strings_and_values(service: ChatService, tmp_path: Path, kept: int) -> None:
    huge_part = simple_chatgpt("Huge", "x" * 8_000_001, "A")
    path = write_json(tmp_path / "conversations.json", [huge_part])
    assert '"parts" is 8,000,001 characters long' in refused(service, path, kept)
    # A string that never ends: refused when the value passes its limit, not at memory's end.
    endless = tmp_path / "endless.json"
    with endless.open("wb") as file:
        file.write(b'[{"title": "')
        for _ in range(70):
            file.write(b"x" * MiB)
    reason = refused(service, endless, kept)
    assert "holds a JSON value of more than 64 MiB" in reason


def test_deep_nesting_inside_a_chatgpt_conversation(
    service: ChatService, tmp_path: Path, kept: int
) -> None:
    text = json.dumps([chatgpt_conversation()])
    deep = "[" * 100_000 + "]" * 100_000
    text = text.replace('"moderation_results": []', f'"moderation_results": {deep}')
    path = tmp_path / "conversations.json"
    path.write_text(text, encoding="utf-8")
    assert "too deeply" in refused(service, path, kept)


# --------------------------------------------------------------------------- cut off


def test_a_cut_off_document_list_and_zip(
    service: ChatService, tmp_path: Path, kept: int, document: dict[str, Any]
) -> None:
    text = json.dumps(document).encode()
    cut = tmp_path / "cut.json"
    cut.write_bytes(text[: len(text) // 2])
    assert "cut.json is cut off" in refused(service, cut, kept)

    # 200 conversations stream in before the cut: none of them may stay.
    many = json.dumps([simple_chatgpt(f"C{n}", "Q", "A") for n in range(201)]).encode()
    cut.write_bytes(many[: len(many) - 200])
    assert "cut.json is cut off" in refused(service, cut, kept)

    backup = backup_zip(tmp_path / "backup.zip", [document] * 3)
    data = backup.read_bytes()
    for size in (len(data) // 2, len(data) - 30, 10):
        cut_zip = tmp_path / "cut.zip"
        cut_zip.write_bytes(data[:size])
        assert "is damaged or cut off" in refused(service, cut_zip, kept)


def test_a_damaged_zip_entry(service: ChatService, tmp_path: Path, kept: int) -> None:
    data = json.dumps([simple_chatgpt(f"C{n}", "Q" * 100, "A") for n in range(50)]).encode()
    path = chatgpt_zip(tmp_path / "export.zip", data)
    damaged = bytearray(path.read_bytes())
    damaged[200:210] = b"\x00" * 10  # inside the deflated data of conversations.json
    path.write_bytes(bytes(damaged))
    assert "export.zip:conversations.json is damaged or cut off" in refused(service, path, kept)


# --------------------------------------------------------------------------- versions and trees


def test_unknown_versions(
    service: ChatService, tmp_path: Path, kept: int, document: dict[str, Any]
) -> None:
    newer = copy.deepcopy(document)
    newer["version"] = 7
    assert refused(service, write_json(tmp_path / "newer.json", newer), kept) == (
        "newer.json was written by a newer desktop-llm (conversation format version 7; this "
        "one reads up to version 1). Update desktop-llm to import it."
    )
    manifest = json.dumps({"format": "desktop-llm-backup", "version": 2, "conversations": 1})
    with zipfile.ZipFile(tmp_path / "newer.zip", "w") as archive:
        archive.writestr("conversations/000001.json", json.dumps(document))
        archive.writestr("manifest.json", manifest)
    assert "newer desktop-llm (backup format version 2" in refused(
        service, tmp_path / "newer.zip", kept
    )


def test_a_thousand_conversation_backup_commits_whole_or_not_at_all(
    service: ChatService, tmp_path: Path, kept: int, document: dict[str, Any]
) -> None:
    documents = [document] * 1000
    broken = copy.deepcopy(document)
    broken["messages"][0]["parent_id"] = broken["messages"][-1]["id"]  # a cycle
    reason = refused(service, backup_zip(tmp_path / "b.zip", [*documents[:-1], broken]), kept)
    assert reason.startswith("b.zip:conversations/001000.json: message ")
    assert "is its own ancestor (the tree has a cycle)" in reason

    incomplete = backup_zip(tmp_path / "short.zip", documents[:10], count=11)
    assert refused(service, incomplete, kept) == (
        "short.zip is incomplete or altered: its manifest lists 11 conversations and it holds 10."
    )

    report = service.import_file(backup_zip(tmp_path / "whole.zip", documents))
    assert len(report.conversation_ids) == 1000
    assert report.summary() == "Imported 1000 conversations from whole.zip (desktop-llm backup)."
    assert len(service.conversations()) == 1001


# --------------------------------------------------------------------------- hostile zips


@pytest.mark.parametrize(
    "name",
    [
        "../evil.json",
        "/etc/cron.d/evil",
        "C:\\Windows\\evil.json",
        "C:/evil.json",
        "conversations\\..\\..\\evil.json",
        "conversations/../../evil.json",
        "a/./../../b",
    ],
)
def test_a_path_leaving_the_folder_refuses_the_zip(
    service: ChatService, tmp_path: Path, kept: int, document: dict[str, Any], name: str
) -> None:
    path = backup_zip(tmp_path / "backup.zip", [document])
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(zipfile.ZipInfo(name), b"{}")
    reason = refused(service, path, kept)
    assert reason.startswith("backup.zip holds an entry whose path leaves its folder (")


def test_a_zip_bomb_is_stopped_while_decompressing(
    service: ChatService, tmp_path: Path, kept: int
) -> None:
    # 200 MiB of spaces deflate to about 200 KB: refused after a few MiB come out.
    path = tmp_path / "bomb.zip"
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("conversations.json", "w") as entry,
    ):
        entry.write(b"[")
        for _ in range(200):
            entry.write(b" " * MiB)
        entry.write(b"]")
    assert path.stat().st_size < 1 * MiB
    assert refused(service, path, kept) == (
        "bomb.zip:conversations.json unpacks to over 200 times its packed size, as zip bombs "
        "do; it was not imported."
    )
    # A header claiming a huge packed size: zipfile reads past the file's end, and the
    # entry is refused as damaged.
    patch_central_directory(path, "conversations.json", 20, "<I", 0xFFFFFFF0)
    assert "bomb.zip:conversations.json is damaged or cut off" in refused(service, path, kept)


def test_sizes_in_the_headers_are_not_trusted(
    service: ChatService, tmp_path: Path, kept: int
) -> None:
    data = json.dumps([simple_chatgpt(f"C{n}", "Q" * 200, "A", T0) for n in range(30)]).encode()
    # Claiming fewer bytes than there are: the short read fails its checksum.
    small = chatgpt_zip(tmp_path / "small.zip", data)
    patch_central_directory(small, "conversations.json", 24, "<I", 100)
    assert "small.zip:conversations.json is damaged or cut off" in refused(service, small, kept)
    # Claiming more than an import may unpack: refused before reading.
    claims = chatgpt_zip(tmp_path / "claims.zip", data)
    patch_central_directory(claims, "conversations.json", 24, "<I", 0xFFFFFFF0)
    report = service.import_file(claims)  # 4 GiB claimed, 300 KB real: the real bytes count
    assert len(report.conversation_ids) == 30


def test_the_total_unpacked_is_counted_as_it_comes_out(
    service: ChatService,
    tmp_path: Path,
    kept: int,
    document: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Entries each within the limit, together beyond it (a lower limit stands in for 4 GiB).
    path = backup_zip(tmp_path / "big.zip", [document] * 40)
    size = len(json.dumps(document))
    monkeypatch.setattr(zip_import, "MAX_ZIP_UNCOMPRESSED_BYTES", 10 * size)
    # The manifest was read too, so the tenth conversation is the one that does not fit.
    assert refused(service, path, kept) == (
        f"big.zip:conversations/000010.json takes the zip past {10 * size:,} unpacked bytes "
        "in all, more than any chat export; it was not imported (a zip bomb?)."
    )
    # One entry claiming more than the whole limit is refused before it is read.
    claims = chatgpt_zip(tmp_path / "claims.zip", b"[]")
    patch_central_directory(claims, "conversations.json", 24, "<I", 11 * size)
    assert refused(service, claims, kept) == (
        f"claims.zip:conversations.json says it unpacks to {11 * size:,} bytes, more than the "
        f"{10 * size:,} an import may read."
    )


def test_too_many_entries(
    service: ChatService, tmp_path: Path, kept: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # More than a plain zip can count (65,535): the zip64 end record gives the number.
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("conversations.json", "[]")
        for number in range(65_600):
            archive.writestr(f"images/{number}.png", b"")
    monkeypatch.setattr(zip_import, "MAX_ZIP_ENTRIES", 65_536)
    assert refused(service, path, kept) == (
        "many.zip lists 65,601 entries, more than the 65,536 allowed; it was not imported."
    )


def test_duplicate_encrypted_and_unknown_zips(
    service: ChatService, tmp_path: Path, kept: int, document: dict[str, Any]
) -> None:
    path = backup_zip(tmp_path / "twice.zip", [document])
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(path, "a") as archive:
        archive.writestr("conversations/000001.json", b"{}")
    assert "twice.zip holds two entries named 'conversations/000001.json'" in refused(
        service, path, kept
    )

    locked = backup_zip(tmp_path / "locked.zip", [document])
    patch_central_directory(locked, "conversations/000001.json", 8, "<H", 0x1)
    assert refused(service, locked, kept) == (
        "locked.zip:conversations/000001.json is encrypted; desktop-llm cannot read it."
    )

    other = tmp_path / "photos.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("cat.png", b"\x89PNG")
    assert "photos.zip is a zip file but neither a desktop-llm backup nor a ChatGPT" in refused(
        service, other, kept
    )


@pytest.mark.timeout(120)  # walks that repeat per reply would take hours here
def test_a_tree_built_to_make_walks_quadratic_imports_in_linear_time(
    service: ChatService, tmp_path: Path
) -> None:
    # 40,000 nodes left out in one chain, then 40,000 replies all under its last node.
    chain = 40_000
    mapping: dict[str, Any] = {}
    for number in range(chain):
        parent = f"s{number - 1}" if number else None
        mapping[f"s{number}"] = {"id": f"s{number}", "message": None, "parent": parent}
    for number in range(chain):
        mapping[f"r{number}"] = {
            "id": f"r{number}",
            "parent": f"s{chain - 1}",
            "message": {
                "author": {"role": "assistant"},
                "create_time": T0 + number,
                "content": {"content_type": "text", "parts": [f"reply {number}"]},
            },
        }
    path = write_json(tmp_path / "c.json", [{"title": "Wide", "mapping": mapping}])
    report = service.import_file(path)
    [conversation_id] = report.conversation_ids
    messages = service.messages(conversation_id)
    assert len(messages) == chain
    assert all(m.parent_id is None for m in messages)  # every reply a version of the first
