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
"""

from __future__ import annotations

from collections.abc import Callable

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
