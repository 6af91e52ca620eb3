"""How the model is loaded: context length, GPU layers, threads, flash attention, mmap, and
safe mode."""

from __future__ import annotations

import os

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

from desktop_llm.chat import BackendInfo, LoadSettings, SafeModeStatus, default_threads
from desktop_llm.ui.dialog_parts import ok_cancel_buttons

MAX_CONTEXT = 1 << 20


class LoadSettingsDialog(QDialog):
    def __init__(
        self,
        settings: LoadSettings,
        backend: BackendInfo | None,
        safe_mode: SafeModeStatus,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("loadSettingsDialog")
        self.setWindowTitle(self.tr("Model settings"))

        self.context = QSpinBox()
        self.context.setObjectName("contextLength")
        self.context.setRange(256, MAX_CONTEXT)
        self.context.setSingleStep(1024)
        self.context.setValue(settings.n_ctx)
        self.context.setSuffix(self.tr(" tokens"))

        self.gpu_layers = QSpinBox()
        self.gpu_layers.setObjectName("gpuLayers")
        self.gpu_layers.setRange(-1, 999)
        self.gpu_layers.setSpecialValueText(self.tr("All"))
        self.gpu_layers.setValue(settings.n_gpu_layers)
        if backend is not None and not backend.gpu_offload_supported:
            self.gpu_layers.setEnabled(False)
            self.gpu_layers.setToolTip(
                self.tr("This build of llama.cpp has no GPU support: every layer runs on the CPU.")
            )

        self.threads = QSpinBox()
        self.threads.setObjectName("threads")
        self.threads.setRange(0, max(os.cpu_count() or 1, 1) * 2)
        cores = default_threads()
        self.threads.setSpecialValueText(
            self.tr("Automatic ({0} physical cores)").format(cores) if cores != 1
            else self.tr("Automatic (1 physical core)")
        )
        self.threads.setValue(settings.n_threads or 0)
        self.threads.setToolTip(
            self.tr("Automatic uses one thread per physical core: {0} on this machine.").format(
                cores
            )
        )

        self.safe_mode = QComboBox()
        self.safe_mode.setObjectName("safeMode")
        for choice, label in (
            ("auto", self.tr("Automatic (on after a crash of the optimized kernels)")),
            ("on", self.tr("On")),
            ("off", self.tr("Off")),
        ):
            self.safe_mode.addItem(label, choice)
        self.safe_mode.setCurrentIndex(max(0, self.safe_mode.findData(settings.safe_mode)))
        self.safe_mode_state = QLabel(self._describe_safe_mode(safe_mode))
        self.safe_mode_state.setObjectName("safeModeState")
        self.safe_mode_state.setWordWrap(True)

        self.flash_attention = QCheckBox(self.tr("Flash attention"))
        self.flash_attention.setObjectName("flashAttention")
        self.flash_attention.setChecked(settings.flash_attn)
        self.mmap = QCheckBox(self.tr("Map the model file into memory (mmap)"))
        self.mmap.setObjectName("useMmap")
        self.mmap.setChecked(settings.use_mmap)

        form = QFormLayout(self)
        form.addRow(self.tr("Context length:"), self.context)
        form.addRow(self.tr("GPU layers:"), self.gpu_layers)
        form.addRow(self.tr("CPU threads:"), self.threads)
        form.addRow("", self.flash_attention)
        form.addRow("", self.mmap)
        form.addRow(self.tr("Safe mode:"), self.safe_mode)
        form.addRow("", self.safe_mode_state)
        hint = QLabel(self.tr("A longer context and more GPU layers need more memory."))
        hint.setWordWrap(True)
        form.addRow(hint)
        form.addRow(ok_cancel_buttons(self))

    def settings(self) -> LoadSettings:
        return LoadSettings(
            n_ctx=self.context.value(),
            n_gpu_layers=self.gpu_layers.value(),
            n_threads=self.threads.value() or None,
            flash_attn=self.flash_attention.isChecked(),
            use_mmap=self.mmap.isChecked(),
            safe_mode=self.safe_mode.currentData(),
        )

    def _describe_safe_mode(self, status: SafeModeStatus) -> str:
        if status.on:
            return self.tr(
                "Safe mode is on: llama.cpp runs without its AMX and repacked-weight CPU "
                "kernels, a little slower. Why: {0}"
            ).format(status.reason)
        return self.tr(
            "Safe mode is off: llama.cpp uses its fastest CPU kernels. If they crash on this "
            "CPU, the app turns safe mode on by itself (Automatic)."
        )
