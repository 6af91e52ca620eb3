"""Presets and prompt templates: built-ins kept apart from the user's, templates filled."""

from __future__ import annotations

from dataclasses import replace

import pytest

from desktop_llm.chat.presets import (
    BUILTIN_PRESETS,
    INPUT_PLACEHOLDER,
    STARTER_TEMPLATES,
    Preset,
    PresetError,
    PromptTemplate,
    all_presets,
    delete_preset,
    fill_template,
    find_preset,
    prompt_templates,
    save_preset,
)
from desktop_llm.engine.types import GenerationParams
from desktop_llm.settings import Settings


def builtin(name: str) -> Preset:
    return next(p for p in BUILTIN_PRESETS if p.name == name)


def test_the_builtin_presets() -> None:
    assert [p.name for p in BUILTIN_PRESETS] == ["Precise", "Balanced", "Creative"]
    assert all(p.builtin for p in BUILTIN_PRESETS)
    assert builtin("Precise").params.temperature == 0  # greedy
    assert builtin("Balanced").params == GenerationParams()  # the app's defaults
    creative, balanced = builtin("Creative").params, builtin("Balanced").params
    assert creative.temperature > balanced.temperature
    assert creative.top_p > balanced.top_p and creative.min_p < balanced.min_p


def test_saving_listing_replacing_and_deleting_user_presets() -> None:
    mine = save_preset((), "  Terse ", GenerationParams(temperature=0.2, max_tokens=64))
    assert mine == (Preset("Terse", GenerationParams(temperature=0.2, max_tokens=64)),)
    assert not mine[0].builtin
    mine = save_preset(mine, "Story", GenerationParams(temperature=1.3))
    assert [p.name for p in all_presets(mine)] == [
        "Precise", "Balanced", "Creative", "Terse", "Story"
    ]
    replaced = save_preset(mine, "Terse", GenerationParams(temperature=0.1))
    assert [p.name for p in replaced] == ["Terse", "Story"]  # in place, not appended
    assert replaced[0].params.temperature == 0.1
    assert [p.name for p in delete_preset(replaced, "Terse")] == ["Story"]
    assert delete_preset(replaced, "Unknown") == replaced
    # A built-in's name written into the settings file by hand never hides the built-in.
    hand_written = (Preset("balanced", GenerationParams(temperature=2.0)),)
    assert all_presets(hand_written) == list(BUILTIN_PRESETS)


@pytest.mark.parametrize("name", ["Balanced", "precise", " CREATIVE "])
def test_a_builtin_name_is_refused_with_a_sentence(name: str) -> None:
    with pytest.raises(PresetError, match=r"built-in preset and cannot be changed"):
        save_preset((), name, GenerationParams(temperature=0.3))
    with pytest.raises(PresetError, match=r"cannot be deleted"):
        delete_preset((), name)


def test_an_empty_name_is_refused() -> None:
    with pytest.raises(PresetError, match="needs a name"):
        save_preset((), "   ", GenerationParams())


def test_finding_the_preset_that_matches_parameters() -> None:
    mine = save_preset((), "Mine", GenerationParams(temperature=0.3, stop=("END",)))
    assert find_preset(GenerationParams(), mine) == builtin("Balanced")
    assert find_preset(GenerationParams(temperature=0.0), mine) == builtin("Precise")
    assert find_preset(GenerationParams(temperature=0.3, stop=("END",)), mine) == mine[0]
    assert find_preset(GenerationParams(temperature=0.3), mine) is None  # "Custom"
    assert find_preset(replace(GenerationParams(), seed=7), mine) is None


def test_templates_are_the_starters_until_the_user_changes_them() -> None:
    assert prompt_templates(Settings()) == STARTER_TEMPLATES
    names = " ".join(t.name.lower() for t in STARTER_TEMPLATES)
    assert "step by step" in names and "few-shot" in names
    assert all(INPUT_PLACEHOLDER in t.text for t in STARTER_TEMPLATES)
    own = (PromptTemplate("Mine", "Translate: {{input}}"),)
    assert prompt_templates(Settings(prompt_templates=own)) == own
    assert prompt_templates(Settings(prompt_templates=())) == ()  # all deleted stays deleted


def test_filling_a_template() -> None:
    text, cursor = fill_template("Q: {{input}}\nA:", "Why is the sky blue?")
    assert text == "Q: Why is the sky blue?\nA:"
    assert text[:cursor] == "Q: Why is the sky blue?"
    # Every placeholder gets the text; the cursor follows the first.
    text, cursor = fill_template("{{input}} / {{input}}", "猫🐈")
    assert text == "猫🐈 / 猫🐈" and cursor == 2
    # Empty box: the cursor waits where the question goes.
    text, cursor = fill_template("Review: {{input}}\nSentiment:", "")
    assert text == "Review: \nSentiment:" and cursor == len("Review: ")
    # No placeholder: the template goes first, then a blank line and the text.
    assert fill_template("Be brief.", "hello") == ("Be brief.\n\nhello", len("Be brief.\n\nhello"))
    assert fill_template("Be brief.", "") == ("Be brief.", len("Be brief."))
