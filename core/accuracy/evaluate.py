"""Run a model (and optionally its reference) over samples and measure accuracy.

Both models are compiled with inference precision f32, so the figures show what the
optimization changed — not whatever lower precision a CPU with bf16/fp16 support would pick
by default (that choice belongs to benchmarking, where the hint is offered).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from core.accuracy.metrics import AgreementReport, LabelAccuracy, class_scores, classifier_output_index
from core.datasets.feeding import SampleSource
from core.errors import UserError

Progress = Callable[[float | None, str], None]
ACCURACY_CONFIG = {"INFERENCE_PRECISION_HINT": "f32"}


def no_progress(_fraction: float | None, _message: str) -> None:
    return None


def read_model(xml_path: Path | str) -> Any:
    """ov.Model from an IR (or any format OpenVINO reads); UserError if it cannot."""
    from core.system_info import core_instance

    path = Path(xml_path)
    if not path.is_file():
        raise UserError(f"The model file {path} does not exist.")
    try:
        return core_instance().read_model(str(path))
    except RuntimeError as exc:
        raise UserError(f"OpenVINO cannot read {path.name}: {str(exc).splitlines()[0]}") from exc


def compile_for_accuracy(model: Any, device: str = "CPU") -> Any:
    from core.system_info import core_instance

    return core_instance().compile_model(model, device, ACCURACY_CONFIG)


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


def evaluate(
    model: Any,
    source: SampleSource,
    indices: Sequence[int] | None = None,
    reference: Any | None = None,
    progress: Progress = no_progress,
    device: str = "CPU",
) -> dict[str, Any]:
    """Accuracy of `model` (ov.Model) on `source`: top-1/top-5 with labels, agreement with `reference`."""
    started = time.perf_counter()
    indices = list(range(len(source))) if indices is None else list(indices)
    if not indices:
        raise UserError("There are no samples to measure accuracy on.")
    compiled = compile_for_accuracy(model, device)
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
        ref_request, ref_count = ref_compiled.create_infer_request(), len(ref_compiled.outputs)
    own, ref_labels, agreement = LabelAccuracy(), LabelAccuracy(), AgreementReport()
    classifier: bool | None = None
    for n, index in enumerate(indices):
        progress(n / len(indices), f"accuracy sample {n + 1}/{len(indices)}")
        inputs = source.inputs(index)
        outputs = infer_outputs(request, inputs, len(names))
        if classifier is None:
            classifier = classifier_output_index(outputs) is not None
        label = source.label(index)
        class_index = classifier_output_index(outputs) if classifier else None
        if label is not None and class_index is not None:
            scores = class_scores(outputs[class_index])
            if label >= scores.shape[0]:  # type: ignore[union-attr]
                raise UserError(
                    f"Sample {source.name(index)} has class index {label}, the model has only "
                    f"{scores.shape[0]} classes.",  # type: ignore[union-attr]
                    "Check the class order (labels file) of the dataset.",
                )
            own.add(scores, label)  # type: ignore[arg-type]
        if ref_request is not None:
            references = infer_outputs(ref_request, inputs, ref_count)  # type: ignore[arg-type]
            agreement.add(names, outputs, references)
            if label is not None and class_index is not None:
                ref_labels.add(class_scores(references[class_index]), label)  # type: ignore[arg-type]
    report: dict[str, Any] = {
        "samples": len(indices),
        "classifier": bool(classifier),
        "labelled": source.labelled,
        "inference_precision": "f32",
        "device": device,
    }
    if own.samples:
        report["model"] = own.result()
    if ref_labels.samples:
        report["reference"] = ref_labels.result()
    if ref_request is not None:
        report["agreement"] = agreement.result()
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
