"""The requests of the Optimize precision feature: INT8 quantization (plain or with accuracy
control) and FP16 / weight-only compression.

Each request adds to its options (core/quantize/options.py) what the page picked or the CLI was
given (variant or file, dataset, preprocessing), `check()` (the engine's preparation: model and
data read, in a second) and the job it becomes (core/requests.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.datasets.feeding import open_source
from core.datasets.preprocessing import PreprocessSpec
from core.errors import UserError
from core.ov_core import read_model
from core.quantize.options import (
    DEFAULT_ACCURACY_SAMPLES,
    NNCF_OPTIONS,
    WEIGHT_MODES,
    CompressMode,
    DropType,
    Metric,
    ModelType,
    Preset,
    QuantizeOptions,
    TargetDevice,
)
from core.quantize.pipeline import prepare_quantization
from core.requests import JobSpec, Request, option
from core.variants import get_variant, variant_xml

QUANTIZE_ENTRYPOINT = "core.quantize.jobs:quantize_job"
COMPRESS_ENTRYPOINT = "core.quantize.jobs:compress_job"
__all__ = ["DEFAULT_ACCURACY_SAMPLES", "NNCF_OPTIONS", "WEIGHT_MODES", "CompressMode", "CompressRequest", "DropType",
           "Metric", "ModelType", "Preset", "QuantizeOptions", "QuantizeRequest", "TargetDevice"]


def _job_target(what: str, variant_id: int) -> str:
    """How the jobs list names the work: method, then model · variant · precision · #id."""
    variant = get_variant(variant_id)
    model = variant.model.name if variant.model else f"model {variant.model_id}"
    return f"{what} · {model} · {variant.name} · {variant.precision} · #{variant.id}"[:200]


def _model_xml(variant_id: int | None, model_path: str | None) -> Path:
    if variant_id is not None:
        return variant_xml(get_variant(variant_id))
    if model_path is None:
        raise UserError("No model to optimize.", "Pick a variant, or give the IR .xml on the command line.")
    return Path(model_path)


@dataclass(kw_only=True)
class QuantizeRequest(QuantizeOptions):
    """nncf.quantize (and quantize_with_accuracy_control) of a variant or an IR file."""

    KIND = "quantize"
    ENTRYPOINT = QUANTIZE_ENTRYPOINT

    # --- context: what the page picked / the CLI's positionals ---
    variant_id: int | None = None  # the workspace variant to quantize (page, job) ...
    model_path: str | None = None  # ... or an IR file (CLI)
    dataset_id: int | None = None  # None: random data (warned)
    validation_dataset_id: int | None = None
    preprocessing: dict[str, Any] | None = None
    measure_accuracy: bool = True
    accuracy_samples: int = DEFAULT_ACCURACY_SAMPLES

    def model_xml(self) -> Path:
        return _model_xml(self.variant_id, self.model_path)

    def check(self) -> list[str]:
        """Every check that can fail in a second: options, model, data against the model.
        Returns the warnings the user should read before the job runs (random data, few samples)."""
        self.check_options()
        *_, warnings = prepare_quantization(self.model_xml(), self.dataset_id, self, self.preprocessing,
                                            self.validation_dataset_id)
        return warnings

    def method_label(self) -> str:
        return "INT8 accuracy-aware" if self.accuracy_aware else "INT8"

    def job(self) -> JobSpec:
        if self.variant_id is None:
            raise UserError("A quantize job needs a workspace variant.", "Pick a variant to quantize.")
        return JobSpec(kind=self.KIND, entrypoint=self.ENTRYPOINT, params=self.to_params(), variant_id=self.variant_id,
                       target=_job_target(self.method_label(), self.variant_id))


@dataclass(kw_only=True)
class CompressRequest(Request):
    """FP16 weights, or NNCF weight-only INT8/INT4 compression; accuracy against the parent when a
    dataset is given."""

    KIND = "compress"
    ENTRYPOINT = COMPRESS_ENTRYPOINT

    variant_id: int | None = None
    model_path: str | None = None
    dataset_id: int | None = None  # optional: measure agreement with the original
    preprocessing: dict[str, Any] | None = None

    mode: CompressMode = option(CompressMode.FP16, label="Mode",
                                help="fp16: half-precision weights; int8/int8_sym/int4/int4_asym: NNCF weight-only "
                                     "compression (asymmetric unless _sym; int4 is symmetric unless _asym)")
    ratio: float = option(1.0, label="Share of layers in INT4 (rest INT8)", minimum=0.1, maximum=1.0, step=0.05,
                          help="INT4: share of the weighted layers in INT4, the rest in INT8")
    group_size: int = option(128, label="Group size", minimum=-1,
                             help="INT4: weights per quantization group (e.g. 32, 64, 128); -1 = per channel")

    INT4_OPTIONS = ("ratio", "group_size")  # read only by the INT4 modes

    @property
    def int4(self) -> bool:
        return str(self.mode).startswith("int4")

    def check(self) -> list[str]:
        super().check()
        if self.int4 and (self.group_size == 0 or self.group_size < -1):
            raise UserError(f"The group size {self.group_size} must be positive, or -1 for per-channel groups.")
        if self.dataset_id is not None:
            spec = PreprocessSpec.from_dict(self.preprocessing) if self.preprocessing else None
            open_source(self.dataset_id, read_model(self.model_xml()), spec, purpose="accuracy")
        return []

    def model_xml(self) -> Path:
        return _model_xml(self.variant_id, self.model_path)

    def name(self) -> str:
        return "FP16" if self.mode is CompressMode.FP16 else f"{str(self.mode).upper()} weights"

    def job(self) -> JobSpec:
        if self.variant_id is None:
            raise UserError("A compress job needs a workspace variant.", "Pick a variant to compress.")
        return JobSpec(kind=self.KIND, entrypoint=self.ENTRYPOINT, params=self.to_params(), variant_id=self.variant_id,
                       target=_job_target(self.name(), self.variant_id))
