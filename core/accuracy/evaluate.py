"""Run a model (and optionally its reference) over samples and measure accuracy.

By default both models are compiled with inference precision f32, so the figures show what the
optimization changed — not whatever lower precision a CPU with bf16/fp16 support would pick
by default. A measurement can ask for another compute precision for the measured model
("default" = the device's own choice, or an explicit native one) to show what that compute
costs; the reference always stays in f32 (it is the reference), and the precision the compiled
model really uses is read back and stored, never assumed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from core.accuracy.metrics import AgreementReport, LabelAccuracy, class_scores, classifier_output_index, confidence
from core.datasets.feeding import SampleSource
from core.errors import UserError
from core.ov_core import core_instance
from core.progress import Progress, no_progress

ACCURACY_CONFIG = {"INFERENCE_PRECISION_HINT": "f32"}
# What `compute_precision` may ask for: f32 (exact, the default), the device default, or a native one.
COMPUTE_OPTIONS = ("f32", "default", "bf16", "f16")


def check_compute_option(compute: str, device: str = "CPU") -> str:
    """`compute` if the device can be asked for it, else UserError: "f32" and "default" always work;
    "bf16"/"f16" only where the device lists them as native (never emulated silently)."""
    from core.precision import device_compute

    value = (compute or "f32").strip().lower()
    if value not in COMPUTE_OPTIONS:
        raise UserError(f"Compute precision {compute!r} is not one of {', '.join(COMPUTE_OPTIONS)}.",
                        "Use f32 (exact), default (the device's own choice), or a precision the device lists natively.")
    if value in ("f32", "default"):
        return value
    native = device_compute(device)["native"]
    if value not in native:
        raise UserError(f"{device} does not list {value} as a native compute precision (it lists "
                        f"{', '.join(native) or 'none'}).", "Use f32 or default.")
    return value


def accuracy_config(compute: str = "f32") -> dict[str, str]:
    """Compile properties for `compute`: "default" sets no hint (the device chooses)."""
    return {} if compute == "default" else {"INFERENCE_PRECISION_HINT": compute}


def compile_for_accuracy(model: Any, device: str = "CPU", compute: str = "f32") -> Any:
    return core_instance().compile_model(model, device, accuracy_config(compute))


def output_names(compiled: Any) -> list[str]:
    names = []
    for i, port in enumerate(compiled.outputs):
        try:
            names.append(port.get_any_name())
        except RuntimeError:  # an output without tensor names
            names.append(f"output{i}")
    return names


def infer_outputs(request: Any, inputs: dict[str, np.ndarray], count: int) -> list[np.ndarray]:
    request.infer(inputs)
    return [request.get_output_tensor(i).data.copy() for i in range(count)]


def _class_name(names: Sequence[str] | None, index: int | None) -> str | None:
    return str(names[index]) if names is not None and index is not None and 0 <= index < len(names) else None


def worst_first(row: dict[str, Any]) -> tuple[Any, ...]:
    """Sort key of per-image rows: disagreements with the reference first, then wrong answers,
    then the least confident (or, for non-classifiers, the least similar) outputs."""
    score = row.get("confidence")
    if score is None:
        score = row.get("cosine", 1.0)
    return (row.get("agree") is not False, row.get("correct") is not False, score, row["file"])


def evaluate(
    model: Any,
    source: SampleSource,
    indices: Sequence[int] | None = None,
    reference: Any | None = None,
    progress: Progress = no_progress,
    device: str = "CPU",
    class_names: Sequence[str] | None = None,
    compute: str = "f32",
) -> dict[str, Any]:
    """Accuracy of `model` (ov.Model) on `source`: top-1/top-5 with labels, agreement with `reference`.

    A label may be a set of acceptable classes: top-1 is right when the prediction is in the
    set, top-5 when any of the five best is. `report["per_image"]` has one row per sample
    (file, prediction, confidence, label(s), the reference's prediction, agree?, correct?),
    worst disagreements first, so a reader can see which images failed. `compute` is the compute
    precision asked for the measured model (see COMPUTE_OPTIONS); the reference stays in f32, and
    `report["compute_precision"]` is what the compiled model reports it uses.
    """
    from core.precision import compiled_compute_precision

    started = time.perf_counter()
    indices = list(range(len(source))) if indices is None else list(indices)
    if not indices:
        raise UserError("There are no samples to measure accuracy on.")
    names_by_class = class_names if class_names is not None else getattr(source, "class_names", None)
    compiled = compile_for_accuracy(model, device, check_compute_option(compute, device))
    used = compiled_compute_precision(compiled)
    request = compiled.create_infer_request()
    names = output_names(compiled)
    ref_request = ref_count = None
    if reference is not None:
        ref_compiled = compile_for_accuracy(reference, device)
        if len(ref_compiled.outputs) != len(compiled.outputs):
            raise UserError(
                f"The reference has {len(ref_compiled.outputs)} outputs, the model {len(compiled.outputs)}; "
                "they cannot be compared.",
            )
        for own_port, ref_port in zip(compiled.outputs, ref_compiled.outputs):
            if own_port.get_partial_shape() != ref_port.get_partial_shape():
                raise UserError(
                    f"The reference's output is shaped {ref_port.get_partial_shape()}, the model's "
                    f"{own_port.get_partial_shape()}: they are not variants of one model and cannot be compared.",
                    "Compare a variant with its own parent (or a sibling made from the same model).",
                )
        ref_request, ref_count = ref_compiled.create_infer_request(), len(ref_compiled.outputs)
    own, ref_labels, agreement = LabelAccuracy(), LabelAccuracy(), AgreementReport()
    classifier: bool | None = None
    rows: list[dict[str, Any]] = []
    for n, index in enumerate(indices):
        progress(n / len(indices), f"accuracy sample {n + 1}/{len(indices)}")
        inputs = source.inputs(index)
        outputs = infer_outputs(request, inputs, len(names))
        if classifier is None:
            classifier = classifier_output_index(outputs) is not None
        labels = list(source.labels(index))
        class_index = classifier_output_index(outputs) if classifier else None
        row: dict[str, Any] = {"index": int(index), "file": source.name(index)}
        scores = class_scores(outputs[class_index]) if class_index is not None else None
        if scores is not None:
            predicted = int(np.argmax(scores))
            row.update(prediction=predicted, prediction_name=_class_name(names_by_class, predicted),
                       confidence=confidence(scores))
        if labels:
            row.update(labels=labels, label_names=[_class_name(names_by_class, c) for c in labels]
                       if names_by_class is not None else None)
        if labels and scores is not None:
            if max(labels) >= scores.shape[0]:
                raise UserError(
                    f"Sample {source.name(index)} has class index {max(labels)}, the model has only "
                    f"{scores.shape[0]} classes.",
                    "Check the class order (labels file) of the dataset.",
                )
            row["correct"] = own.add(scores, labels)
        if ref_request is not None:
            references = infer_outputs(ref_request, inputs, ref_count)  # type: ignore[arg-type]
            similarity = agreement.add(names, outputs, references)
            ref_scores = class_scores(references[class_index]) if class_index is not None else None
            if ref_scores is not None:
                ref_predicted = int(np.argmax(ref_scores))
                row.update(reference_prediction=ref_predicted,
                           reference_name=_class_name(names_by_class, ref_predicted),
                           reference_confidence=confidence(ref_scores),
                           agree=row.get("prediction") == ref_predicted)
                if labels:
                    row["reference_correct"] = ref_labels.add(ref_scores, labels)
            else:
                row["cosine"] = similarity
        rows.append(row)
    rows.sort(key=worst_first)
    report: dict[str, Any] = {
        "samples": len(indices),
        "classifier": bool(classifier),
        "labelled": source.labelled,
        "set_labels": sum(len(source.labels(i)) > 1 for i in indices),
        "compute_precision": used,
        "compute_requested": compute,
        "inference_precision": used,  # older readers' key: the same read-back value
        "device": device,
        "dataset_id": source.dataset_id,
    }
    if source.ignored_labels:
        report["labels_ignored"] = source.ignored_labels
    if own.samples:
        report["model"] = own.result()
    if ref_labels.samples:
        report["reference"] = ref_labels.result()
    if ref_request is not None:
        report["agreement"] = agreement.result()
    report["per_image"] = rows
    report["seconds"] = time.perf_counter() - started
    progress(1.0, "accuracy measured")
    return report


def headline(report: dict[str, Any]) -> dict[str, Any]:
    """The one comparable figure: top-1 with labels, else top-1 agreement, else mean cosine."""
    if "model" in report and "top1" in report["model"]:
        data = {"metric": "top1", "value": report["model"]["top1"]}
        if "reference" in report:
            data["reference_value"] = report["reference"]["top1"]
        return data
    agreement = report.get("agreement") or {}
    if "top1_agreement" in agreement:
        return {"metric": "top1_agreement", "value": agreement["top1_agreement"], "reference_value": 1.0}
    if agreement.get("outputs"):
        cosines = [o["cosine_mean"] for o in agreement["outputs"].values() if o]
        return {"metric": "cosine", "value": float(np.mean(cosines)), "reference_value": 1.0}
    return {}
