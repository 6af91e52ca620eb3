"""The settings file: updates from several threads at once (each is one operation, none is
lost), the round trip of every field, and damaged values that fall back one by one."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from desktop_llm.chat.presets import save_preset
from desktop_llm.chat.service import ChatService
from desktop_llm.engine.types import GenerationParams
from desktop_llm.paths import AppPaths
from desktop_llm.settings import Preset, PromptTemplate, Settings, load_settings, save_settings


def test_concurrent_updates_of_different_fields_all_land(paths: AppPaths) -> None:
    with ChatService.open(paths) as service:
        start = threading.Barrier(3)

        def repeat(change: object) -> None:
            start.wait()
            for _ in range(50):
                service.update_settings(change)  # type: ignore[arg-type]

        workers = [
            threading.Thread(target=repeat, args=(lambda s: s.with_default_model("model-a"),)),
            threading.Thread(
                target=repeat, args=(lambda s: replace(s, hub_endpoint="http://mirror.test"),)
            ),
            threading.Thread(
                target=repeat,
                args=(lambda s: replace(s, load=replace(s.load, n_ctx=s.load.n_ctx + 1)),),
            ),
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        expected_ctx = Settings().load.n_ctx + 50
        assert service.settings.default_model == "model-a"
        assert service.settings.hub_endpoint == "http://mirror.test"
        assert service.settings.load.n_ctx == expected_ctx  # no increment undone by another
    saved = load_settings(paths.settings_file)
    assert (saved.default_model, saved.hub_endpoint, saved.load.n_ctx) == (
        "model-a", "http://mirror.test", expected_ctx
    )
    assert not list(paths.settings_file.parent.glob("*.tmp"))


def test_writers_never_share_a_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "settings.json"
    errors: list[BaseException] = []

    def write(index: int) -> None:
        try:
            for _ in range(30):
                save_settings(Settings(default_model=f"model-{index}"), target)
        except BaseException as error:  # a shared temporary file fails with FileNotFoundError
            errors.append(error)

    threads = [threading.Thread(target=write, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert load_settings(target).default_model in {f"model-{i}" for i in range(4)}
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]


def test_presets_templates_and_preferences_survive_a_save(tmp_path: Path) -> None:
    target = tmp_path / "settings.json"
    settings = Settings(
        presets=(
            Preset("Terse", GenerationParams(temperature=0.2, max_tokens=64, stop=("END", "\n\n"))),
            Preset("Miro", GenerationParams(mirostat_mode=2, mirostat_tau=3.5, seed=42)),
        ),
        prompt_templates=(PromptTemplate("Translate", "Into French: {{input}}"),),
        context_overflow="stop",
        ctrl_enter_sends=True,
        language="zh_CN",
    )
    save_settings(settings, target)
    assert load_settings(target) == settings
    # Every template deleted is a choice too, kept apart from "never edited" (None).
    save_settings(replace(settings, prompt_templates=()), target)
    assert load_settings(target).prompt_templates == ()


def test_a_file_from_before_these_settings_gets_their_defaults(tmp_path: Path) -> None:
    target = tmp_path / "settings.json"
    target.write_text(json.dumps({"default_model": "old", "system_prompt": "Be kind."}))
    loaded = load_settings(target)
    assert (loaded.default_model, loaded.system_prompt) == ("old", "Be kind.")
    assert loaded.presets == ()
    assert loaded.prompt_templates is None
    assert loaded.context_overflow == "drop_oldest"
    assert loaded.ctrl_enter_sends is False
    assert loaded.language == "system"


def test_damaged_values_fall_back_one_by_one(tmp_path: Path) -> None:
    """A hand-edited or damaged entry loses only itself: the app starts, the rest stays."""
    target = tmp_path / "settings.json"
    good = {"name": "Good", "params": {"temperature": 0.4, "stop": ["###"]}}
    target.write_text(json.dumps({
        "default_model": "kept",
        "presets": [
            good,
            {"name": "", "params": {}},
            {"name": "Hot", "params": {"temperature": "very"}},
            {"name": "Null", "params": {"top_k": None}},
            {"name": "Flag", "params": {"top_k": True}},
            {"name": "No params"},
            "Creative",
            {"name": "Future", "params": {"temperature": 0.9, "xtc_threshold": 0.1}},
        ],
        "prompt_templates": [{"name": "T", "text": "{{input}}"}, {"name": "No text"}, 3],
        "context_overflow": "explode",
        "ctrl_enter_sends": "yes",
        "language": "klingon",
    }))
    loaded = load_settings(target)
    assert loaded.default_model == "kept"
    assert loaded.presets == (
        Preset("Good", GenerationParams(temperature=0.4, stop=("###",))),
        Preset("Future", GenerationParams(temperature=0.9)),  # unknown field dropped
    )
    assert loaded.prompt_templates == (PromptTemplate("T", "{{input}}"),)
    assert loaded.context_overflow == "drop_oldest"
    assert loaded.ctrl_enter_sends is False
    assert loaded.language == "system"
    assert not target.with_name("settings.json.broken").exists()  # nothing to set aside


@pytest.mark.parametrize("value", ["not a list", {"name": "x"}, 5])
def test_lists_that_are_not_lists_are_ignored(tmp_path: Path, value: object) -> None:
    target = tmp_path / "settings.json"
    target.write_text(json.dumps({"presets": value, "prompt_templates": value}))
    loaded = load_settings(target)
    assert loaded.presets == () and loaded.prompt_templates == ()


def test_saving_a_preset_through_the_service(paths: AppPaths) -> None:
    """How the window stores a preset from the generation dialog: one update_settings."""
    with ChatService.open(paths) as service:
        service.update_settings(lambda s: replace(
            s, presets=save_preset(s.presets, "Mine", GenerationParams(temperature=0.25))
        ))
        service.update_settings(lambda s: replace(s, ctrl_enter_sends=True))
    saved = load_settings(paths.settings_file)
    assert saved.presets == (Preset("Mine", GenerationParams(temperature=0.25)),)
    assert saved.ctrl_enter_sends is True
