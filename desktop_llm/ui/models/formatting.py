"""The model manager's verdicts and numbers, in the interface's language and locale."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor

from desktop_llm.chat.model_manager import FitEstimate
from desktop_llm.model_files import human_duration
from desktop_llm.ui import locale_format
from desktop_llm.ui.locale_format import size

VERDICT_COLOURS = {"fits": "#047857", "tight": "#b45309", "does_not_fit": "#b91c1c"}


def verdict_text(fit: FitEstimate | None) -> str:
    if fit is None:
        return QCoreApplication.translate("ModelManager", "unknown")
    label = {
        "fits": QCoreApplication.translate("ModelManager", "Fits"),
        "tight": QCoreApplication.translate("ModelManager", "Tight"),
        "does_not_fit": QCoreApplication.translate("ModelManager", "Does not fit"),
    }[fit.verdict]
    text = QCoreApplication.translate("ModelManager", "{0} · {1} RAM").format(
        label, size(fit.estimate.cpu_bytes)
    )
    if fit.estimate.gpu_bytes:
        text += QCoreApplication.translate("ModelManager", " + {0} VRAM").format(
            size(fit.estimate.gpu_bytes)
        )
    return text


def verdict_details(fit: FitEstimate | None) -> str:
    if fit is None:
        return QCoreApplication.translate(
            "ModelManager", "The model's header could not be read, so its memory need is unknown."
        )
    estimate = fit.estimate
    lines = [
        QCoreApplication.translate("ModelManager", "At a context of {0} tokens:").format(
            locale_format.number(fit.n_ctx)
        ),
        QCoreApplication.translate("ModelManager", "weights {0}, KV cache {1}, buffers {2}").format(
            size(estimate.weights_bytes),
            size(estimate.kv_cache_bytes),
            size(estimate.overhead_bytes),
        ),
        QCoreApplication.translate("ModelManager", "RAM needed {0} of {1}").format(
            size(estimate.cpu_bytes), size(fit.ram_bytes)
        ),
    ]
    if fit.vram_bytes:
        lines.append(
            QCoreApplication.translate(
                "ModelManager", "VRAM needed {0} of {1} ({2} GPU layers)"
            ).format(size(estimate.gpu_bytes), size(fit.vram_bytes), fit.n_gpu_layers)
        )
    return "\n".join(lines)


def verdict_colour(fit: FitEstimate | None) -> QColor:
    return QColor(VERDICT_COLOURS.get(fit.verdict if fit else "", "#6b7280"))


def count(value: int | None) -> str:
    return "" if value is None else locale_format.compact(value)


def day(moment: datetime | None) -> str:
    return locale_format.short_date(moment) if moment else ""


def duration(seconds: float | None) -> str:
    return "" if seconds is None else human_duration(seconds)


def tokens(value: int | None) -> str:
    """A context length as written on model cards: 8,192 rather than 8.2k."""
    return locale_format.number(value) if value else ""
