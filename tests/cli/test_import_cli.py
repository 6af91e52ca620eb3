"""`desktop-llm import FILE [FILE ...]`, run for real in a subprocess (no model needed): one
summary line a file, refusals one line on stderr, each file whole or not at all."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

from desktop_llm.paths import AppPaths
from desktop_llm.storage import HistoryStore
from tests.test_cli import assert_one_line_failure, run_cli, run_json, run_ok
from tests.transcripts.import_samples import chatgpt_conversation, simple_chatgpt, write_json
from tests.transcripts.samples import QUESTION, TITLE, rich_conversation


def titles(paths: AppPaths) -> list[str]:
    with closing(sqlite3.connect(paths.database)) as db:
        return [title for (title,) in db.execute("SELECT title FROM conversations ORDER BY id")]


def test_several_files_each_summed_up(isolated_home: Path, paths: AppPaths, tmp_path: Path) -> None:
    with HistoryStore.open(paths.database) as store:
        source_id = rich_conversation(store).conversation_id
    ours = tmp_path / "ours.json"
    ours.write_text(
        run_ok(isolated_home, "export", str(source_id), "--format", "json"), encoding="utf-8"
    )
    chatgpt = write_json(
        tmp_path / "conversations.json",
        [chatgpt_conversation(), simple_chatgpt("Second", "Q", "A")],
    )
    lines = tmp_path / "train.jsonl"
    lines.write_text(
        json.dumps({"messages": [{"role": "user", "content": "Bonjour"}]}) + "\n", encoding="utf-8"
    )

    output = run_ok(isolated_home, "import", str(ours), str(chatgpt), str(lines))

    assert output.splitlines() == [
        "Imported 1 conversation from ours.json (desktop-llm conversation).",
        "Imported 2 conversations from conversations.json (ChatGPT export); 1 image or other "
        "non-text part skipped; 1 tool or other message skipped.",
        "Imported 1 conversation from train.jsonl (OpenAI messages).",
    ]
    assert titles(paths) == [TITLE, TITLE, "Cat picture 猫", "Second", "Bonjour"]
    [hit] = run_json(isolated_home, "conversations", "search", "图片里有什么")
    assert hit["title"] == "Cat picture 猫"
    shown = run_json(isolated_home, "conversations", "show", str(hit["id"]))
    assert [m["content"] for m in shown["messages"]][-1] == "Probably a cat, 猫."
    assert QUESTION in {
        m["content"] for m in run_json(isolated_home, "conversations", "show", "2")["messages"]
    }


def test_a_refused_file_is_one_line_and_the_others_still_go_in(
    isolated_home: Path, paths: AppPaths, tmp_path: Path
) -> None:
    good = write_json(tmp_path / "good.json", [simple_chatgpt("Good", "Q", "A")])
    cut = tmp_path / "cut.json"
    cut.write_text(json.dumps([simple_chatgpt("Cut", "Q", "A")] * 3)[:-40], encoding="utf-8")

    alone = run_cli(isolated_home, "import", str(cut))
    assert assert_one_line_failure(alone) == (
        "desktop-llm: cut.json is cut off: its JSON ends in the middle (an interrupted "
        "download or copy?)."
    )
    assert alone.returncode == 1 and alone.stdout == ""
    assert titles(paths) == []

    mixed = run_cli(isolated_home, "import", str(cut), str(good), str(tmp_path / "nope.zip"))
    assert mixed.returncode == 1
    assert mixed.stdout == "Imported 1 conversation from good.json (ChatGPT export).\n"
    assert mixed.stderr.splitlines() == [
        "desktop-llm: cut.json is cut off: its JSON ends in the middle (an interrupted "
        "download or copy?).",
        f"desktop-llm: {tmp_path / 'nope.zip'} does not exist.",
    ]
    assert titles(paths) == ["Good"]


def test_json_output_lists_each_file(isolated_home: Path, paths: AppPaths, tmp_path: Path) -> None:
    good = write_json(tmp_path / "good.json", {"messages": [{"role": "user", "content": "Hi"}]})
    bad = write_json(tmp_path / "bad.json", {"format": "desktop-llm-conversation", "version": 9})

    result = run_cli(isolated_home, "import", str(good), str(bad), "--json")

    assert result.returncode == 1
    [conversation_id] = [row[0] for row in _ids(paths)]
    assert json.loads(result.stdout) == [
        {
            "file": str(good),
            "kind": "OpenAI messages",
            "conversation_ids": [conversation_id],
            "skipped_parts": 0,
            "skipped_messages": 0,
        },
        {
            "file": str(bad),
            "error": "bad.json was written by a newer desktop-llm (conversation format version "
            "9; this one reads up to version 1). Update desktop-llm to import it.",
        },
    ]
    assert result.stderr.startswith("desktop-llm: bad.json was written by a newer")


def test_help_describes_the_formats(isolated_home: Path) -> None:
    text = run_ok(isolated_home, "import", "--help")
    assert "ChatGPT" in text and "OpenAI" in text and "backup" in text
    assert "import" in run_ok(isolated_home, "--help")
    missing = run_cli(isolated_home, "import")
    assert missing.returncode == 2 and "FILE" in missing.stderr


def _ids(paths: AppPaths) -> list[tuple[int]]:
    with closing(sqlite3.connect(paths.database)) as db:
        return db.execute("SELECT id FROM conversations").fetchall()
