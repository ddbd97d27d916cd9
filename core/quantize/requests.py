"""The requests of the Optimize precision feature: INT8 quantization (plain or with accuracy
control) and FP16 / weight-only compression.

Each option is declared once here (label, help, default, bounds, choices): the Optimize page
builds its widgets from it, `python -m core quantize|compress` its flags, and the job rebuilds
the same request from its params (core/requests.py). `QuantizeRequest` is also the record NNCF
reads (`nncf_kwargs`) and the lineage stores (`options_dict`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from core.accuracy.evaluate import read_model
from core.datasets.feeding import open_source
from core.datasets.preprocessing import PreprocessSpec
from core.errors import UserError
from core.requests import JobSpec, Request, option
from core.variants import get_variant, variant_xml

QUANTIZE_ENTRYPOINT = "core.quantize.jobs:quantize_job"
COMPRESS_ENTRYPOINT = "core.quantize.jobs:compress_job"
DEFAULT_SUBSET_SIZE = 300
DEFAULT_ACCURACY_SAMPLES = 300


class Preset(StrEnum):
    PERFORMANCE = "performance"
    MIXED = "mixed"


class ModelType(StrEnum):
    TRANSFORMER = "transformer"


class TargetDevice(StrEnum):
    ANY = "ANY"
    CPU = "CPU"
    GPU = "GPU"
    NPU = "NPU"
    CPU_SPR = "CPU_SPR"


class Metric(StrEnum):
    TOP1 = "top1"
    AGREEMENT = "agreement"


class DropType(StrEnum):
    ABSOLUTE = "absolute"
    RELATIVE = "relative"


class CompressMode(StrEnum):
    FP16 = "fp16"
    INT8 = "int8"
    INT8_SYM = "int8_sym"
    INT4 = "int4"
    INT4_ASYM = "int4_asym"


WEIGHT_MODES = tuple(m for m in CompressMode if m is not CompressMode.FP16)  # NNCF weight-only modes

# The lineage's "options" record: what NNCF was asked (its keys are those of the variants made so far).
NNCF_OPTIONS = ("subset_size", "preset", "model_type", "fast_bias_correction", "target_device", "ignored_names",
                "ignored_types", "smooth_quant_alpha", "accuracy_aware", "max_drop", "drop_type", "metric",
                "max_iterations", "ranking_subset_size")


def _names(values: list[str] | None) -> list[str]:
    """Layer names/types as a list; `MatMul,Add` (the CLI's comma form) splits into two."""
    return [part.strip() for value in values or [] for part in str(value).split(",") if part.strip()]


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
class QuantizeRequest(Request):
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
    ranking_subset_size: int | None = None  # samples used to rank layers by harm (default: NNCF's)

    # --- options: the page's widgets and the CLI's flags ---
    subset_size: int = option(DEFAULT_SUBSET_SIZE, label="Subset size", minimum=1, maximum=100_000,
                              help="Calibration samples NNCF reads (it takes all when the dataset is smaller)")
    preset: Preset = option(Preset.PERFORMANCE, label="Preset",
                            help="performance: symmetric weights and activations; mixed: asymmetric activations "
                                 "(better for activations that are not centred, e.g. after GELU)")
    model_type: ModelType | None = option(None, label="Model type",
                                          help="transformer adds patterns that keep attention accurate "
                                               "(default: a generic model, e.g. a CNN)")
    target_device: TargetDevice = option(TargetDevice.ANY, label="Target device",
                                         help="The device NNCF tunes the quantization scheme for")
    fast_bias_correction: bool = option(True, label="Fast bias correction",
                                        help="Off: the slower bias correction, often a little more accurate")
    ignored_types: list[str] = option(default_factory=list, label="Keep these layer types in float (ignored scope)",
                                      help="Layer types left in floating point, e.g. MatMul,Add")
    ignored_names: list[str] = option(default_factory=list, label="Keep these layers in float (ignored scope)",
                                      help="Convolutions and MatMuls of this model, in graph order")
    smooth_quant_alpha: float | None = option(None, label="SmoothQuant alpha (MatMul)", minimum=-1.0, maximum=1.0,
                                              step=0.05,
                                              help="How much of the activation outliers moves into the weights "
                                                   "before quantizing (transformers; -1 switches SmoothQuant off)")
    # The page's Method radio ("INT8 with accuracy control") sets this one.
    accuracy_aware: bool = option(False, label="Accuracy control", page=False,
                                  help="nncf.quantize_with_accuracy_control: layers go back to float until the "
                                       "metric drops at most the maximal drop")
    metric: Metric = option(Metric.TOP1, label="Metric",
                            help="top1 needs labels; agreement compares the top-1 class with the FP32 model")
    max_drop: float = option(0.01, label="Maximal drop", minimum=0.0, maximum=0.99, step=0.005,
                             help="0.01 = one percentage point (absolute)")
    drop_type: DropType = option(DropType.ABSOLUTE, label="Drop type",
                                 help="absolute: points of the metric; relative: a share of the FP32 value")
    max_iterations: int = option(50, label="Max iterations", minimum=1, maximum=500,
                                 help="Layers are reverted to float one group per iteration")

    ACCURACY_OPTIONS = ("metric", "max_drop", "drop_type", "max_iterations")  # shown with accuracy control only

    def __post_init__(self) -> None:
        if self.model_type == "":  # the lineage of earlier variants wrote "generic" as ""
            self.model_type = None
        self.ignored_names = _names(self.ignored_names)
        self.ignored_types = _names(self.ignored_types)
        super().__post_init__()

    # --- what NNCF and the lineage read ----------------------------------------------------
    def options_dict(self) -> dict[str, Any]:
        """The NNCF options alone (the variant's lineage "options")."""
        params = self.to_params()
        params["model_type"] = params["model_type"] or ""  # as variants made so far record "generic"
        return {key: params[key] for key in NNCF_OPTIONS}

    def nncf_kwargs(self) -> dict[str, Any]:
        """Keyword arguments shared by nncf.quantize and nncf.quantize_with_accuracy_control."""
        import nncf
        from nncf.quantization.advanced_parameters import AdvancedQuantizationParameters, AdvancedSmoothQuantParameters

        kwargs: dict[str, Any] = {
            "subset_size": self.subset_size,
            "preset": nncf.QuantizationPreset(str(self.preset)),
            "target_device": nncf.TargetDevice[str(self.target_device)],
            "fast_bias_correction": self.fast_bias_correction,
        }
        if self.model_type is not None:
            kwargs["model_type"] = nncf.ModelType(str(self.model_type))
        if self.ignored_names or self.ignored_types:
            kwargs["ignored_scope"] = nncf.IgnoredScope(names=list(self.ignored_names), types=list(self.ignored_types))
        if self.smooth_quant_alpha is not None:
            kwargs["advanced_parameters"] = AdvancedQuantizationParameters(
                smooth_quant_alphas=AdvancedSmoothQuantParameters(matmul=self.smooth_quant_alpha)
            )
        return kwargs

    # --- the shape ----------------------------------------------------------------------------
    def check_options(self) -> None:
        """The options alone (no model, no data): bounds and the rules between them."""
        super().check()
        if not 0 <= self.max_drop < 1:
            raise UserError(f"The maximal accuracy drop {self.max_drop} must be between 0 and 1 (0.01 = 1 point).")
        if self.smooth_quant_alpha is not None and not (self.smooth_quant_alpha == -1 or 0 <= self.smooth_quant_alpha <= 1):
            raise UserError(f"SmoothQuant alpha {self.smooth_quant_alpha} must be in 0..1, or -1 to switch it off.")

    def model_xml(self) -> Path:
        return _model_xml(self.variant_id, self.model_path)

    def check(self) -> list[str]:
        """Every check that can fail in a second: options, model, data against the model.
        Returns the warnings the user should read before the job runs (random data, few samples)."""
        from core.quantize.pipeline import prepare_quantization  # it imports this module (the request's types)

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
