"""The accuracy request: a model (variant or file) on a dataset, optionally against a reference.

Declared once (samples limit, compute precision, device, target machine: label, help, default,
choices), checked once before a job exists, and rebuilt by the job from its params, so the CLI,
the pages that start an accuracy job (Optimize, Compare's missing runs, INT8 analysis'
before/after) and the job read one record.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from core.accuracy.evaluate import COMPUTE_OPTIONS, Progress, check_compute_option, no_progress
from core.accuracy.measure import measure_accuracy
from core.benchmark.devices import check_device
from core.datasets.catalog import get_dataset
from core.errors import UserError
from core.requests import JobSpec, Request, option
from core.targets.choice import check_target, device_on, is_remote, target_option
from core.variants import get_variant, variant_xml
from core.workspace import resolve

DEFAULT_LIMIT = 300  # samples: a figure in seconds to a minute on a CPU, enough to see a drop

Compute = StrEnum("Compute", {name.upper(): name for name in COMPUTE_OPTIONS})  # type: ignore[misc]
Compute.__doc__ = "What the measured model computes in: f32 (exact), the device default, or a native one."


def _file(path: str, what: str) -> Path:
    found = resolve(path)
    if not found.is_file():
        raise UserError(f"The {what} {path} does not exist.", "Give an IR .xml (or ONNX) file, or a variant id.")
    return found


@dataclass(kw_only=True)
class AccuracyRequest(Request):
    """Accuracy of one model on a dataset: top-1/top-5 with labels, or agreement with a reference.

    A job measures a workspace variant (its reference defaults to the variant's parent) and
    stores the Result; the CLI may measure files (`model_path`, `reference_path`) in-process."""

    KIND = "accuracy"
    ENTRYPOINT = "core.accuracy.jobs:accuracy_job"

    variant_id: int | None = None  # the measured variant (pages, jobs)
    model_path: str | None = None  # or a file: an IR .xml or ONNX (CLI)
    dataset_id: int
    reference_variant_id: int | None = None  # agreement with this variant (a job's default: the parent)
    reference_path: str | None = None  # or with this file (CLI)
    preprocessing: dict[str, Any] | None = None  # PreprocessSpec.to_dict(); None: from the model
    limit: int | None = option(DEFAULT_LIMIT, label="Samples", help="measure at most this many samples", minimum=1)
    compute_precision: Compute = option(
        Compute.F32, label="Compute precision",
        help="What the measured model computes in (the reference stays f32): f32 (exact, the default), default "
             "(the device's own choice, e.g. bf16 where it reports BF16: shows what its reduced compute costs in "
             "accuracy), or a native bf16/f16")
    device: str = option("CPU", label="Device",
                         help="the device that runs the model and its reference (the reference in f32)")
    target: str = target_option()

    def model_xml(self) -> Path:
        if self.variant_id is not None:
            return variant_xml(get_variant(int(self.variant_id)))
        if not self.model_path:
            raise UserError("No model given.", "Pick a model variant, or pass an IR .xml (or ONNX) file.")
        return _file(self.model_path, "model")

    def reference_id(self) -> int | None:
        """The reference variant: the one asked for, else (a variant) its parent."""
        if self.reference_variant_id is not None or self.reference_path or self.variant_id is None:
            return self.reference_variant_id
        return get_variant(int(self.variant_id)).parent_id

    def reference_xml(self) -> Path | None:
        if self.reference_path:
            return _file(self.reference_path, "reference model")
        reference = self.reference_id()
        return variant_xml(get_variant(int(reference))) if reference is not None else None

    def on_target(self) -> bool:
        return is_remote(self.target)

    def check(self) -> None:
        super().check()
        get_dataset(int(self.dataset_id))
        self.model_xml()
        self.reference_xml()
        if self.on_target():
            check_target(self.target, self.device)  # the target checks the compute precision when it runs
        else:
            check_device(self.device)
            check_compute_option(str(self.compute_precision), self.device)

    def measure(self, progress: Progress = no_progress) -> dict[str, Any]:
        """The measurement on this machine (a job holds the device's lock around it; the CLI on
        files runs it as is)."""
        return measure_accuracy(self.model_xml(), int(self.dataset_id), self.reference_xml(), self.preprocessing,
                                self.limit, progress, compute=str(self.compute_precision), device=self.device)

    def job(self) -> JobSpec:
        if self.variant_id is None:
            raise UserError("An accuracy job measures a workspace variant.",
                            "Import the model first, or run `python -m core accuracy FILE` for a file.")
        variant = get_variant(int(self.variant_id))
        name = f"{variant.model.name} / {variant.name}" if variant.model is not None else variant.name
        return JobSpec(kind=self.KIND, entrypoint=self.ENTRYPOINT, params=self.to_params(),
                       target=f"{name} in {self.compute_precision} compute on {device_on(self.device, self.target)}",
                       variant_id=variant.id, host=self.target if self.on_target() else "")
