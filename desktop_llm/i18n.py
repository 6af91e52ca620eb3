"""The core's sentences for people, in the user's language, without Qt in the core.

A message a user may read is written as a template with named placeholders::

    translate("ModelFiles", "{name} is damaged: {problem}").format(name=name, problem=problem)

Until the window installs a translator at start (ui/translations.py hands in Qt's
``QCoreApplication.translate``), ``translate`` returns the English text as written: the command
line, the engine process and the core's tests read English.

``pyside6-lupdate`` finds these messages by their shape, as it finds Qt's own
``QCoreApplication.translate``: the function is called ``translate`` and its two arguments are
string literals (adjacent literals are joined). A variable or an f-string is not extracted, so
a table of texts translated later marks each entry with ``translatable(context, text)`` (run
with ``-tr-function-alias QT_TRANSLATE_NOOP+=translatable``, as ``make translations-update``
does) and passes it to ``translate`` when the sentence is made. Translate when the message is
made, never at import: an import-time text stays English.

A process without a translator (the engine process) makes its messages with ``sentence``: the
text keeps its template and values, the message protocol carries them (``sentence_to_wire``),
and the app translates them on arrival (``sentence_from_wire``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Translator = Callable[[str, str], str]

_translator: Translator | None = None


def translate(context: str, text: str) -> str:
    """``text`` in the user's language (English until a translator is installed); a text
    without a translation comes back as it is."""
    translator = _translator
    if translator is None:
        return text
    return translator(context, text) or text


def translatable(context: str, text: str) -> str:
    """Marks ``text`` for extraction under ``context``, to be passed to ``translate`` later;
    returns it unchanged."""
    return text


def install_translator(translator: Translator | None) -> None:
    """Called by the GUI at start (None: back to English, as the tests do)."""
    global _translator
    _translator = translator


class Sentence(str):
    """A message made by ``sentence``: its text, with the template and values it came from."""

    context: str
    template: str
    values: dict[str, Any]


def sentence(context: str, template: str, **values: Any) -> Sentence:
    """``translate(context, template).format(**values)``, remembering how it was made.
    ``template`` is marked where it is written: ``translatable(context, "...")``."""
    text = Sentence(translate(context, template).format(**values))
    text.context, text.template, text.values = context, template, values
    return text


def sentence_to_wire(text: object) -> dict[str, Any] | None:
    """What another process needs to translate ``text`` itself (None: a plain text)."""
    if not isinstance(text, Sentence):
        return None
    values = {
        key: value if isinstance(value, (int, float)) and not isinstance(value, bool)
        else str(value)
        for key, value in text.values.items()
    }
    return {"context": text.context, "template": text.template, "values": values}


def message_of(error: BaseException) -> str:
    """An error's message, still a ``Sentence`` when it was made by ``sentence`` (``str(error)``
    would drop its template, and the app could not translate it)."""
    first = error.args[0] if error.args else None
    text = str(error)
    return first if isinstance(first, Sentence) and text == first else text


def sentence_from_wire(data: object, fallback: str) -> str:
    """The sentence ``sentence_to_wire`` described, in this process's language; ``fallback``
    (the sender's text) when the description is damaged or its translation does not fit."""
    if not isinstance(data, dict):
        return fallback
    context, template, values = data.get("context"), data.get("template"), data.get("values")
    if not isinstance(context, str) or not isinstance(template, str) or not isinstance(
        values, dict
    ):
        return fallback
    try:
        return translate(context, template).format(**values)
    except (KeyError, IndexError, ValueError):
        return fallback
