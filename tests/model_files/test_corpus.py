"""Every malformed file is refused with its own reason, before llama.cpp sees it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_llm.engine.client import EngineProcess
from desktop_llm.engine.model_file import check_model_file
from desktop_llm.engine.types import ChatTurn, GenerationParams, LoadSettings
from desktop_llm.errors import ModelLoadError
from desktop_llm.model_files import GGUFError, limits, parse_gguf_header, read_gguf_info
from tests.model_files.corpus import CASES, Case
from tests.model_files.gguf_builder import tiny_model

REAL_HEADER_BYTES = 1_785_664  # where the bundled model's weights begin


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _cut_copy(model_path: Path, target: Path, size: int) -> Path:
    """The model cut off at ``size`` bytes; past the header it is a sparse hole (fast, small)."""
    with model_path.open("rb") as source, target.open("wb") as stream:
        stream.write(source.read(min(size, REAL_HEADER_BYTES)))
        stream.truncate(size)
    return target


def _refusal(path: Path) -> GGUFError:
    with pytest.raises(GGUFError) as refused:
        read_gguf_info(path)
    return refused.value


def test_the_corpus_is_big_enough() -> None:
    assert len(CASES) >= 20
    assert len({case.id for case in CASES}) == len(CASES)
    assert len({case.reason for case in CASES}) >= 15


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_each_malformed_file_is_refused_with_its_reason(case: Case, tmp_path: Path) -> None:
    path = _write(tmp_path / f"{case.id}.gguf", case.make())
    refusal = _refusal(path)
    message = str(refusal)
    assert refusal.reason == case.reason, message
    assert case.fragment in message
    assert message.startswith(path.name) or f" {path.name} " in message
    assert message.endswith(".")
    # The engine's own check is the same refusal, word for word.
    with pytest.raises(ModelLoadError) as checked:
        check_model_file(path)
    assert str(checked.value) == message


def test_a_download_cut_in_half(model_path: Path, tmp_path: Path) -> None:
    half = _cut_copy(model_path, tmp_path / "half.gguf", model_path.stat().st_size // 2)
    refusal = _refusal(half)
    assert refusal.reason == "truncated"
    assert str(refusal) == (
        "half.gguf is truncated: 49.2 MB of 98.4 MB; the download was probably cut off."
    )


def test_a_download_cut_inside_the_header(model_path: Path, tmp_path: Path) -> None:
    cut = _cut_copy(model_path, tmp_path / "early.gguf", 1_000_000)
    refusal = _refusal(cut)
    assert refusal.reason == "truncated"
    assert "the file ends inside its header" in str(refusal)
    assert "after 1.0 MB" in str(refusal)


def test_a_header_beyond_the_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_HEADER_BYTES", 500)
    with pytest.raises(GGUFError) as refused:
        parse_gguf_header(tiny_model().build(), name="big.gguf")
    assert refused.value.reason == "header_too_large"
    assert "larger than 500 bytes" in str(refused.value)


def test_a_folder_is_unreadable(tmp_path: Path) -> None:
    refusal = _refusal(tmp_path)
    assert refusal.reason == "unreadable"
    assert str(refusal).startswith(f"The model file {tmp_path.name} cannot be read: ")


def test_the_real_model_is_accepted(model_path: Path) -> None:
    assert check_model_file(model_path).architecture == "llama"


@pytest.fixture(scope="module")
def engine() -> Iterator[EngineProcess]:
    worker = EngineProcess()
    yield worker
    worker.shutdown()


_THROUGH_THE_ENGINE = [
    "unknown-architecture",
    "absurd-tensor-count",
    "more-experts-used-than-exist",
]


@pytest.mark.parametrize("case_id", _THROUGH_THE_ENGINE)
def test_the_engine_refuses_them_before_llama_cpp(
    engine: EngineProcess, case_id: str, tmp_path: Path
) -> None:
    case = next(case for case in CASES if case.id == case_id)
    path = _write(tmp_path / f"{case.id}.gguf", case.make())
    with pytest.raises(ModelLoadError) as refused:
        engine.load(path).result(timeout=60)
    # The very sentence of our parser: llama.cpp never got the file (the experts case would
    # have aborted the whole process inside it).
    assert str(refused.value) == str(_refusal(path))
    assert engine.loaded is None


def test_the_engine_refuses_a_cut_download_and_keeps_working(
    engine: EngineProcess, model_path: Path, tmp_path: Path
) -> None:
    half = _cut_copy(model_path, tmp_path / "half.gguf", model_path.stat().st_size // 2)
    with pytest.raises(ModelLoadError) as refused:
        engine.load(half).result(timeout=60)
    assert "truncated: 49.2 MB of 98.4 MB" in str(refused.value)

    loaded = engine.load(model_path, LoadSettings(n_ctx=512)).result(timeout=60)
    assert loaded.info is not None and loaded.info.quantization == "Q4_1"
    assert loaded.warnings == ()
    outcome = engine.generate(
        [ChatTurn("user", "Say hello.")], GenerationParams(seed=1, max_tokens=8), lambda _p: None
    ).future.result(timeout=60)
    assert outcome.completion_tokens > 0
