"""How the model is loaded: context length, GPU layers, threads, flash attention, mmap."""

from __future__ import annotations

import os

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

from desktop_llm.chat import BackendInfo, LoadSettings

MAX_CONTEXT = 1 << 20


class LoadSettingsDialog(QDialog):
    def __init__(
        self, settings: LoadSettings, backend: BackendInfo, parent: QWidget | None = None
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
        if not backend.gpu_offload_supported:
            self.gpu_layers.setEnabled(False)
            self.gpu_layers.setToolTip(
                self.tr("This build of llama.cpp has no GPU support: every layer runs on the CPU.")
            )

        self.threads = QSpinBox()
        self.threads.setObjectName("threads")
        self.threads.setRange(0, max(os.cpu_count() or 1, 1) * 2)
        self.threads.setSpecialValueText(self.tr("Automatic"))
        self.threads.setValue(settings.n_threads or 0)

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
        hint = QLabel(self.tr("A longer context and more GPU layers need more memory."))
        hint.setWordWrap(True)
        form.addRow(hint)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def settings(self) -> LoadSettings:
        return LoadSettings(
            n_ctx=self.context.value(),
            n_gpu_layers=self.gpu_layers.value(),
            n_threads=self.threads.value() or None,
            flash_attn=self.flash_attention.isChecked(),
            use_mmap=self.mmap.isChecked(),
        )
