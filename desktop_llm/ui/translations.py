"""The interface's language, chosen once at start: our texts (``desktop_llm_<locale>.qm``,
compiled by ``make`` from resources/translations/*.ts), Qt's own (its standard buttons, file
dialogs and text-field menus: ``qtbase_<locale>.qm`` from PySide6), the locale that formats
dates, numbers and sizes (``QLocale()`` everywhere in ui/), and the core's sentences
(``desktop_llm.i18n``, handed Qt's translate).

The language follows the system's unless the Preferences name one (``Settings.language``). A
change applies at the next start: the widgets of a running window keep the texts they were
built with.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import PySide6
from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from desktop_llm.i18n import install_translator
from desktop_llm.resources import resource_path
from desktop_llm.settings import LANGUAGE_CHOICES

logger = logging.getLogger(__name__)

# Where make puts the compiled catalogues (the sources are resources/translations/*.ts).
TRANSLATIONS_DIR = resource_path("translations")
CATALOGUE = "desktop_llm"
# The locales we ship a translation for, besides English (the texts as written).
TRANSLATED = ("zh_CN",)
ENGLISH = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
SIMPLIFIED_CHINESE = QLocale(
    QLocale.Language.Chinese, QLocale.Script.SimplifiedHanScript, QLocale.Country.China
)


def catalogue_path(locale_name: str) -> Path:
    """The compiled catalogue of one of ``TRANSLATED``."""
    return TRANSLATIONS_DIR / f"{CATALOGUE}_{locale_name}.qm"


def qt_translations_dir() -> Path:
    """PySide6's own catalogues (qtbase_zh_CN.qm…): where Qt says they are, else beside
    PySide6 itself (where a PyInstaller bundle keeps them)."""
    said = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    if any(said.glob("qtbase_*.qm")):
        return said
    beside = Path(PySide6.__file__).parent / "Qt" / "translations"
    return beside if any(beside.glob("qtbase_*.qm")) else said


def ui_locale(language: str, system: QLocale) -> QLocale:
    """The locale of the interface for a ``Settings.language`` choice.

    A named language keeps the system's regional conventions when they are that language's
    (English in Britain writes 01/03/2026); "system" is the system's locale, except the bare
    "C" locale of a POSIX shell, which is no one's: American English then.
    """
    is_english = system.language() == QLocale.Language.English
    is_simplified_chinese = (
        system.language() == QLocale.Language.Chinese
        and system.script() == QLocale.Script.SimplifiedHanScript
    )
    if language == "en":
        return system if is_english else ENGLISH
    if language == "zh_CN":
        return system if is_simplified_chinese else SIMPLIFIED_CHINESE
    if system.language() == QLocale.Language.C:
        return ENGLISH
    return system


def _is_translated(locale: QLocale) -> bool:
    return (
        locale.language() == QLocale.Language.Chinese
        and locale.script() == QLocale.Script.SimplifiedHanScript
    )


@dataclass
class InstalledLanguage:
    """What ``install_language`` put in place; ``remove`` takes it all back (tests)."""

    locale: QLocale
    translators: list[QTranslator] = field(default_factory=list)
    # A translation this locale should have but that could not be loaded (not built?).
    missing: str | None = None

    @property
    def translated(self) -> bool:
        """True when our texts are shown in another language than English."""
        return bool(self.translators) and self.missing is None and _is_translated(self.locale)

    def remove(self) -> None:
        app = QCoreApplication.instance()
        for translator in self.translators:
            if app is not None:
                app.removeTranslator(translator)
        self.translators.clear()
        install_translator(None)
        QLocale.setDefault(ui_locale("system", QLocale.system()))


def install_language(
    app: QCoreApplication, language: str = "system", system: QLocale | None = None
) -> InstalledLanguage:
    """Put the interface in ``language`` (a ``Settings.language`` choice) before any widget is
    built; ``system`` stands for the system's locale (tests name one)."""
    if language not in LANGUAGE_CHOICES:
        language = "system"
    locale = ui_locale(language, QLocale.system() if system is None else system)
    QLocale.setDefault(locale)
    installed = InstalledLanguage(locale)
    if not _is_translated(locale):
        install_translator(None)
        return installed
    ours = QTranslator(app)
    if ours.load(locale, CATALOGUE, "_", str(TRANSLATIONS_DIR)):
        app.installTranslator(ours)
        installed.translators.append(ours)
    else:
        installed.missing = str(catalogue_path(TRANSLATED[0]))
        logger.warning(
            "the %s translation is missing (%s; `make` builds it): the interface stays in "
            "English", locale.name(), installed.missing,
        )
    qt = QTranslator(app)
    if qt.load(locale, "qtbase", "_", str(qt_translations_dir())):
        app.installTranslator(qt)
        installed.translators.append(qt)
    else:
        logger.warning("Qt's own %s translation was not found in %s", locale.name(),
                       qt_translations_dir())
    # The core's sentences go through Qt's translators from now on, on any thread.
    install_translator(QCoreApplication.translate if installed.translators else None)
    return installed
