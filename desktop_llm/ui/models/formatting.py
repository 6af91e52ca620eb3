"""Numbers as people read them in the model manager."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor

from desktop_llm.chat.model_manager import FitEstimate
from desktop_llm.model_files import human_duration, human_size

VERDICT_COLOURS = {"fits": "#047857", "tight": "#b45309", "does_not_fit": "#b91c1c"}


def tr(text: str) -> str:
    return QCoreApplication.translate("ModelManager", text)


def verdict_text(fit: FitEstimate | None) -> str:
    if fit is None:
        return tr("unknown")
    label = {"fits": tr("Fits"), "tight": tr("Tight"), "does_not_fit": tr("Does not fit")}
    text = f"{label[fit.verdict]} · {human_size(fit.estimate.cpu_bytes)} RAM"
    if fit.estimate.gpu_bytes:
        text += f" + {human_size(fit.estimate.gpu_bytes)} VRAM"
    return text


def verdict_details(fit: FitEstimate | None) -> str:
    if fit is None:
        return tr("The model's header could not be read, so its memory need is unknown.")
    estimate = fit.estimate
    lines = [
        tr("At a context of {0} tokens:").format(fit.n_ctx),
        tr("weights {0}, KV cache {1}, buffers {2}").format(
            human_size(estimate.weights_bytes),
            human_size(estimate.kv_cache_bytes),
            human_size(estimate.overhead_bytes),
        ),
        tr("RAM needed {0} of {1}").format(
            human_size(estimate.cpu_bytes), human_size(fit.ram_bytes)
        ),
    ]
    if fit.vram_bytes:
        lines.append(
            tr("VRAM needed {0} of {1} ({2} GPU layers)").format(
                human_size(estimate.gpu_bytes), human_size(fit.vram_bytes), fit.n_gpu_layers
            )
        )
    return "\n".join(lines)


def verdict_colour(fit: FitEstimate | None) -> QColor:
    return QColor(VERDICT_COLOURS.get(fit.verdict if fit else "", "#6b7280"))


def count(value: int | None) -> str:
    if value is None:
        return ""
    for limit, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if value >= limit:
            return f"{value / limit:.1f}{suffix}".replace(".0", "")
    return str(value)


def day(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d") if moment else ""


def duration(seconds: float | None) -> str:
    return "" if seconds is None else human_duration(seconds)


def tokens(value: int | None) -> str:
    """A context length as written on model cards: 8,192 rather than 8.2k."""
    return f"{value:,}" if value else ""
