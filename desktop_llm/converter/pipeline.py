"""The stages of a conversion, a quantization and an evaluation, as a job runs them.

Each function here runs on the job's thread; the heavy work of each stage is one child
process (:func:`run_child_stage`). Outputs are written as ``.part`` files and renamed when
complete; the job removes every file it made if it fails or is cancelled, and the models are
registered only once every stage has succeeded.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from desktop_llm.converter.availability import (
    architecture_of,
    conversion_unavailable,
    supported_architectures,
)
from desktop_llm.converter.job import (
    OUTTYPES,
    QUANT_TARGETS,
    ConversionRequest,
    ConversionResult,
    JobControl,
    JobProgress,
    QualityRow,
)
from desktop_llm.converter.plan import (
    ParameterCount,
    count_parameters,
    ensure_space_for_outputs,
    estimated_size,
    output_path,
    part_path,
    safe_name,
    weight_files,
)
from desktop_llm.converter.runner import run_child_stage
from desktop_llm.errors import ConversionCancelled, ConversionError, DesktopLLMError
from desktop_llm.hub import HubConfig
from desktop_llm.hub.disk_space import DiskUsageFunction
from desktop_llm.hub.model_folder import (
    FolderDownloadStopped,
    download_model_folder,
    looks_like_repo_id,
)
from desktop_llm.i18n import translatable, translate
from desktop_llm.model_files import human_size, read_gguf_info
from desktop_llm.resources import EVALUATION_TEXT
from desktop_llm.storage import ModelRecord

# Types a file can be quantized from without losing quality twice.
_FULL_PRECISION = {"F32", "F16", "BF16"}
# Families named when an architecture is refused: the converter knows ~200 more.
_EXAMPLE_FAMILIES = "Llama, Mistral, Qwen, Gemma, Phi, SmolLM, OLMo, Granite"


@dataclass
class _Output:
    record_name: str
    path: Path
    quantization: str
    provenance: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Source:
    folder: Path
    label: str  # what the user named: a folder path or a repo id
    repo: str | None = None
    revision: str | None = None


class ModelRegistrar(Protocol):
    """Where finished outputs are registered (the app's model library)."""

    def register(
        self, path: Path, *, source: str, name: str | None = None, **provenance: Any
    ) -> ModelRecord: ...


class ConversionPipeline:
    def __init__(
        self,
        library: ModelRegistrar,
        models_dir: Path,
        hub_config: Callable[[], HubConfig],
        disk_usage: DiskUsageFunction = shutil.disk_usage,
    ) -> None:
        self._library = library
        self._models_dir = models_dir
        self._hub_config = hub_config
        self._disk_usage = disk_usage

    # Convert ----------------------------------------------------------------------------

    def convert(self, request: ConversionRequest, control: JobControl) -> ConversionResult:
        outtype = request.outtype.lower()
        if outtype not in OUTTYPES:
            raise ConversionError(translate(
                "Conversion", "The output type must be one of {types}."
            ).format(types=", ".join(OUTTYPES)))
        quantizations = tuple(dict.fromkeys(q.upper() for q in request.quantizations))
        for quantization in quantizations:
            _check_target(quantization)
        unavailable = conversion_unavailable()
        if unavailable:
            raise ConversionError(unavailable)
        source = self._source(request.source, control)
        control.report(
            JobProgress("check", None, translate("Conversion", "Checking the model folder"))
        )
        parameters = _check_folder(source.folder)
        name = safe_name(
            request.name or source.label.rstrip("/\\").replace("\\", "/").split("/")[-1]
        )
        base_type = outtype.upper()
        base = _Output(
            f"{name}-{base_type}", output_path(self._models_dir, name, base_type), base_type
        )
        outputs = [base] + [
            _Output(f"{name}-{q}", output_path(self._models_dir, name, q), q)
            for q in quantizations
            if q != base_type
        ]
        for output in outputs:
            if output.path.exists():
                raise ConversionError(translate(
                    "Conversion",
                    "{path} already exists: choose another name, or remove that model.",
                ).format(path=output.path))
        total = sum(estimated_size(parameters, output.quantization) for output in outputs)
        ensure_space_for_outputs(
            base.path.parent,
            total,
            what=translate("Conversion", "{count} GGUF file(s)").format(count=len(outputs)),
            disk_usage=self._disk_usage,
        )
        provenance = {
            "converted_from": source.label,
            "repo": source.repo,
            "revision": source.revision,
            "outtype": base_type,
        }
        self._run_convert(source.folder, base, outtype, name, parameters, control)
        for output in outputs[1:]:
            self._run_quantize(base.path, output, parameters, control)
        for output in outputs:
            output.provenance = {**provenance, "quantization": output.quantization}
        quality = self._quality(outputs, control) if request.evaluate else ()
        records = self._register(outputs, control)
        if source.repo is not None:
            # The downloaded weights were only a means; the Hub keeps them. (After a failure
            # or a cancel they stay, so trying again does not fetch them again.)
            shutil.rmtree(source.folder, ignore_errors=True)
        return ConversionResult(records, quality)

    def _source(self, source: str, control: JobControl) -> _Source:
        folder = Path(source).expanduser()
        if folder.is_dir():
            return _Source(folder.resolve(), source)
        repo_id, _, revision = source.partition("@")
        if not looks_like_repo_id(repo_id):
            raise ConversionError(translate(
                "Conversion", "{source} is neither a model folder nor a Hub repo id (owner/name)."
            ).format(source=source))
        control.report(JobProgress("download", None, translate(
            "Conversion", "Downloading {repo} from the Hub"
        ).format(repo=repo_id)))
        target = self._models_dir / "converted" / ".sources" / repo_id.replace("/", "--")

        def check_space(needed: int) -> None:
            ensure_space_for_outputs(
                target,
                needed,
                what=translate("Conversion", "the weights of {repo}").format(repo=repo_id),
                disk_usage=self._disk_usage,
            )

        def on_bytes(done: int, total: int) -> None:
            fraction = done / total if total else None
            message = translate("Conversion", "{done} of {total}").format(
                done=human_size(done), total=human_size(total)
            )
            control.report(JobProgress("download", fraction, message))

        try:
            commit = download_model_folder(
                self._hub_config(),
                repo_id,
                target,
                revision=revision or "main",
                check_config=lambda config: _check_architecture(config.parent),
                check_space=check_space,
                on_progress=on_bytes,
                should_stop=lambda: control.cancelled,
            )
        except FolderDownloadStopped as stopped:
            raise ConversionCancelled(translate(
                "Conversion", "Cancelled; what was downloaded stays for the next try."
            )) from stopped
        control.check_cancelled()
        return _Source(target, repo_id, repo_id, commit)

    def _run_convert(
        self,
        folder: Path,
        output: _Output,
        outtype: str,
        name: str,
        parameters: ParameterCount,
        control: JobControl,
    ) -> None:
        output.path.parent.mkdir(parents=True, exist_ok=True)
        control.making(output.path.parent)
        self._produce(
            output,
            estimated_size(parameters, output.quantization),
            {"stage": "convert", "source": str(folder), "outtype": outtype, "model_name": name},
            "convert",
            control,
            what=translatable("Conversion", "conversion"),
        )

    def _run_quantize(
        self,
        source: Path,
        output: _Output,
        parameters: ParameterCount | None,
        control: JobControl,
        *,
        allow_requantize: bool = False,
    ) -> None:
        output.path.parent.mkdir(parents=True, exist_ok=True)
        if parameters is not None:
            needed = estimated_size(parameters, output.quantization)
        else:
            needed = source.stat().st_size
        self._produce(
            output,
            needed,
            {
                "stage": "quantize",
                "source": str(source),
                "type": output.quantization,
                "allow_requantize": allow_requantize,
            },
            f"quantize {output.quantization}",
            control,
            what=translatable("Conversion", "quantization"),
        )

    def _produce(
        self,
        output: _Output,
        needed: int,
        request: dict[str, Any],
        stage: str,
        control: JobControl,
        *,
        what: str,
    ) -> None:
        """Check the space, let a child write ``output`` as a .part, then put it in place."""
        ensure_space_for_outputs(
            output.path.parent, needed, what=output.path.name, disk_usage=self._disk_usage
        )
        part = control.making(part_path(output.path))
        self._child({**request, "output": str(part)}, stage, control, what=what)
        os.replace(part, control.making(output.path))

    # Quantize an installed model ----------------------------------------------------------

    def quantize(
        self,
        record: ModelRecord,
        quantizations: Sequence[str],
        control: JobControl,
        *,
        evaluate: bool = False,
    ) -> ConversionResult:
        """Quantize an installed model to each type, then (``evaluate``) measure it and each
        result, each change against it. One job: a failure or cancel removes what it made."""
        targets = tuple(dict.fromkeys(q.upper() for q in quantizations))
        for quantization in targets:
            _check_target(quantization)
        current = (read_gguf_info(record.path).quantization or "").upper()
        if targets and current not in _FULL_PRECISION and current != "Q8_0":
            raise ConversionError(translate(
                "Conversion",
                "{name} is already quantized ({type}); quantizing it again would lose quality "
                "twice. Quantize its F16 or BF16 file instead.",
            ).format(name=record.name, type=current or translate("Conversion", "unknown type")))
        if current in targets:
            raise ConversionError(translate("Conversion", "{name} is already {type}.").format(
                name=record.name, type=current
            ))
        name = safe_name(_strip_type(record.name, current))
        kept = ("converted_from", "repo", "revision", "outtype")
        outputs = [
            _Output(
                f"{name}-{quantization}",
                output_path(self._models_dir, name, quantization),
                quantization,
                {
                    **{key: record.metadata.get(key) for key in kept},
                    "quantized_from": record.name,
                    "quantization": quantization,
                },
            )
            for quantization in targets
        ]
        for output in outputs:
            if output.path.exists():
                raise ConversionError(translate(
                    "Conversion", "{path} already exists: remove that model first."
                ).format(path=output.path))
        for output in outputs:
            if not output.path.parent.exists():
                output.path.parent.mkdir(parents=True)
                control.making(output.path.parent)
            self._run_quantize(
                record.path, output, None, control, allow_requantize=current == "Q8_0"
            )
        base = _Output(record.name, record.path, current or "?")
        quality = self._quality([base, *outputs], control) if evaluate else ()
        return ConversionResult(self._register(outputs, control), quality)

    # Evaluate -------------------------------------------------------------------------------

    def evaluate(
        self, record: ModelRecord, text: Path | None, control: JobControl
    ) -> ConversionResult:
        quantization = str(record.metadata.get("quantization") or "?")
        value = self._perplexity(record.path, quantization, text, control)
        row = QualityRow(record.name, quantization, record.size_bytes, value, None)
        return ConversionResult((), (row,))

    def _quality(self, outputs: list[_Output], control: JobControl) -> tuple[QualityRow, ...]:
        values = [
            self._perplexity(output.path, output.quantization, None, control) for output in outputs
        ]
        base = values[0]
        return tuple(
            QualityRow(
                output.record_name,
                output.quantization,
                output.path.stat().st_size,
                value,
                (value / base - 1.0) * 100.0 if base else None,
            )
            for output, value in zip(outputs, values, strict=True)
        )

    def _perplexity(
        self, model: Path, quantization: str, text: Path | None, control: JobControl
    ) -> float:
        text = text or EVALUATION_TEXT
        if not text.is_file():
            raise ConversionError(
                translate("Conversion", "There is no text file at {path}.").format(path=text)
            )
        result = self._child(
            {"stage": "evaluate", "model": str(model), "text": str(text)},
            f"evaluate {quantization}",
            control,
            what=translatable("Conversion", "evaluation"),
        )
        return float(result["perplexity"])

    # Shared ---------------------------------------------------------------------------------

    def _child(
        self, job: dict[str, Any], stage: str, control: JobControl, *, what: str
    ) -> dict[str, Any]:
        control.check_cancelled()

        def on_progress(fraction: float | None, message: str) -> None:
            control.report(JobProgress(stage, fraction, message))

        control.report(JobProgress(
            stage, 0.0 if stage != "convert" else None, translate("Conversion", "Starting")
        ))
        result = run_child_stage(
            job,
            on_progress=on_progress,
            started=control.started,
            ended=control.ended,
            cancelled=lambda: control.cancelled,
            what=what,
        )
        control.report(JobProgress(stage, 1.0, translate("Conversion", "Done")))
        return result

    def _register(self, outputs: list[_Output], control: JobControl) -> tuple[ModelRecord, ...]:
        control.check_cancelled()
        records = []
        for output in outputs:
            try:
                records.append(
                    self._library.register(
                        output.path,
                        source="converted",
                        name=output.record_name,
                        **output.provenance,
                    )
                )
            except DesktopLLMError as error:
                raise ConversionError(translate(
                    "Conversion", "{name} was written but cannot be used: {error}"
                ).format(name=output.path.name, error=error)) from error
        return tuple(records)


def _check_target(quantization: str) -> None:
    if quantization not in QUANT_TARGETS:
        raise ConversionError(translate(
            "Conversion",
            "{type} is not a quantization this app can make; choose one of {types}.",
        ).format(type=quantization, types=", ".join(QUANT_TARGETS)))


def _check_folder(folder: Path) -> ParameterCount:
    if not (folder / "config.json").is_file():
        raise ConversionError(translate(
            "Conversion", "{folder} has no config.json: it is not a Hugging Face model folder."
        ).format(folder=folder))
    _check_architecture(folder)
    if not weight_files(folder):
        raise ConversionError(translate(
            "Conversion", "{folder} has no weights (*.safetensors or pytorch_model*.bin files)."
        ).format(folder=folder))
    return count_parameters(folder)


def _check_architecture(folder: Path) -> None:
    """Refuse, before any heavy work, an architecture the converter does not list."""
    try:
        architecture = architecture_of(folder)
    except (OSError, ValueError) as error:
        raise ConversionError(translate(
            "Conversion", "{folder}/config.json cannot be read ({error})."
        ).format(folder=folder, error=error)) from error
    if architecture is None:
        raise ConversionError(
            translate("Conversion", "{folder}/config.json names no architecture.").format(
                folder=folder
            )
        )
    known = supported_architectures()
    if known and architecture not in known:
        raise ConversionError(translate(
            "Conversion",
            "{architecture} is not an architecture llama.cpp's converter supports (it converts "
            "{examples} and about {count} text architectures in all).",
        ).format(architecture=architecture, examples=_EXAMPLE_FAMILIES, count=len(known)))


def _strip_type(name: str, quantization: str) -> str:
    for separator in ("-", ".", "_"):
        suffix = f"{separator}{quantization}"
        if quantization and name.upper().endswith(suffix.upper()):
            return name[: -len(suffix)]
    return name
