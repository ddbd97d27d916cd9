"""Accuracy of one IR on samples, optionally against a reference IR (CLI, job and target share this).

`measure_accuracy` opens a stored dataset (this machine: the CLI, and a job measuring here);
`accuracy_on_samples` is the adapter a job on a remote target runs there (core/targets/measure.py):
the samples arrive as a pack (core/datasets/packs.py) because a target has no dataset store.
Both run `evaluate` and return one shape, so a result reads the same wherever it was measured.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.accuracy.evaluate import evaluate, headline
from core.datasets.feeding import MIN_SAMPLES, SampleSource, open_source
from core.datasets.packs import PackedSource
from core.datasets.preprocessing import PreprocessSpec
from core.errors import UserError
from core.ov_core import read_model
from core.progress import Progress, no_progress


def open_accuracy_source(model: Any, dataset_id: int, spec: PreprocessSpec | dict[str, Any] | None,
                         has_reference: bool) -> SampleSource:
    """The checked samples of `dataset_id` for `model`; refused up front if nothing can score them."""
    if isinstance(spec, dict):
        spec = PreprocessSpec.from_dict(spec)
    source = open_source(dataset_id, model, spec, MIN_SAMPLES, "accuracy")
    if not has_reference and not source.labelled:
        raise UserError(
            "Without labels, accuracy is measured as agreement with a reference model, and none was given.",
            "Pass --reference PARENT.xml (the FP32 model), or use a labelled dataset.",
        )
    return source


def sample_indices(source: SampleSource, limit: int | None) -> list[int]:
    """The samples a measurement reads: the first `limit` (all without one)."""
    return list(range(len(source) if limit is None else min(limit, len(source))))


def _measured(model: Any, source: SampleSource, indices: list[int], reference: Any | None, progress: Progress,
              compute: str, device: str) -> dict[str, Any]:
    report = evaluate(model, source, indices, reference=reference, progress=progress, compute=compute, device=device)
    spec = getattr(source, "spec", None)
    return {
        **headline(report),
        "samples": report["samples"],
        "compute_precision": report["compute_precision"],
        "samples_from": f"dataset {source.dataset_id}",
        "report": report,
        "preprocessing": spec.to_dict() if spec is not None else None,
        "dataset_id": source.dataset_id,
    }


def measure_accuracy(
    xml_path: Path,
    dataset_id: int,
    reference_xml: Path | None = None,
    spec: PreprocessSpec | dict[str, Any] | None = None,
    limit: int | None = None,
    progress: Progress = no_progress,
    compute: str = "f32",
    device: str = "CPU",
) -> dict[str, Any]:
    """Accuracy of `xml_path`, computed in `compute` ("f32", "default" or a native one); the
    headline carries the compute precision the compiled model used (read back), so a reader of
    the figure alone knows which arithmetic it describes."""
    model = read_model(xml_path)
    source = open_accuracy_source(model, dataset_id, spec, reference_xml is not None)
    reference = read_model(reference_xml) if reference_xml is not None else None
    return _measured(model, source, sample_indices(source, limit), reference, progress, compute, device)


def accuracy_on_dataset(xml_path: Path, progress: Progress, dataset_id: int, reference_xml: str | None = None,
                        preprocessing: dict[str, Any] | None = None, limit: int | None = None,
                        compute: str = "f32", inference_device: str = "CPU") -> dict[str, Any]:
    """The accuracy adapter on this machine (core/targets/measure.py calls it holding the device)."""
    return measure_accuracy(Path(xml_path), int(dataset_id), Path(reference_xml) if reference_xml else None,
                            preprocessing, limit, progress, compute, inference_device)


def accuracy_on_samples(xml_path: Path, progress: Progress, samples: str, reference_xml: str | None = None,
                        compute: str = "f32", inference_device: str = "CPU") -> dict[str, Any]:
    """The accuracy adapter on a target: every sample of the pack `samples` (limited when it was
    packed); the compute precision is checked against the devices of the host that runs it."""
    source = PackedSource(Path(samples))
    model = read_model(Path(xml_path))
    reference = read_model(Path(reference_xml)) if reference_xml else None
    return _measured(model, source, list(range(len(source))), reference, progress, compute, inference_device)
