"""The status bar: backend, GPU layers, speed and context use, so a CPU fallback is visible."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QWidget

from desktop_llm.chat import (
    BackendInfo,
    GenerationProgress,
    LoadedModel,
    MessageRecord,
    SafeModeStatus,
)
from desktop_llm.ui.locale_format import decimal, number

_WARNING_STYLE = "color: #b45309; font-weight: bold;"


class ChatStatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatStatusBar")
        self._backend: BackendInfo | None = None
        self.engine_label = QLabel(self)
        self.engine_label.setObjectName("engineLabel")
        self.engine_label.setWordWrap(False)
        self.engine_label.setStyleSheet(_WARNING_STYLE)
        self.engine_label.hide()
        self.addWidget(self.engine_label, 1)
        self.safe_mode_label = QLabel(self.tr("Safe mode"), self)
        self.safe_mode_label.setObjectName("safeModeLabel")
        self.safe_mode_label.setStyleSheet(_WARNING_STYLE)
        self.safe_mode_label.hide()
        self.backend_label = QLabel(self)
        self.backend_label.setObjectName("backendLabel")
        self.gpu_label = QLabel(self)
        self.gpu_label.setObjectName("gpuLayersLabel")
        self.speed_label = QLabel(self)
        self.speed_label.setObjectName("speedLabel")
        self.context_label = QLabel(self)
        self.context_label.setObjectName("contextLabel")
        # Filled while a reply streams: how close the conversation is to the model's limit.
        self.context_meter = QProgressBar(self)
        self.context_meter.setObjectName("contextMeter")
        self.context_meter.setTextVisible(False)
        self.context_meter.setFixedWidth(90)
        self.context_meter.setMaximumHeight(12)
        # While the loaded model is served to other programs: where, how much, what failed.
        self.serve_label = QLabel(self)
        self.serve_label.setObjectName("serveLabel")
        self.serve_label.hide()
        self._serving_at = ""
        self._served = 0
        self._serve_error = ""
        labels = (
            self.serve_label, self.safe_mode_label, self.backend_label, self.gpu_label,
            self.speed_label, self.context_label,
        )
        for label in labels:
            label.setContentsMargins(8, 0, 8, 0)
            self.addPermanentWidget(label)
        self.addPermanentWidget(self.context_meter)
        self.backend_label.setText(self.tr("Backend: starting…"))
        self._n_ctx: int | None = None
        self._loaded: LoadedModel | None = None
        self.show_model(None)

    def show_backend(self, backend: BackendInfo) -> None:
        self._backend = backend
        offload = self.tr("GPU offload available") if backend.gpu_offload_supported else self.tr(
            "no GPU offload in this build"
        )
        self.backend_label.setText(self.tr("Backend: {0}").format(backend.backend))
        self.backend_label.setToolTip(f"{offload}\n{backend.system_info}")
        if self._loaded is not None:
            self.show_model(self._loaded)  # the CPU-fallback warning needs the backend

    def show_safe_mode(self, status: SafeModeStatus) -> None:
        self.safe_mode_label.setVisible(status.on)
        self.safe_mode_label.setToolTip(
            self.tr("llama.cpp runs without its optimized CPU kernels: {0}").format(status.reason)
            if status.reason else ""
        )

    def show_serving(self, address: str) -> None:
        """The API's address while serving; "" hides the label."""
        self._serving_at = address
        self._served, self._serve_error = 0, ""
        self._show_serve_label()

    def show_serve_stats(self, served: int, last_error: str) -> None:
        self._served, self._serve_error = served, last_error
        self._show_serve_label()

    def _show_serve_label(self) -> None:
        if not self._serving_at:
            self.serve_label.hide()
            return
        text = self.tr("Serving at {0} · {1} requests").format(
            self._serving_at, number(self._served)
        )
        tip = self.tr("The loaded model answers OpenAI API requests at {0}").format(
            self._serving_at
        )
        if self._serve_error:
            short = self._serve_error
            if len(short) > 48:
                short = short[:47] + "…"
            text += self.tr(" · last error: {0}").format(short)
            tip += "\n" + self.tr("Last error: {0}").format(self._serve_error)
        self.serve_label.setText(text)
        self.serve_label.setToolTip(tip)
        self.serve_label.show()

    def show_engine_problem(self, message: str) -> None:
        """A crash or restart of the engine, until the next model is ready."""
        self.engine_label.setText(message)
        self.engine_label.setToolTip(message)
        self.engine_label.show()

    def clear_engine_problem(self) -> None:
        self.engine_label.hide()

    def show_model(self, loaded: LoadedModel | None) -> None:
        self._loaded = loaded
        self._n_ctx = loaded.n_ctx if loaded else None
        # The engine process's backend says nothing about a model on a server.
        self.backend_label.setVisible(loaded is None or loaded.remote_url is None)
        if loaded is None:
            self.gpu_label.setText(self.tr("GPU layers: –"))
            self.context_label.setText(self.tr("Context: –"))
            self.context_label.setToolTip("")
            self.context_meter.setRange(0, 1)
            self.context_meter.setValue(0)
            return
        if loaded.remote_url is not None:
            # A model on a server: its layers and devices are the server's business.
            self.gpu_label.setText(self.tr("Remote: {0}").format(loaded.remote_url))
            self.gpu_label.setStyleSheet("")
            self.show_context_used(0)
            return
        total = loaded.n_layers if loaded.n_layers is not None else "?"
        text = self.tr("GPU layers: {0}/{1}").format(loaded.gpu_layers or 0, total)
        wanted_gpu = loaded.settings.n_gpu_layers != 0
        gpu_build = self._backend is not None and self._backend.gpu_offload_supported
        if gpu_build and wanted_gpu and not loaded.gpu_layers:
            # The complaint users of every other app file most: a silent fall back to the CPU.
            text += self.tr(" (running on the CPU)")
            self.gpu_label.setStyleSheet(_WARNING_STYLE)
        else:
            self.gpu_label.setStyleSheet("")
        self.gpu_label.setText(text)
        self.show_context_used(0)

    def show_context_used(
        self, used: int, n_ctx: int | None = None, *, estimated: bool = False
    ) -> None:
        """Tokens the conversation fills of the model's context (``n_ctx``: the engine's word;
        ``estimated``: a remote server that does not count for us, shown with "≈")."""
        total = n_ctx or self._n_ctx
        shown = ("≈" if estimated else "") + number(used)
        if not total:
            if self._loaded is not None:
                self._show_unknown_size(shown if used else None)
            return
        self.context_meter.show()
        self.context_label.setToolTip("")
        self.context_label.setText(
            self.tr("Context: {0} / {1}").format(shown, number(total))
        )
        self.context_meter.setRange(0, total)
        self.context_meter.setValue(min(used, total))
        share = used / total
        self.context_meter.setToolTip(
            self.tr("{0}% of the model's context is used").format(decimal(share * 100, 0))
        )
        # Amber from 80 %: the next turns will start leaving the oldest messages out.
        self.context_meter.setStyleSheet(
            "QProgressBar::chunk { background: #d97706; }" if share >= 0.8 else ""
        )

    def _show_unknown_size(self, shown: str | None) -> None:
        """A server that does not say its context size: the count alone, and no meter (an
        empty bar or a guessed bound would be wrong)."""
        self.context_meter.hide()
        self.context_label.setText(
            self.tr("Context: {0} tokens (size unknown)").format(shown) if shown
            else self.tr("Context: size unknown")
        )
        self.context_label.setToolTip(
            self.tr("The server does not say this model's context size; the conversation's "
                    "tokens are shown alone.")
        )

    def show_progress(self, progress: GenerationProgress) -> None:
        """A reply streaming: the meter moves with every batch of text."""
        self.show_context_used(progress.prompt_tokens + progress.completion_tokens,
                               progress.n_ctx, estimated=progress.estimated)

    def show_conversation(self, messages: list[MessageRecord]) -> None:
        """Context used by the branch shown, as its last reply left it."""
        last = next((m for m in reversed(messages) if m.role == "assistant"
                     and m.prompt_tokens), None)
        self.show_context_used(
            last.prompt_tokens + (last.completion_tokens or 0) if last and last.prompt_tokens
            else 0
        )

    def show_reply(self, message: MessageRecord) -> None:
        if message.tokens_per_second:
            self.speed_label.setText(
                self.tr("{0} tok/s").format(decimal(message.tokens_per_second, 1))
            )
        if message.prompt_tokens:
            self.show_context_used(message.prompt_tokens + (message.completion_tokens or 0))
