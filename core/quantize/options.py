"""Every NNCF setting a user can choose, as one JSON-able record (stored in the lineage).

Values are plain strings/numbers so a page, the CLI and a job all pass the same dict, and a
variant's params say exactly how it was made.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from core.datasets.preprocessing import require_choice
from core.errors import UserError

PRESETS = ("performance", "mixed")
MODEL_TYPES = ("", "transformer")
TARGET_DEVICES = ("ANY", "CPU", "GPU", "NPU", "CPU_SPR")
METRICS = ("top1", "agreement")
DROP_TYPES = ("absolute", "relative")
WEIGHT_MODES = ("int8", "int8_sym", "int4", "int4_asym")
DEFAULT_SUBSET_SIZE = 300


@dataclass
class QuantizeOptions:
    """nncf.quantize (and quantize_with_accuracy_control) settings."""

    subset_size: int = DEFAULT_SUBSET_SIZE
    preset: str = "performance"
    model_type: str = ""
    fast_bias_correction: bool = True
    target_device: str = "ANY"
    ignored_names: list[str] = field(default_factory=list)
    ignored_types: list[str] = field(default_factory=list)
    smooth_quant_alpha: float | None = None  # MatMul alpha for transformers; -1 switches SmoothQuant off
    # accuracy control
    accuracy_aware: bool = False
    max_drop: float = 0.01
    drop_type: str = "absolute"
    metric: str = "top1"
    max_iterations: int = 50
    ranking_subset_size: int | None = None  # samples used to rank layers by harm (default: NNCF's)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> QuantizeOptions:
        known = {f.name for f in fields(cls)}
        unknown = set(data or {}) - known
        if unknown:
            raise UserError(f"Unknown quantization option(s): {', '.join(sorted(unknown))}.")
        options = cls(**(data or {}))
        options.check()
        return options

    def check(self) -> None:
        if self.subset_size < 1:
            raise UserError(f"The subset size must be positive, not {self.subset_size}.")
        require_choice(self.preset, PRESETS, "preset")
        require_choice(self.model_type, MODEL_TYPES, "model type")
        require_choice(self.target_device, TARGET_DEVICES, "target device")
        require_choice(self.metric, METRICS, "metric")
        require_choice(self.drop_type, DROP_TYPES, "drop type")
        if not 0 <= self.max_drop < 1:
            raise UserError(f"The maximal accuracy drop {self.max_drop} must be between 0 and 1 (0.01 = 1 point).")
        if self.smooth_quant_alpha is not None and not (self.smooth_quant_alpha == -1 or 0 <= self.smooth_quant_alpha <= 1):
            raise UserError(f"SmoothQuant alpha {self.smooth_quant_alpha} must be in 0..1, or -1 to switch it off.")

    def nncf_kwargs(self) -> dict[str, Any]:
        """Keyword arguments shared by nncf.quantize and nncf.quantize_with_accuracy_control."""
        import nncf
        from nncf.quantization.advanced_parameters import AdvancedQuantizationParameters, AdvancedSmoothQuantParameters

        kwargs: dict[str, Any] = {
            "subset_size": self.subset_size,
            "preset": nncf.QuantizationPreset(self.preset),
            "target_device": nncf.TargetDevice[self.target_device],
            "fast_bias_correction": self.fast_bias_correction,
        }
        if self.model_type:
            kwargs["model_type"] = nncf.ModelType(self.model_type)
        if self.ignored_names or self.ignored_types:
            kwargs["ignored_scope"] = nncf.IgnoredScope(names=list(self.ignored_names), types=list(self.ignored_types))
        if self.smooth_quant_alpha is not None:
            kwargs["advanced_parameters"] = AdvancedQuantizationParameters(
                smooth_quant_alphas=AdvancedSmoothQuantParameters(matmul=self.smooth_quant_alpha)
            )
        return kwargs


def split_names(text: str | None) -> list[str]:
    """'a,b , c' from a CLI flag into ['a', 'b', 'c']."""
    return [part.strip() for part in (text or "").split(",") if part.strip()]
