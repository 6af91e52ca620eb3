"""Remote engines: chat with models on OpenAI-compatible servers (vLLM, llama.cpp's
llama-server, llama-cpp-python's server, Ollama, OpenAI itself).

Qt-free and independent of the history: ``RemoteEngine`` is a second implementation of the
engine seam (``engine.seam.ChatEngine``) beside the local engine process; the chat layer
(``chat/remotes.py``) keeps the list of servers and picks the engine per model.
"""

from desktop_llm.remote.api import RemoteModel, list_models, list_remote_models
from desktop_llm.remote.engine import RemoteEngine

__all__ = ["RemoteEngine", "RemoteModel", "list_models", "list_remote_models"]
