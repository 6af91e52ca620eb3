"""``desktop-llm models convert | quantize | eval``: Hugging Face weights to GGUF, and quality."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_llm.cli.output import EXIT_INTERRUPTED, fail, open_service, print_json
from desktop_llm.cli.progress import StageProgressLine
from desktop_llm.converter.job import (
    OUTTYPES,
    QUANT_TARGETS,
    ConversionJob,
    ConversionRequest,
    ConversionResult,
    QualityRow,
)
from desktop_llm.errors import ConversionCancelled
from desktop_llm.model_files import human_size
from desktop_llm.paths import AppPaths

if TYPE_CHECKING:
    from desktop_llm.chat.model_manager import ModelManager


def add_actions(actions: argparse._SubParsersAction) -> None:
    convert = actions.add_parser(
        "convert", help="convert a Hugging Face model (folder or repo id) to GGUF"
    )
    convert.add_argument("source", metavar="SOURCE", help="a model folder or owner/name[@rev]")
    convert.add_argument("--outtype", choices=OUTTYPES, default="f16")
    convert.add_argument(
        "--quant",
        action="append",
        default=[],
        metavar="TYPE",
        type=str.upper,
        help=f"also quantize to TYPE (repeatable): {', '.join(QUANT_TARGETS)}",
    )
    convert.add_argument("--name", help="model name (default: the folder or repo name)")
    convert.add_argument(
        "--eval", action="store_true", help="measure perplexity of every output (quality table)"
    )
    convert.add_argument("--json", action="store_true")
    convert.set_defaults(handler=_convert)

    quantize = actions.add_parser(
        "quantize", help="quantize an installed F16/BF16 model (to one type or several)"
    )
    quantize.add_argument("model", metavar="MODEL")
    quantize.add_argument(
        "types", metavar="TYPE", nargs="+", type=str.upper, help=", ".join(QUANT_TARGETS)
    )
    quantize.add_argument(
        "--eval", action="store_true", help="measure the model and each result (perplexity)"
    )
    quantize.add_argument("--json", action="store_true")
    quantize.set_defaults(handler=_quantize)

    evaluate = actions.add_parser(
        "eval", help="perplexity of a model on a text (512-token windows, second half scored)"
    )
    evaluate.add_argument("model", metavar="MODEL")
    evaluate.add_argument("--text", type=Path, metavar="FILE", help="default: the bundled text")
    evaluate.add_argument("--json", action="store_true")
    evaluate.set_defaults(handler=_evaluate)


def _convert(args: argparse.Namespace, paths: AppPaths) -> int:
    request = ConversionRequest(
        source=args.source,
        outtype=args.outtype,
        quantizations=tuple(args.quant),
        name=args.name,
        evaluate=args.eval,
    )
    return _run(paths, args.json, lambda models: models.convert(request))


def _quantize(args: argparse.Namespace, paths: AppPaths) -> int:
    return _run(
        paths, args.json,
        lambda models: models.quantize(args.model, args.types, evaluate=args.eval),
    )


def _evaluate(args: argparse.Namespace, paths: AppPaths) -> int:
    return _run(paths, args.json, lambda models: models.evaluate(args.model, args.text))


def _run(
    paths: AppPaths, as_json: bool, start: Callable[[ModelManager], ConversionJob]
) -> int:
    # Only convert needs the convert extra (quantize and eval use llama.cpp alone); without
    # it, the job's failure is the sentence saying how to add it.
    with open_service(paths) as service:
        job = start(service.models)
        result = _wait(job, quiet=as_json)
        if result is None:
            return fail("cancelled; the partial files were removed", EXIT_INTERRUPTED)
    if as_json:
        print_json(result_to_dict(result))
        return 0
    for model in result.models:
        print(f"Installed {model.name} ({human_size(model.size_bytes)}) at {model.path}")
    if result.quality:
        print(quality_table(result.quality))
    return 0


def _wait(job: ConversionJob, *, quiet: bool) -> ConversionResult | None:
    """The result, with a progress line; Ctrl+C cancels (None). Failures raise."""
    progress = StageProgressLine(sys.stderr, enabled=not quiet)
    job.subscribe(progress.show)
    try:
        while True:
            try:
                return job.future.result(timeout=0.2)
            except TimeoutError:
                continue
            except KeyboardInterrupt:
                job.cancel()
                try:
                    job.future.result(timeout=60)
                except ConversionCancelled:
                    return None
                raise
    finally:
        progress.finish()


def quality_table(rows: tuple[QualityRow, ...]) -> str:
    lines = [f"{'model':<32} {'type':<7} {'size':>9} {'perplexity':>11} {'change':>8}"]
    for row in rows:
        value = "-" if row.perplexity is None else f"{row.perplexity:.3f}"
        change = "-" if row.change is None else f"{row.change:+.2f}%"
        lines.append(
            f"{row.name:<32} {row.quantization:<7} {human_size(row.size_bytes):>9} "
            f"{value:>11} {change:>8}"
        )
    lines.append("Perplexity: 512-token windows, second half of each scored (lower is better).")
    return "\n".join(lines)


def result_to_dict(result: ConversionResult) -> dict[str, Any]:
    from desktop_llm.cli.model_commands import model_to_dict

    return {
        "models": [model_to_dict(model) for model in result.models],
        "quality": [
            {
                "name": row.name,
                "quantization": row.quantization,
                "size_bytes": row.size_bytes,
                "perplexity": _finite(row.perplexity),
                "change_percent": _finite(row.change),
            }
            for row in result.quality
        ],
    }


def _finite(value: float | None) -> float | None:
    # JSON has no NaN or infinity.
    return value if value is not None and math.isfinite(value) else None
