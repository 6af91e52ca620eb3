"""Generation presets and prompt templates: the built-in ones, and the user's kept beside them.

The records themselves (``Preset``, ``PromptTemplate``) are part of the settings file
(desktop_llm/settings.py); here is what the app and the command line do with them. The
functions return new tuples to store with ``ChatService.update_settings``, for example
``service.update_settings(lambda s: replace(s, presets=save_preset(s.presets, preset)))``.
"""

from __future__ import annotations

from collections.abc import Sequence

from desktop_llm.engine.types import GenerationParams
from desktop_llm.errors import DesktopLLMError
from desktop_llm.i18n import translatable, translate
from desktop_llm.settings import Preset, PromptTemplate, Settings

__all__ = [
    "BUILTIN_PRESETS",
    "INPUT_PLACEHOLDER",
    "STARTER_TEMPLATES",
    "Preset",
    "PresetError",
    "PromptTemplate",
    "all_presets",
    "delete_preset",
    "fill_template",
    "find_preset",
    "prompt_templates",
    "save_preset",
]

BUILTIN_PRESETS: tuple[Preset, ...] = (
    # Greedy: the most likely token every time, so the same question gets the same answer.
    Preset("Precise", GenerationParams(temperature=0.0), builtin=True),
    Preset("Balanced", GenerationParams(), builtin=True),
    # Warmer, with a wider choice of tokens: more varied wording, more surprises.
    Preset(
        "Creative",
        GenerationParams(temperature=1.0, top_p=0.98, min_p=0.02),
        builtin=True,
    ),
)


class PresetError(DesktopLLMError):
    """A preset that cannot be saved or deleted as asked."""


def all_presets(user_presets: Sequence[Preset]) -> list[Preset]:
    """The built-in presets first, then the user's in the order they were saved (one with a
    built-in's name, written into the file by hand, is left out)."""
    return [*BUILTIN_PRESETS, *(p for p in user_presets if _builtin_named(p.name) is None)]


def _builtin_named(name: str) -> Preset | None:
    folded = name.strip().casefold()
    return next((p for p in BUILTIN_PRESETS if p.name.casefold() == folded), None)


def save_preset(
    user_presets: Sequence[Preset], name: str, params: GenerationParams
) -> tuple[Preset, ...]:
    """The user's presets with ``name`` saved; one of the same name is replaced in place."""
    name = name.strip()
    if not name:
        raise PresetError(translate("Presets", "A preset needs a name."))
    builtin = _builtin_named(name)
    if builtin is not None:
        raise PresetError(translate(
            "Presets", "“{name}” is a built-in preset and cannot be changed: choose another name."
        ).format(name=builtin.name))
    preset = Preset(name, params)
    saved = [preset if p.name == name else p for p in user_presets]
    if preset not in saved:
        saved.append(preset)
    return tuple(saved)


def delete_preset(user_presets: Sequence[Preset], name: str) -> tuple[Preset, ...]:
    """The user's presets without ``name``; a built-in preset cannot be deleted."""
    builtin = _builtin_named(name)
    if builtin is not None:
        raise PresetError(translate(
            "Presets", "“{name}” is a built-in preset and cannot be deleted."
        ).format(name=builtin.name))
    return tuple(p for p in user_presets if p.name != name)


def find_preset(params: GenerationParams, user_presets: Sequence[Preset]) -> Preset | None:
    """The preset whose parameters are exactly ``params`` (a built-in first), or None
    (the parameters are the user's own mix: "Custom")."""
    return next((p for p in all_presets(user_presets) if p.params == params), None)


# Where the text typed in the message box goes when a template is inserted.
INPUT_PLACEHOLDER = "{{input}}"

# In English here; prompt_templates() gives them in the user's language (each keeps its
# {{input}}, the INPUT_PLACEHOLDER).
STARTER_TEMPLATES: tuple[PromptTemplate, ...] = (
    PromptTemplate(
        translatable("PromptTemplates", "Step by step"),
        translatable(
            "PromptTemplates",
            "{{input}}\n\n"
            "Think it through step by step, writing out each step of your reasoning. "
            "Then give the final answer on a last line that starts with “Answer:”.",
        ),
    ),
    PromptTemplate(
        translatable("PromptTemplates", "Few-shot: classify"),
        translatable(
            "PromptTemplates",
            "Classify the sentiment of each review as positive, negative or mixed.\n\n"
            "Review: The battery lasts two days and the screen is sharp.\n"
            "Sentiment: positive\n\n"
            "Review: It stopped charging after a week and support never answered.\n"
            "Sentiment: negative\n\n"
            "Review: Great sound, but the app keeps crashing.\n"
            "Sentiment: mixed\n\n"
            "Review: {{input}}\n"
            "Sentiment:",
        ),
    ),
    PromptTemplate(
        translatable("PromptTemplates", "Summarize"),
        translatable(
            "PromptTemplates",
            "Summarize the text below in three short bullet points, "
            "then one sentence on what matters most.\n\n{{input}}",
        ),
    ),
)


def prompt_templates(settings: Settings) -> tuple[PromptTemplate, ...]:
    """The user's templates: the starter ones (in the user's language) until the user changes
    the list."""
    if settings.prompt_templates is None:
        return tuple(
            PromptTemplate(
                translate("PromptTemplates", template.name),
                translate("PromptTemplates", template.text),
            )
            for template in STARTER_TEMPLATES
        )
    return settings.prompt_templates


def fill_template(template: str, text: str) -> tuple[str, int]:
    """The message a template makes with ``text`` (what is in the message box), and where
    the cursor goes: after the text put in the first placeholder.

    Every ``{{input}}`` is replaced by ``text``. A template without a placeholder goes before
    the text, a blank line between them, and the cursor ends at the very end.
    """
    if INPUT_PLACEHOLDER not in template:
        message = f"{template}\n\n{text}" if text else template
        return message, len(message)
    before, _, _ = template.partition(INPUT_PLACEHOLDER)
    return template.replace(INPUT_PLACEHOLDER, text), len(before) + len(text)
