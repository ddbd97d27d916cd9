"""The NNCF options of INT8 quantization, declared once (label, help, default, bounds, choices),
and the choices of weight compression.

Why a module of its own: the engine (pipeline.py, ptq.py) reads these options and nothing else
of a request, while the request (requests.py) checks a model and data by running the engine's
preparation — so the options sit a floor below both, and no import runs back up.
`QuantizeOptions` is the record NNCF reads (`nncf_kwargs`) and the lineage stores (`options_dict`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from core.errors import UserError
from core.requests import Request, option

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


@dataclass(kw_only=True)
class QuantizeOptions(Request):
    """What nncf.quantize (and quantize_with_accuracy_control) is asked, whatever the model."""

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
