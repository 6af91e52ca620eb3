"""The status bar: backend, GPU layers, speed and context use, so a CPU fallback is visible."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from desktop_llm.chat import BackendInfo, LoadedModel, MessageRecord


class ChatStatusBar(QStatusBar):
    def __init__(self, backend: BackendInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatStatusBar")
        self._backend = backend
        self.backend_label = QLabel(self)
        self.backend_label.setObjectName("backendLabel")
        self.gpu_label = QLabel(self)
        self.gpu_label.setObjectName("gpuLayersLabel")
        self.speed_label = QLabel(self)
        self.speed_label.setObjectName("speedLabel")
        self.context_label = QLabel(self)
        self.context_label.setObjectName("contextLabel")
        for label in (self.backend_label, self.gpu_label, self.speed_label, self.context_label):
            label.setContentsMargins(8, 0, 8, 0)
            self.addPermanentWidget(label)
        offload = self.tr("GPU offload available") if backend.gpu_offload_supported else self.tr(
            "no GPU offload in this build"
        )
        self.backend_label.setText(self.tr("Backend: {0}").format(backend.backend))
        self.backend_label.setToolTip(f"{offload}\n{backend.system_info}")
        self._n_ctx: int | None = None
        self.show_model(None)

    def show_model(self, loaded: LoadedModel | None) -> None:
        self._n_ctx = loaded.n_ctx if loaded else None
        if loaded is None:
            self.gpu_label.setText(self.tr("GPU layers: –"))
            self.context_label.setText(self.tr("Context: –"))
            return
        total = loaded.n_layers if loaded.n_layers is not None else "?"
        text = self.tr("GPU layers: {0}/{1}").format(loaded.gpu_layers or 0, total)
        wanted_gpu = loaded.settings.n_gpu_layers != 0
        if self._backend.gpu_offload_supported and wanted_gpu and not loaded.gpu_layers:
            # The complaint users of every other app file most: a silent fall back to the CPU.
            text += self.tr(" (running on the CPU)")
            self.gpu_label.setStyleSheet("color: #b45309; font-weight: bold;")
        else:
            self.gpu_label.setStyleSheet("")
        self.gpu_label.setText(text)
        self.context_label.setText(self.tr("Context: 0 / {0}").format(loaded.n_ctx))

    def show_reply(self, message: MessageRecord) -> None:
        if message.tokens_per_second:
            self.speed_label.setText(self.tr("{0:.1f} tok/s").format(message.tokens_per_second))
        if self._n_ctx and message.prompt_tokens is not None:
            used = message.prompt_tokens + (message.completion_tokens or 0)
            self.context_label.setText(self.tr("Context: {0} / {1}").format(used, self._n_ctx))
