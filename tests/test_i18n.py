"""The core's translation marker (English until the window installs a translator, the
translator's answer after, English again when it is taken away), and the catalogue of every
translated text: complete, translated, and what the code asks for."""

from __future__ import annotations

import ast
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop_llm import i18n
from desktop_llm.engine.context_window import overflow_refusal
from desktop_llm.engine.protocol import (
    error_from_wire,
    error_to_wire,
    result_from_wire,
    result_to_wire,
)
from desktop_llm.engine.types import GenerationResult
from desktop_llm.errors import GenerationError
from desktop_llm.i18n import (
    install_translator,
    sentence,
    sentence_from_wire,
    sentence_to_wire,
    translatable,
    translate,
)
from desktop_llm.model_files import GGUFError, read_gguf_info
from desktop_llm.transcripts.importing import ImportReport


@pytest.fixture(autouse=True)
def no_translator_left() -> Iterator[None]:
    yield
    install_translator(None)


def test_english_until_a_translator_is_installed() -> None:
    assert i18n._translator is None
    assert translate("Errors", "{name} is damaged.").format(name="a.gguf") == "a.gguf is damaged."


def test_the_installed_translator_answers_with_the_context() -> None:
    seen: list[tuple[str, str]] = []

    def translator(context: str, text: str) -> str:
        seen.append((context, text))
        return "{name} 已损坏。" if text == "{name} is damaged." else text

    install_translator(translator)
    assert translate("Errors", "{name} is damaged.").format(name="a.gguf") == "a.gguf 已损坏。"
    assert translate("Errors", "Untranslated.") == "Untranslated."
    assert seen == [("Errors", "{name} is damaged."), ("Errors", "Untranslated.")]
    install_translator(None)
    assert translate("Errors", "{name} is damaged.") == "{name} is damaged."


def test_an_empty_answer_keeps_the_english() -> None:
    install_translator(lambda _context, _text: "")
    assert translate("Errors", "Disk full.") == "Disk full."


def test_marked_texts_are_returned_unchanged_for_later() -> None:
    assert translatable("Quantization", "good balance") == "good balance"


# The catalogue ---------------------------------------------------------------------------------
# resources/translations/*.ts, made by `make translations-update` (pyside6-lupdate) from the
# sources and translated by hand; `make` compiles it to the .qm the window loads.

REPOSITORY = Path(__file__).resolve().parents[1]
PACKAGE = REPOSITORY / "desktop_llm"
CATALOGUES = sorted((REPOSITORY / "resources" / "translations").glob("desktop_llm_*.ts"))
# str.format fields ({0}, {name}, {{input}}) and Qt's %n / %1 markers.
_PLACEHOLDER = re.compile(r"\{[^{}]*\}|%n|%L?\d")
_ACCELERATOR = re.compile(r"&[^&\s]")
# Names a Chinese interface writes as they are.
_SAME_IN_CHINESE = {"Markdown", "PDF", "Mirostat"}


@dataclass(frozen=True)
class Entry:
    context: str
    source: str
    translation: str
    unfinished: bool


def catalogue(path: Path) -> list[Entry]:
    entries = []
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            assert translation is not None
            entries.append(Entry(
                name,
                message.findtext("source") or "",
                translation.text or "",
                translation.get("type") in ("unfinished", "obsolete", "vanished"),
            ))
    return entries


def test_there_is_a_simplified_chinese_catalogue() -> None:
    assert [path.name for path in CATALOGUES] == ["desktop_llm_zh_CN.ts"]
    assert ET.parse(CATALOGUES[0]).getroot().get("language") == "zh_CN"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.name)
def test_every_message_is_translated_keeping_its_placeholders(path: Path) -> None:
    """A new text in the code shows up here after `make translations-update`: translate it
    (pyside6-linguist, or by hand in the .ts) keeping every {placeholder} and &accelerator."""
    problems = []
    for entry in catalogue(path):
        where = f"{entry.context}: {entry.source!r}"
        if entry.unfinished or not entry.translation.strip():
            problems.append(f"not translated: {where}")
            continue
        if sorted(_PLACEHOLDER.findall(entry.source)) != sorted(
            _PLACEHOLDER.findall(entry.translation)
        ):
            problems.append(f"placeholders differ: {where} -> {entry.translation!r}")
        if bool(_ACCELERATOR.search(entry.source)) != bool(
            _ACCELERATOR.search(entry.translation)
        ):
            problems.append(f"accelerator lost or added: {where} -> {entry.translation!r}")
        # The same text is right only for a name (Markdown, PDF, Mirostat).
        if entry.translation == entry.source and entry.source not in _SAME_IN_CHINESE:
            problems.append(f"left in English: {where}")
    assert not problems, "\n".join(problems)


def _literal(node: ast.expr) -> str | None:
    """The value of a string literal (adjacent literals already joined by the parser)."""
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def source_messages() -> tuple[set[tuple[str, str]], list[str]]:
    """Every (context, text) the code translates, read as Python reads it, and the calls that
    cannot be extracted (an f-string, a variable context)."""
    found: set[tuple[str, str]] = set()
    problems: list[str] = []

    def visit(node: ast.AST, path: Path, classes: list[str]) -> None:
        if isinstance(node, ast.ClassDef):
            classes = [*classes, node.name]
        if isinstance(node, ast.Call):
            check(node, path, classes)
        for child in ast.iter_child_nodes(node):
            visit(child, path, classes)

    def check(call: ast.Call, path: Path, classes: list[str]) -> None:
        func, where = call.func, f"{path.relative_to(REPOSITORY)}:{call.lineno}"
        if isinstance(func, ast.Attribute) and func.attr == "tr" and _is_self(func.value):
            text = _literal(call.args[0]) if call.args else None
            if text is None or not classes:
                problems.append(f"{where}: self.tr() of something lupdate cannot read")
            else:
                found.add((classes[-1], text))
            return
        named = (isinstance(func, ast.Name) and func.id in ("translate", "translatable")) or (
            isinstance(func, ast.Attribute) and func.attr == "translate"
            and isinstance(func.value, ast.Name) and func.value.id == "QCoreApplication"
        )
        if not named or len(call.args) < 2:
            return
        context, text = _literal(call.args[0]), _literal(call.args[1])
        if context is None or isinstance(call.args[1], ast.JoinedStr):
            problems.append(f"{where}: translate() with a context or f-string lupdate cannot read")
        elif text is not None:
            found.add((context, text))

    for path in sorted(PACKAGE.rglob("*.py")):
        if path != PACKAGE / "i18n.py":  # the mechanism itself passes its callers' texts on
            visit(ast.parse(path.read_text(encoding="utf-8")), path, [])
    return found, problems


def _is_self(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "self"


def test_the_catalogue_is_what_the_code_translates() -> None:
    """What pyside6-lupdate extracted (contexts, joined literals, escapes) is exactly what the
    code asks for at run time; a missing or stale entry means `make translations-update`."""
    in_code, problems = source_messages()
    assert not problems, "\n".join(problems)
    for path in CATALOGUES:
        in_catalogue = {(entry.context, entry.source) for entry in catalogue(path)}
        missing, stale = in_code - in_catalogue, in_catalogue - in_code
        assert not missing, f"not in {path.name} (make translations-update): {sorted(missing)}"
        assert not stale, f"in {path.name} but no longer in the code: {sorted(stale)}"


# A core message in Chinese, without Qt: the catalogue's own translations as the translator.

def test_a_core_error_reads_in_chinese_with_the_catalogue_and_english_without(
    tmp_path: Path,
) -> None:
    table = {(e.context, e.source): e.translation for e in catalogue(CATALOGUES[0])}
    page = tmp_path / "model.gguf"
    page.write_bytes(b"<!DOCTYPE html><html>Sign in</html>")

    def refusal() -> str:
        with pytest.raises(GGUFError) as raised:
            read_gguf_info(page)
        return str(raised.value)

    english = refusal()
    assert english.startswith("model.gguf is not a GGUF model file")
    assert "the download probably saved an error or login page" in english

    install_translator(lambda context, text: table.get((context, text), text))
    chinese = refusal()
    assert chinese.startswith("model.gguf 不是 GGUF 模型文件")
    assert "下载时可能保存了错误页面或登录页面" in chinese
    install_translator(None)
    assert refusal() == english


def test_the_import_summary_reads_in_chinese_in_every_case() -> None:
    """One template for each singular and plural: the same report in both languages."""
    table = {(e.context, e.source): e.translation for e in catalogue(CATALOGUES[0])}
    one = ImportReport("ChatGPT export", (1,), file_name="conversations.json")
    several = ImportReport(
        "desktop-llm backup", (1, 2, 3), skipped_parts=2, skipped_messages=1
    )
    english = (one.summary(), several.summary())
    assert english == (
        "Imported 1 conversation from conversations.json (ChatGPT export).",
        "Imported 3 conversations (desktop-llm backup); 2 images and other non-text parts "
        "skipped; 1 tool or other message skipped.",
    )
    install_translator(lambda context, text: table.get((context, text), text))
    assert one.summary() == "已从 conversations.json（ChatGPT 导出数据）导入 1 个对话。"
    assert several.summary() == (
        "已导入 3 个对话（desktop-llm 备份）；跳过了 2 个图片和其他非文本部分；"
        "跳过了 1 条工具消息或其他消息。"
    )
    install_translator(None)
    assert (one.summary(), several.summary()) == english


# Across the engine process's pipe --------------------------------------------------------------
# The engine process has no translator: its messages arrive in English with their template and
# values, and the app translates them (engine/protocol.py).

def test_a_sentence_remembers_how_it_was_made() -> None:
    made = sentence("Engine", "This message needs {needed} tokens.", needed=5000)
    assert made == "This message needs 5000 tokens."
    assert sentence_to_wire(made) == {
        "context": "Engine", "template": "This message needs {needed} tokens.",
        "values": {"needed": 5000},
    }
    assert sentence_to_wire("plain text") is None


def test_the_engines_english_errors_arrive_in_the_apps_language() -> None:
    refused = GenerationError(overflow_refusal(5000, 4096))  # made where no translator is
    wire = json.loads(json.dumps(error_to_wire(7, refused)))
    assert wire["message"].startswith("The conversation no longer fits")

    install_translator(_pseudo_chinese)
    arrived = error_from_wire(wire)
    assert isinstance(arrived, GenerationError)
    assert str(arrived).startswith("【The conversation no longer fits")
    assert "5000 tokens" in str(arrived) and "holds 4096" in str(arrived)

    # A reply that failed half-way carries its error the same way.
    install_translator(None)
    result = GenerationResult.cut_short("Hal", "error", n_ctx=4096, error=overflow_refusal(9, 8))
    install_translator(_pseudo_chinese)
    back = result_from_wire(json.loads(json.dumps(result_to_wire(result))))
    assert back.text == "Hal" and back.error is not None and back.error.startswith("【")


def test_a_plain_or_damaged_sentence_keeps_the_senders_text() -> None:
    install_translator(lambda _context, _text: "{missing} placeholder")
    assert sentence_from_wire(
        {"context": "Engine", "template": "{n} tokens", "values": {"n": 3}}, "3 tokens"
    ) == "3 tokens"
    assert sentence_from_wire("not a dict", "as sent") == "as sent"
    wire = error_to_wire(1, GenerationError("a plain sentence"))
    assert "sentence" not in wire and str(error_from_wire(wire)) == "a plain sentence"


def _pseudo_chinese(_context: str, text: str) -> str:
    return f"【{text}】"
