"""Data-free precision changes: FP16 weights, and NNCF weight-only INT8/INT4 compression.

FP16 halves the weight file; how the model then *computes* is the device's business: a device
without native f16 compute converts the weights at load time and computes in its default
precision (f32 on some CPUs, bf16 on others) — what the device reports, never assumed here.
How a model runs is the inference precision hint, chosen when benchmarking.
Weight-only compression is for large models (LLMs): weights shrink, activations stay float.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.errors import UserError
from core.precision import device_compute
from core.quantize.calibration import nncf_output_to_stderr

def fp16_runtime_note(device: str = "CPU") -> str:
    """What FP16 weights mean at run time on `device`, from its reported compute precisions."""
    facts = device_compute(device)
    default = facts["default"] or "its default precision (not reported)"
    native = ", ".join(facts["native"]) or "none reported"
    if "f16" in facts["native"]:
        how = f"{device} reports native f16 compute (native: {native}) and computes in {default} by default"
    else:
        how = (f"{device} reports no native f16 compute (native: {native}), so the runtime converts the weights "
               f"back at load time and computes in its default precision, {default}")
    return (
        f"FP16 stores weights in half precision (about half the file size). {how}: speed and accuracy are those "
        f"of the FP32 IR computed in {default}. The precision used at run time is the inference precision hint "
        "(f32/bf16/f16), set on the Benchmark page."
    )

_NNCF_MODES = {"int8": "INT8_ASYM", "int8_sym": "INT8_SYM", "int4": "INT4_SYM", "int4_asym": "INT4_ASYM"}


def save_ir(model: Any, xml_path: Path, compress_to_fp16: bool = False) -> None:
    """Write xml+bin; NNCF output is saved as is (compress_to_fp16=False keeps FP32 scales)."""
    import openvino as ov

    xml_path.parent.mkdir(parents=True, exist_ok=True)
    ov.save_model(model, str(xml_path), compress_to_fp16=compress_to_fp16)


def compress_weights(model: Any, mode: str, ratio: float | None = None, group_size: int | None = None) -> Any:
    """nncf.compress_weights; INT4 keeps `1-ratio` of layers in INT8 and uses groups of weights."""
    import nncf

    if mode not in _NNCF_MODES:
        raise UserError(f"Unknown weight compression mode {mode!r}.", "Use int8, int8_sym, int4 or int4_asym.")
    kwargs: dict[str, Any] = {"mode": nncf.CompressWeightsMode[_NNCF_MODES[mode]]}
    if mode.startswith("int4"):
        if ratio is not None:
            if not 0 < ratio <= 1:
                raise UserError(f"The INT4 ratio {ratio} must be in (0, 1].")
            kwargs["ratio"] = ratio
        if group_size is not None:
            kwargs["group_size"] = group_size
    try:
        with nncf_output_to_stderr():
            return nncf.compress_weights(model, **kwargs)
    except (nncf.ValidationError, nncf.InternalError, nncf.UnsupportedModelError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        hint = "Try a group size that divides the layers' input channels (e.g. 32 or 64), or INT8." \
            if mode.startswith("int4") else None
        raise UserError(f"NNCF could not compress the weights: {message}", hint) from exc
