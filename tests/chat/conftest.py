"""The chat service on the real model, in the test's own data folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_llm.chat.service import ChatService
from desktop_llm.paths import AppPaths
from tests.thread_check import assert_threads_end, python_threads

TIMEOUT = 120.0  # seconds; a generous ceiling for a shared, busy machine


@pytest.fixture
def service(paths: AppPaths, model_path: Path) -> Iterator[ChatService]:
    before = python_threads()
    with ChatService.open(paths) as opened:
        opened.load_model(model_path).result(timeout=TIMEOUT)
        yield opened
    assert_threads_end(before)  # closing ends every thread the service started
