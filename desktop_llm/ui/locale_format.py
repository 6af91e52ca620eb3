"""Numbers, sizes, dates and times as the interface's locale writes them.

``QLocale()`` is the locale chosen at start (ui/translations.py): 8,192 and 3/1/26 in American
English, 8,192 and 2026/3/1 in Chinese, 8.192 and 01.03.26 in German. The core's own
``human_size`` stays for the command line and the core's messages.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication, QDate, QDateTime, QLocale, QTime

from desktop_llm.model_files import size_in_units


def number(value: int) -> str:
    """A whole number with the locale's digit grouping: 8,192."""
    return QLocale().toString(value)


def decimal(value: float, places: int) -> str:
    """A number with ``places`` decimals and the locale's decimal point: 12.5 or 12,5."""
    return QLocale().toString(float(value), "f", places)


def size(n_bytes: int | float) -> str:
    """Decimal units as download pages show them (98.4 MB), with the locale's decimal point;
    999.96 MB reads 1.0 GB."""
    value, unit = size_in_units(n_bytes)
    if unit is None:
        return QCoreApplication.translate("LocaleFormat", "{0} bytes").format(int(value))
    return f"{decimal(value, 1)} {unit}"


def compact(value: int) -> str:
    """A count as the Hub shows it: 950, 12.3k, 4M, 1.2B."""
    for limit, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if value >= limit:
            shown = round(value / limit, 1)
            return (number(int(shown)) if shown.is_integer() else decimal(shown, 1)) + suffix
    return number(value)


def short_date(moment: datetime) -> str:
    """The local day, the locale's short way: 3/1/26, 2026/3/1."""
    local = moment.astimezone()
    return QLocale().toString(QDate(local.year, local.month, local.day),
                              QLocale.FormatType.ShortFormat)


def short_time(moment: datetime) -> str:
    """The local time of day, the locale's short way: 2:03 PM, 14:03."""
    local = moment.astimezone()
    return QLocale().toString(QTime(local.hour, local.minute), QLocale.FormatType.ShortFormat)


def date_time(moment: datetime) -> str:
    """The local day and time, the locale's short way."""
    local = moment.astimezone()
    qt = QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute))
    return QLocale().toString(qt, QLocale.FormatType.ShortFormat)
