"""The engine process's message protocol, imported by both sides of the pipe.

One JSON object per line. The app writes requests to the engine's stdin; the engine writes
replies to a private copy of its stdout (llama.cpp and Python's own prints go to stderr).

App -> engine, each with an ``id`` the answers carry back:

    {"op": "load", "id": 1, "path": "...", "settings": {...}, "safe_mode": false,
     "state_dir": "..." or null, "state_budget": 2147483648}   saved conversation states
    {"op": "unload", "id": 2}
    {"op": "generate", "id": 3, "turns": [{"role": ..., "content": ...}], "params": {...},
     "overflow": "drop_oldest"}         or "stop": refuse a conversation that does not fit
    {"op": "generate", "id": 3, "prompt": "...", "params": {...}}   a raw prompt continued,
                                        without the chat template (the API's /v1/completions)
    {"op": "cancel", "id": 3}           stop reply 3 at the next token (acted on at once;
                                        a reply still queued is answered ``cancelled`` then)
    {"op": "count_tokens", "id": 4, "turns": [...]}      the prompt's tokens, with the template
    {"op": "count_text_tokens", "id": 5, "texts": [...]} tokens of each plain text, at once
    {"op": "exit"}                      free the model and end the process

Engine -> app:

    {"type": "hello", "protocol": 4, "pid": 123, "backend": {...}, "devices": [...]}
    {"type": "text", "id": 3, "text": "..."}           streamed text, batched ~30 per second
    {"type": "progress", "id": 3, "value": {...}}      a GenerationProgress: once the prompt
                                                       is ready, then after each text batch
    {"type": "result", "id": 1, "value": ...}          a request's answer
    {"type": "error", "id": 1, "kind": "ModelLoadError", "message": "...",
     "sentence": {"context": ..., "template": ..., "values": {...}}}   (when it has one)

A generation's ``result`` value is a GenerationResult (with ``error_sentence`` beside an
``error`` made by i18n.sentence); a load's is a LoadedModel without ``info`` (the app reads the
header itself before it asks for a load). The engine process has no translator: its messages
arrive in English with their template, which the app translates (i18n.sentence_from_wire).
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from desktop_llm import errors
from desktop_llm.engine.machine import DeviceMemory
from desktop_llm.engine.types import (
    BackendInfo,
    ChatTurn,
    GenerationProgress,
    GenerationResult,
    LoadedModel,
    LoadSettings,
)
from desktop_llm.i18n import (
    message_of,
    sentence,
    sentence_from_wire,
    sentence_to_wire,
    translatable,
    translate,
)

# 3: errors and a reply's error carry their sentence's template, for the app to translate.
# 4: a generate request may carry a raw prompt instead of turns.
PROTOCOL_VERSION = 4
HOST_MODULE = "desktop_llm.engine.host"
# A frozen app has no ``python -m``: its executable starts the engine when given this flag.
FROZEN_HOST_FLAG = "--engine-host"


def host_command() -> list[str]:
    """How to start the engine process from this app (a source checkout or a frozen bundle)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, FROZEN_HOST_FLAG]
    return [sys.executable, "-m", HOST_MODULE]


def encode(message: dict[str, Any]) -> bytes:
    return (json.dumps(message, ensure_ascii=False) + "\n").encode("utf-8")


def decode(line: bytes) -> dict[str, Any]:
    """One message; ``ValueError`` for a line that is not a JSON object."""
    message = json.loads(line)
    if not isinstance(message, dict):
        raise ValueError("a protocol message must be a JSON object")
    return message


# Values ---------------------------------------------------------------------------------------


def turns_to_wire(turns: list[ChatTurn]) -> list[dict[str, str]]:
    return [{"role": turn.role, "content": turn.content} for turn in turns]


def turns_from_wire(data: list[dict[str, str]]) -> list[ChatTurn]:
    return [ChatTurn(item["role"], item["content"]) for item in data]  # type: ignore[arg-type]


def loaded_to_wire(loaded: LoadedModel) -> dict[str, Any]:
    return {
        "path": str(loaded.path),
        "n_ctx": loaded.n_ctx,
        "n_layers": loaded.n_layers,
        "gpu_layers": loaded.gpu_layers,
        "chat_template": loaded.chat_template,
        "settings": loaded.settings.to_dict(),
        "metadata": {str(k): str(v) for k, v in loaded.metadata.items()},
        "warnings": list(loaded.warnings),
        "safe_mode": loaded.safe_mode,
    }


def loaded_from_wire(data: dict[str, Any]) -> LoadedModel:
    return LoadedModel(
        path=Path(data["path"]),
        n_ctx=int(data["n_ctx"]),
        n_layers=data.get("n_layers"),
        gpu_layers=data.get("gpu_layers"),
        chat_template=data.get("chat_template"),
        settings=LoadSettings.from_dict(data.get("settings") or {}),
        metadata=dict(data.get("metadata") or {}),
        warnings=tuple(data.get("warnings") or ()),
        safe_mode=bool(data.get("safe_mode", False)),
    )


def result_to_wire(result: GenerationResult) -> dict[str, Any]:
    data = asdict(result)
    data["error"] = None if result.error is None else str(result.error)
    carried = sentence_to_wire(result.error)
    if carried is not None:
        data["error_sentence"] = carried
    return data


def result_from_wire(data: dict[str, Any]) -> GenerationResult:
    fields = dict(data)
    carried = fields.pop("error_sentence", None)
    result = GenerationResult(**fields)
    if carried is not None and result.error is not None:
        result = replace(result, error=sentence_from_wire(carried, result.error))
    return result


def progress_to_wire(progress: GenerationProgress) -> dict[str, Any]:
    return asdict(progress)


def progress_from_wire(data: dict[str, Any]) -> GenerationProgress:
    return GenerationProgress(**data)


def backend_to_wire(backend: BackendInfo) -> dict[str, Any]:
    return asdict(backend)


def backend_from_wire(data: dict[str, Any]) -> BackendInfo:
    return BackendInfo(**data)


def devices_to_wire(devices: tuple[DeviceMemory, ...]) -> list[dict[str, Any]]:
    return [asdict(device) for device in devices]


def devices_from_wire(data: list[dict[str, Any]]) -> tuple[DeviceMemory, ...]:
    return tuple(DeviceMemory(**item) for item in data)


# Errors ---------------------------------------------------------------------------------------

# The error classes that cross the pipe by name; anything else arrives as DesktopLLMError.
_ERROR_KINDS: dict[str, type[errors.DesktopLLMError]] = {
    cls.__name__: cls
    for cls in (
        errors.DesktopLLMError,
        errors.ModelLoadError,
        errors.NoModelLoadedError,
        errors.GenerationError,
        errors.EngineStoppedError,
    )
}


def error_to_wire(request_id: int, error: BaseException) -> dict[str, Any]:
    kind = type(error).__name__ if type(error).__name__ in _ERROR_KINDS else "DesktopLLMError"
    text: object
    if not isinstance(error, errors.DesktopLLMError):
        # Unforeseen: the class name helps the log; the sentence stays readable.
        text = sentence(
            "Engine", _UNEXPECTED, kind=type(error).__name__, error=str(error)
        )
    else:
        text = message_of(error)
    wire = {"type": "error", "id": request_id, "kind": kind, "message": str(text)}
    carried = sentence_to_wire(text)
    if carried is not None:
        wire["sentence"] = carried
    return wire


def error_from_wire(message: dict[str, Any]) -> errors.DesktopLLMError:
    cls = _ERROR_KINDS.get(str(message.get("kind")), errors.DesktopLLMError)
    text = str(message.get("message") or translate("Engine", "The engine refused the request."))
    if "sentence" in message:
        text = sentence_from_wire(message["sentence"], text)
    return cls(text)


_UNEXPECTED = translatable("Engine", "The engine failed unexpectedly ({kind}: {error}).")
