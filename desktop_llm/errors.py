"""The exception hierarchy that every message shown to a user comes from.

Each error carries a sentence meant for a person, not a traceback: the GUI shows
``str(error)`` in a dialog or the status bar, and the command line prints it on one line.
"""

from __future__ import annotations


class DesktopLLMError(Exception):
    """Base class: ``str(error)`` is a complete sentence a user can act on."""


class ModelLoadError(DesktopLLMError):
    """A model file could not be opened, validated or loaded by llama.cpp."""


class ModelNotFoundError(DesktopLLMError):
    """A model name or path does not match any installed model or existing file."""


class NoModelLoadedError(DesktopLLMError):
    """A generation was asked for while no model is loaded."""


class EngineStoppedError(DesktopLLMError):
    """The engine process ended (a crash in llama.cpp, a kill, or the app shutting down)."""


class GenerationError(DesktopLLMError):
    """llama.cpp failed while producing a reply."""


class StorageError(DesktopLLMError):
    """The history database could not be opened, migrated, read or written."""


class StorageBusyError(StorageError):
    """Another writer (another window, a long import) held the history longer than this save
    was allowed to wait; trying again later works."""


class ConversationNotFoundError(StorageError):
    """A conversation id does not exist (or was deleted)."""


class ConversationDeletedError(ConversationNotFoundError):
    """A reply's conversation was deleted while it streamed: the reply was stopped and
    nothing of it was kept. Not a failure to show: the user asked for it."""


class HubError(DesktopLLMError):
    """The Hugging Face Hub (or the mirror set in Settings) refused or failed a request."""


class HubAuthError(HubError):
    """A gated or private repository needs a token, or the saved token was refused."""


class HubNotFoundError(HubError):
    """The repository, revision or file does not exist (or is private and no token was given)."""


class HubOfflineError(HubError):
    """The Hub could not be reached: no connection, a wrong endpoint, or it stopped answering."""


class DownloadError(HubError):
    """A download could not start, continue or finish: no space, an unsafe file name, a damaged
    file (its sha256 differs from the Hub's), or the connection failed too many times in a row."""


class ConversionError(DesktopLLMError):
    """Converting Hugging Face weights to GGUF, quantizing or measuring a model failed: an
    architecture the converter does not support, the convert extra missing, too little disk
    space, or the child process doing the work crashed (the app itself is unaffected)."""


class ConversionCancelled(ConversionError):
    """The user cancelled a conversion, quantization or evaluation; partial files are gone."""


class ImportRefusedError(DesktopLLMError):
    """A file offered for import is not one we can read safely (wrong format, damaged, too big,
    or built to harm); nothing of it was written. ``str(error)`` is one line."""


class ExportError(DesktopLLMError):
    """A conversation could not be exported (the file could not be written, the disk is full);
    no partial file is left behind."""


class RemoteError(DesktopLLMError):
    """An OpenAI-compatible server refused or failed a request: unreachable, a server error,
    a setting it rejects, or it stopped answering."""


class RemoteAuthError(RemoteError):
    """The server refused the API key (or wants one and none is saved)."""


class RemoteModelNotFoundError(RemoteError, ModelNotFoundError):
    """The server has no model by that id (or no remote server by that name is saved)."""
