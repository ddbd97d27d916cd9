"""INT8 post-training quantization: plain (nncf.quantize) and with accuracy control.

Both take an ov.Model and a checked SampleSource and return the quantized ov.Model plus a
report; reading/writing files, accuracy on held-out data and lineage are the pipeline's job.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator
from typing import Any

import numpy as np

from core.accuracy.evaluate import compile_for_accuracy, infer_outputs, output_names
from core.accuracy.metrics import AgreementReport, LabelAccuracy, class_scores, classifier_output_index
from core.datasets.feeding import SampleSource
from core.errors import UserError
from core.progress import Progress, no_progress
from core.quantize.calibration import (
    CountingTransform,
    calibration_split,
    nncf_dataset,
    nncf_output_to_stderr,
    sample_order,
)
from core.quantize.options import QuantizeOptions


IF_BRANCH_LINE = re.compile(r"dataset for then body is (\d+), else body is (\d+)")


class _IfBranchCounts(logging.Handler):
    """NNCF calibrates each branch of an If on the samples that take it, and says how many
    in an INFO line; that line is the only record of which branch got none."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.counts: list[tuple[int, int]] = []

    def emit(self, record: logging.LogRecord) -> None:
        match = IF_BRANCH_LINE.search(record.getMessage())
        if match:
            self.counts.append((int(match.group(1)), int(match.group(2))))


@contextlib.contextmanager
def _watch_if_branches() -> Iterator[_IfBranchCounts]:
    handler = _IfBranchCounts()
    nncf_logger = logging.getLogger("nncf")
    level = nncf_logger.level
    if level == logging.NOTSET or level > logging.INFO:
        nncf_logger.setLevel(logging.INFO)  # the line we need is INFO, whoever quieted NNCF
    nncf_logger.addHandler(handler)
    try:
        yield handler
    finally:
        nncf_logger.removeHandler(handler)
        nncf_logger.setLevel(level)


def _nncf_failure(exc: Exception, branches: _IfBranchCounts | None = None) -> UserError:
    """NNCF's own validation errors are about the user's settings (e.g. an ignored name that
    does not exist) or the data; say which, in the user's terms."""
    text = str(exc).strip()
    first_line = text.splitlines()[0] if text else type(exc).__name__
    if "dataset must not be empty" in text:
        empty = [(then, other) for then, other in (branches.counts if branches else []) if 0 in (then, other)]
        if empty:
            then, other = empty[-1]
            side, got = ("then", other) if then == 0 else ("else", then)
            return UserError(
                f"NNCF could not calibrate the model's If operation: its \"{side}\" branch received 0 of the "
                f"{got} calibration samples (every sample took the other branch), and NNCF calibrates each "
                "branch on its own samples.",
                "Calibrate with samples for which the If's condition is true for some and false for others, "
                "or compress the weights instead (INT8/INT4 weight compression needs no calibration data).",
            )
        return UserError(
            "NNCF received no calibration samples.",
            "Check the calibration dataset and the subset size; the dataset must hold at least one sample.",
        )
    return UserError(f"NNCF refused the settings: {first_line}", "Check the ignored scope and options.")


def quantize_int8(
    model: Any, source: SampleSource, options: QuantizeOptions, progress: Progress = no_progress,
    start: float = 0.05, end: float = 0.7,
) -> Any:
    import nncf

    calibration, _ = calibration_split(source, options.subset_size)
    transform = CountingTransform(source, len(calibration), progress, start, end)
    dataset = nncf_dataset(sample_order(source), transform)
    try:
        with nncf_output_to_stderr(), _watch_if_branches() as branches:
            quantized = nncf.quantize(model, dataset, **options.nncf_kwargs())
    except (nncf.ValidationError, nncf.InternalError) as exc:
        raise _nncf_failure(exc, branches) from exc
    progress(end, "quantization applied")
    return quantized


class ValidationMetric:
    """validation_fn for nncf.quantize_with_accuracy_control: top-1 with labels, or agreement.

    "agreement" compares every model NNCF tries with the FP32 model's outputs on the same
    samples (computed once, cached), so accuracy control works without annotations: the FP32
    model agrees with itself (1.0) and the drop is the share of changed answers.
    """

    def __init__(self, source: SampleSource, metric: str, fp32_model: Any, progress: Progress) -> None:
        self.source = source
        self.metric = metric
        self.progress = progress
        self.passes = 0
        self._reference: dict[int, list[np.ndarray]] = {}
        if metric == "agreement":  # compiled now: NNCF may transform the model object later
            compiled = compile_for_accuracy(fp32_model)
            self._ref_request, self._ref_count = compiled.create_infer_request(), len(compiled.outputs)
        if metric == "top1" and not source.labelled:
            raise UserError(
                "The validation dataset has no labels, so top-1 cannot be measured.",
                "Use the metric `agreement` (compares with the FP32 model), or upload a labelled dataset.",
            )

    def _reference_outputs(self, index: int) -> list[np.ndarray]:
        if index not in self._reference:
            self._reference[index] = infer_outputs(self._ref_request, self.source.inputs(index), self._ref_count)
        return self._reference[index]

    def __call__(self, compiled_model: Any, indices: Any) -> tuple[float, list[float]]:
        self.passes += 1
        request = compiled_model.create_infer_request()
        names = output_names(compiled_model)
        per_sample: list[float] = []
        labels, agreement = LabelAccuracy(), AgreementReport()
        indices = list(indices)
        for n, index in enumerate(indices):
            self.progress(None, f"accuracy control: validation run {self.passes}, sample {n + 1}/{len(indices)}")
            outputs = infer_outputs(request, self.source.inputs(index), len(names))
            if self.metric == "top1":
                position = classifier_output_index(outputs)
                if position is None:
                    raise UserError("Top-1 needs a classifier output ([1, classes]); this model has none.",
                                    "Use the metric `agreement`.")
                per_sample.append(float(labels.add(class_scores(outputs[position]), self.source.labels(index))))  # type: ignore[arg-type]
            else:
                per_sample.append(agreement.add(names, outputs, self._reference_outputs(index)))
        return (float(np.mean(per_sample)) if per_sample else 0.0), per_sample


class _ReportCapture(logging.Handler):
    """Keeps NNCF's accuracy-control log lines: they are the only record of what it tried."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def quantize_int8_with_accuracy_control(
    model: Any,
    source: SampleSource,
    validation: SampleSource,
    options: QuantizeOptions,
    progress: Progress = no_progress,
) -> tuple[Any, dict[str, Any]]:
    import nncf

    calibration, _ = calibration_split(source, options.subset_size)
    transform = CountingTransform(source, len(calibration), progress, 0.05, 0.35)
    metric = ValidationMetric(validation, options.metric, model, progress)
    validation_dataset = nncf_dataset(list(range(len(validation))), validation.inputs)
    from nncf.quantization.advanced_parameters import AdvancedAccuracyRestorerParameters

    kwargs = options.nncf_kwargs()
    if "advanced_parameters" in kwargs:
        kwargs["advanced_quantization_parameters"] = kwargs.pop("advanced_parameters")
    capture = _ReportCapture()
    nncf_logger = logging.getLogger("nncf")
    nncf_logger.addHandler(capture)
    try:
        with nncf_output_to_stderr(), _watch_if_branches() as branches:
            quantized = nncf.quantize_with_accuracy_control(
                model,
                nncf_dataset(sample_order(source), transform),
                validation_dataset,
                validation_fn=metric,
                max_drop=options.max_drop,
                drop_type=nncf.DropType(options.drop_type),
                advanced_accuracy_restorer_parameters=AdvancedAccuracyRestorerParameters(
                    max_num_iterations=options.max_iterations,
                    ranking_subset_size=options.ranking_subset_size,
                    num_ranking_workers=1,  # parallel ranking compiles N models at once: memory, 2 cores
                ),
                **kwargs,
            )
    except (nncf.ValidationError, nncf.InternalError) as exc:
        raise _nncf_failure(exc, branches) from exc
    finally:
        nncf_logger.removeHandler(capture)
    return quantized, {"validation_runs": metric.passes, "nncf_log": capture.lines[-40:]}
