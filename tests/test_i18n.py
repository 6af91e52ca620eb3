"""The core's translation marker: English until the window installs a translator, the
translator's answer after, and English again when it is taken away."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from desktop_llm import i18n
from desktop_llm.i18n import install_translator, translatable, translate


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
