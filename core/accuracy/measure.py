"""Accuracy of one IR on a dataset, optionally against a reference IR (CLI and job share this)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.accuracy.evaluate import evaluate, headline
from core.datasets.feeding import MIN_SAMPLES, open_source
from core.datasets.preprocessing import PreprocessSpec
from core.errors import UserError
from core.ov_core import read_model
from core.progress import Progress, no_progress


def measure_accuracy(
    xml_path: Path,
    dataset_id: int,
    reference_xml: Path | None = None,
    spec: PreprocessSpec | dict[str, Any] | None = None,
    limit: int | None = None,
    progress: Progress = no_progress,
    compute: str = "f32",
) -> dict[str, Any]:
    """Accuracy of `xml_path`, computed in `compute` ("f32", "default" or a native one); the
    headline carries the compute precision the compiled model used (read back), so a reader of
    the figure alone knows which arithmetic it describes."""
    model = read_model(xml_path)
    if isinstance(spec, dict):
        spec = PreprocessSpec.from_dict(spec)
    source = open_source(dataset_id, model, spec, MIN_SAMPLES, "accuracy")
    reference = read_model(reference_xml) if reference_xml is not None else None
    if reference is None and not source.labelled:
        raise UserError(
            "Without labels, accuracy is measured as agreement with a reference model, and none was given.",
            "Pass --reference PARENT.xml (the FP32 model), or use a labelled dataset.",
        )
    indices = list(range(len(source) if limit is None else min(limit, len(source))))
    report = evaluate(model, source, indices, reference=reference, progress=progress, compute=compute)
    return {
        **headline(report),
        "samples": report["samples"],
        "compute_precision": report["compute_precision"],
        "samples_from": f"dataset {dataset_id}",
        "report": report,
        "preprocessing": source.spec.to_dict() if hasattr(source, "spec") else None,
        "dataset_id": dataset_id,
    }
