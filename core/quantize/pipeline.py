"""From an IR file to an optimized IR file with its evidence: the steps the CLI and jobs share.

Order matters for the user: every check (data vs model, options) runs before the long NNCF
call; accuracy is measured on samples calibration did not see whenever the data allows it,
against the FP32 parent, and everything needed to reproduce the result is returned for the
lineage record.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from core.accuracy.evaluate import evaluate, headline
from core.datasets.feeding import MIN_SAMPLES, RANDOM_DATA_WARNING, RandomSource, SampleSource, open_source
from core.datasets.preprocessing import PreprocessSpec
from core.errors import UserError
from core.ov_core import read_model
from core.progress import Progress, no_progress
from core.requests import choice
from core.quantize.calibration import calibration_split
from core.quantize.compression import compress_weights, fp16_runtime_note, save_ir
from core.quantize.layers import precision_summary, weight_precisions
from core.quantize.options import DEFAULT_ACCURACY_SAMPLES, CompressMode, QuantizeOptions
from core.quantize.ptq import quantize_int8, quantize_int8_with_accuracy_control
from core.system_info import package_version


def _ir_size(xml_path: Path) -> int:
    return xml_path.stat().st_size + xml_path.with_suffix(".bin").stat().st_size


def _spec(spec: dict[str, Any] | PreprocessSpec | None) -> PreprocessSpec | None:
    if spec is None or isinstance(spec, PreprocessSpec):
        return spec
    return PreprocessSpec.from_dict(spec)


def _evaluation_plan(
    calibration: SampleSource, validation: SampleSource | None, subset_size: int, limit: int
) -> tuple[SampleSource, list[int], str]:
    """Which samples accuracy is measured on, and how to describe that honestly."""
    if validation is not None:
        return validation, list(range(min(limit, len(validation)))), "validation dataset"
    if isinstance(calibration, RandomSource):
        held = calibration.held_out(min(limit, 16))
        return held, list(range(held.count)), "random inputs (no data given)"
    used, held_out = calibration_split(calibration, subset_size)
    if len(held_out) >= MIN_SAMPLES:
        return calibration, held_out[:limit], "held-out samples (not used for calibration)"
    return calibration, used[:limit], (
        "calibration samples (the dataset is too small to hold samples out; figures are optimistic)"
    )


def accuracy_section(report: dict[str, Any], samples_from: str) -> dict[str, Any]:
    """Variant.accuracy: the headline (FP32 vs optimized) first, the full report below it."""
    return {**headline(report), "samples": report["samples"], "samples_from": samples_from, "report": report}


def prepare_quantization(
    xml_in: Path,
    dataset_id: int | None,
    options: QuantizeOptions,
    spec: dict[str, Any] | PreprocessSpec | None = None,
    validation_dataset_id: int | None = None,
) -> tuple[Any, SampleSource, SampleSource | None, list[str]]:
    """Every check that can fail, done in a second or two: pages call it before starting the job.

    Returns the model, calibration source, validation source (accuracy control or a separate
    validation set) and warnings for the user (random data, small dataset).
    """
    model = read_model(xml_in)
    preprocessing = _spec(spec)
    source = open_source(dataset_id, model, preprocessing, MIN_SAMPLES, "calibration")
    warnings: list[str] = []
    if isinstance(source, RandomSource):
        warnings.append(RANDOM_DATA_WARNING)
    if source.ignored_labels:
        warnings.append(f"{source.ignored_labels} Its images are used for calibration only; accuracy is measured "
                        "as agreement with the FP32 parent, not against these labels.")
    elif len(source) < options.subset_size:
        warnings.append(f"The dataset has {len(source)} samples, fewer than the subset size "
                        f"{options.subset_size}: all of them are used for calibration.")
    validation = None
    if options.accuracy_aware or validation_dataset_id is not None:
        if validation_dataset_id is None and isinstance(source, RandomSource):
            raise UserError("Accuracy control needs a validation dataset; random data cannot measure accuracy.",
                            "Upload a validation dataset (labelled for top-1, any images for agreement).")
        validation = open_source(
            validation_dataset_id if validation_dataset_id is not None else dataset_id,
            model, preprocessing, MIN_SAMPLES,
            # labels are scored unless accuracy control compares with the FP32 model only
            "validation" if not options.accuracy_aware or options.metric == "top1" else "agreement validation",
        )
        if options.accuracy_aware and options.metric == "top1" and not validation.labelled:
            raise UserError("The validation dataset has no labels, so top-1 cannot be measured.",
                            "Choose the metric `agreement` (compares with the FP32 model), or upload labelled data.")
    return model, source, validation, warnings


def quantize_ir(
    xml_in: Path,
    xml_out: Path,
    dataset_id: int | None,
    options: QuantizeOptions,
    spec: dict[str, Any] | PreprocessSpec | None = None,
    validation_dataset_id: int | None = None,
    measure_accuracy: bool = True,
    accuracy_samples: int = DEFAULT_ACCURACY_SAMPLES,
    progress: Progress = no_progress,
) -> dict[str, Any]:
    """INT8 (plain or accuracy-aware) from an FP32/FP16 IR; dataset_id None = random data (warned)."""
    started = time.perf_counter()
    progress(0.0, "reading the model and checking the data")
    model, source, validation, warnings = prepare_quantization(
        xml_in, dataset_id, options, spec, validation_dataset_id
    )
    calibrated = min(options.subset_size, len(source))
    quantize_started = time.perf_counter()
    control: dict[str, Any] = {}
    if options.accuracy_aware:
        assert validation is not None
        quantized, control = quantize_int8_with_accuracy_control(model, source, validation, options, progress)
    else:
        quantized = quantize_int8(model, source, options, progress)
    quantize_seconds = time.perf_counter() - quantize_started
    progress(0.8 if measure_accuracy else 0.95, "saving the INT8 IR")
    save_ir(quantized, xml_out)
    layers = precision_summary(quantized)
    result: dict[str, Any] = {
        "xml": str(xml_out),
        "bin": str(xml_out.with_suffix(".bin")),
        "precision": "INT8",
        "method": "accuracy-aware" if options.accuracy_aware else "quantized",
        "options": options.options_dict(),
        "preprocessing": source.spec.to_dict() if hasattr(source, "spec") else None,
        "calibration": {**source.describe(), "samples_used": calibrated},
        "validation_dataset_id": validation.dataset_id if validation is not None else None,
        "layers": layers,
        "size_bytes": _ir_size(xml_out),
        "parent_size_bytes": _ir_size(Path(xml_in)),
        "warnings": warnings,
        "nncf_version": package_version("nncf"),
        "openvino_version": package_version("openvino"),
        "quantize_seconds": quantize_seconds,
    }
    if options.accuracy_aware:
        result["accuracy_control"] = {
            "metric": options.metric, "max_drop": options.max_drop, "drop_type": options.drop_type,
            "kept_in_float": layers["float_layers"], **control,
        }
    if measure_accuracy:
        eval_source, indices, samples_from = _evaluation_plan(source, validation, options.subset_size, accuracy_samples)
        report = evaluate(
            read_model(xml_out), eval_source, indices, reference=read_model(xml_in),
            progress=lambda f, m: progress(0.85 + 0.15 * (f or 0), m),
        )
        result["accuracy"] = accuracy_section(report, samples_from)
    result["seconds"] = time.perf_counter() - started
    progress(1.0, "done")
    return result


def compress_ir(
    xml_in: Path,
    xml_out: Path,
    mode: str,
    ratio: float | None = None,
    group_size: int | None = None,
    dataset_id: int | None = None,
    spec: dict[str, Any] | PreprocessSpec | None = None,
    accuracy_samples: int = DEFAULT_ACCURACY_SAMPLES,
    progress: Progress = no_progress,
) -> dict[str, Any]:
    """FP16 or weight-only INT8/INT4; accuracy vs the parent when a dataset is given."""
    started = time.perf_counter()
    mode = str(choice(CompressMode, mode, "compression mode"))
    progress(0.0, "reading the model")
    model = read_model(xml_in)
    source = open_source(dataset_id, model, _spec(spec), MIN_SAMPLES, "accuracy") if dataset_id is not None else None
    notes: list[str] = []
    if mode == "fp16":
        progress(0.3, "writing FP16 weights")
        save_ir(model, xml_out, compress_to_fp16=True)
        notes.append(fp16_runtime_note())
        precision = "FP16"
    else:
        progress(0.2, f"compressing weights to {mode.upper()} (NNCF)")
        compressed = compress_weights(model, mode, ratio, group_size)
        progress(0.7, "saving the IR")
        save_ir(compressed, xml_out)
        precision = "INT4" if mode.startswith("int4") else "INT8"
        notes.append("Weights only: activations stay in floating point; best for large (LLM-size) models.")
    result: dict[str, Any] = {
        "xml": str(xml_out),
        "bin": str(xml_out.with_suffix(".bin")),
        "precision": precision,
        "method": "fp16" if mode == "fp16" else "weight-compression",
        "options": {"mode": mode, "ratio": ratio, "group_size": group_size},
        "weights": weight_precisions(read_model(xml_out)),
        "size_bytes": _ir_size(xml_out),
        "parent_size_bytes": _ir_size(Path(xml_in)),
        "notes": notes,
        "nncf_version": package_version("nncf"),
        "openvino_version": package_version("openvino"),
    }
    if source is not None:
        report = evaluate(read_model(xml_out), source, list(range(min(accuracy_samples, len(source)))),
                          reference=read_model(xml_in), progress=lambda f, m: progress(0.8 + 0.2 * (f or 0), m))
        result["accuracy"] = accuracy_section(report, "the given dataset")
        result["preprocessing"] = source.spec.to_dict() if hasattr(source, "spec") else None
        result["dataset_id"] = dataset_id
    result["seconds"] = time.perf_counter() - started
    progress(1.0, "done")
    return result
