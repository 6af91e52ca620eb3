"""Run one stage of :mod:`desktop_llm.converter.child` and read its JSON-line reports.

The child gets its own process group (POSIX) so a cancel kills whatever it started too;
its stderr (the converter's and llama.cpp's messages, a traceback) goes to the app's log.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from desktop_llm.converter import protocol
from desktop_llm.errors import ConversionCancelled, ConversionError
from desktop_llm.i18n import translate
from desktop_llm.processes import describe_exit

logger = logging.getLogger("desktop_llm.converter.child")

_TAIL_LINES = 30


def child_environment() -> dict[str, str]:
    env = dict(os.environ)
    # Conversion works on local files only; the Hub is reached through the app's hub/ package.
    env["HF_HUB_OFFLINE"] = "1"
    env["TRANSFORMERS_OFFLINE"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def run_child_stage(
    job: dict[str, Any],
    *,
    on_progress: Callable[[float | None, str], None],
    started: Callable[[subprocess.Popen[bytes]], None],
    ended: Callable[[], None],
    cancelled: Callable[[], bool],
    what: str,
) -> dict[str, Any]:
    """The stage's result event; ``ConversionError`` for a refusal or a crash."""
    popen_options: dict[str, Any] = {}
    if os.name == "posix":
        popen_options["start_new_session"] = True
    else:
        popen_options["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
    child = subprocess.Popen(
        protocol.child_command(json.dumps(job)),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=child_environment(),
        **popen_options,
    )
    started(child)
    tail: deque[str] = deque(maxlen=_TAIL_LINES)
    reader = threading.Thread(target=_log_stderr, args=(child, tail), daemon=True)
    reader.start()
    result: dict[str, Any] | None = None
    refusal: str | None = None
    failure: str | None = None
    try:
        assert child.stdout is not None
        for raw in child.stdout:
            try:
                event = json.loads(raw)
            except ValueError:
                logger.warning("unreadable line from the child: %r", raw[:200])
                continue
            kind = event.get("event")
            if kind == protocol.PROGRESS:
                on_progress(event.get("fraction"), str(event.get("message", "")))
            elif kind == protocol.RESULT:
                result = event
            elif kind == protocol.REFUSED:
                refusal = str(event.get("message", ""))
            elif kind == protocol.FAILED:
                failure = str(event.get("message", ""))
        code = child.wait()
    finally:
        ended()
        if child.poll() is None:  # left early (an exception in a listener): don't leave it
            kill_child(child)
            child.wait()
        reader.join(timeout=5)
        for stream in (child.stdout, child.stderr):
            if stream is not None:
                stream.close()
    if cancelled():
        raise ConversionCancelled(
            translate("Conversion", "Cancelled; the partial files were removed.")
        )
    if refusal is not None:
        raise ConversionError(refusal)
    if failure is not None:
        logger.error("%s failed; last lines:\n%s", what, "\n".join(tail))
        raise ConversionError(translate(
            "Conversion",
            "The {what} failed ({failure}); the app is fine, and the details are in the log.",
        ).format(what=translate("Conversion", what), failure=failure))
    if code != 0 or result is None:
        logger.error("%s: child ended with %s; last lines:\n%s", what, code, "\n".join(tail))
        raise ConversionError(translate(
            "Conversion",
            "The {what} process crashed ({cause}); the app is fine, and the details are in "
            "the log.",
        ).format(what=translate("Conversion", what), cause=describe_exit(code)))
    return result


def kill_child(child: subprocess.Popen[bytes]) -> None:
    """Kill the child and anything it started; quietly a no-op when it already ended."""
    if child.poll() is not None:
        return
    try:
        if os.name == "posix":
            os.killpg(child.pid, signal.SIGKILL)
        else:
            child.kill()
    except (ProcessLookupError, PermissionError) as error:
        logger.debug("child %s already gone: %s", child.pid, error)


def _log_stderr(child: subprocess.Popen[bytes], tail: deque[str]) -> None:
    assert child.stderr is not None
    for raw in child.stderr:
        line = raw.decode("utf-8", "replace").rstrip()
        if line:
            tail.append(line)
            logger.info("%s", line)
