"""Precision has two axes: what the IR's weights are stored in, and what the device computes in.

An "FP32" IR on a CPU with AVX-512 BF16 or AMX is computed in bf16 unless told otherwise; an
FP16 IR is decompressed and computed in the device default too. A number labelled with the
weight precision alone credits the IR for what the device did on its own, so every result,
label, chart and report carries both axes, and every statement about the hardware is read
from what the device reports (never written down as a fact about "this CPU").

This module is a floor: it imports nothing of core but the OpenVINO core instance, so every
feature (benchmark, profile, compare, convert check, accuracy, pages) can use it.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable
from typing import Any

# Short names of compute (element) types, as OpenVINO's Type.get_type_name() spells them.
_COMPUTE_ALIASES = {
    "bfloat16": "bf16",
    "bf16": "bf16",
    "float16": "f16",
    "f16": "f16",
    "fp16": "f16",
    "float32": "f32",
    "f32": "f32",
    "fp32": "f32",
    "float64": "f64",
    "f64": "f64",
}
# OPTIMIZATION_CAPABILITIES entry -> the compute precision it makes native.
CAPABILITY_COMPUTE = {"FP32": "f32", "BF16": "bf16", "FP16": "f16"}
# Compute precisions in the order they are offered (the exact one first).
COMPUTE_ORDER = ("f32", "bf16", "f16")
# Runtime precisions of integer kernels (quantized compute), as the runtime model reports them.
INTEGER_KERNEL_PRECISIONS = {"u8", "i8", "u4", "i4"}


def compute_precision(value: Any) -> str | None:
    """'f32' / 'bf16' / 'f16' from any spelling: an ov.Type, "<Type: 'bfloat16'>", "BF16", "f32".

    None for "not known" (None, "", "None"), so a missing reading is never shown as a value.
    """
    if value is None:
        return None
    if hasattr(value, "get_type_name"):
        value = value.get_type_name()
    text = str(value).strip().lower()
    if text in ("", "none", "undefined", "dynamic"):
        return None
    if text.startswith("<type:"):
        text = text.split(":", 1)[1].strip(" '>\"")
    return _COMPUTE_ALIASES.get(text, text)


def weight_precision(value: str | None) -> str:
    """The IR's weight precision as stored on a variant (FP32 / FP16 / INT8 / INT4 ...), upper case."""
    return (value or "?").upper()


def precision_label(weights: str | None, compute: str | None) -> str:
    """The words every number is shown with, e.g. "FP32 weights · bf16 compute"."""
    compute_text = compute_precision(compute)
    text = f"{weight_precision(weights)} weights"
    return f"{text} · {compute_text} compute" if compute_text else f"{text} · compute not recorded"


def precision_key(weights: str | None, compute: str | None) -> str:
    """A short axis value for tables, legends and grouping, e.g. "FP32·bf16"."""
    compute_text = compute_precision(compute) or "?"
    return f"{weight_precision(weights)}·{compute_text}"


@functools.lru_cache(maxsize=16)
def _device_properties(device: str) -> tuple[tuple[str, ...], str | None]:
    from core.system_info import core_instance

    core = core_instance()
    try:
        capabilities = tuple(str(c) for c in core.get_property(device, "OPTIMIZATION_CAPABILITIES"))
    except Exception:  # a virtual or absent device has none
        capabilities = ()
    try:
        default = compute_precision(core.get_property(device, "INFERENCE_PRECISION_HINT"))
    except Exception:
        default = None
    return capabilities, default


def device_compute(device: str = "CPU") -> dict[str, Any]:
    """Which compute precisions `device` has natively and which one it uses by default.

    Read from the device's own OPTIMIZATION_CAPABILITIES and INFERENCE_PRECISION_HINT: a CPU
    with BF16 in its capabilities defaults to bf16, one without to f32 — but we only ever say
    what the device reports.
    """
    capabilities, default = _device_properties(device)
    native = [CAPABILITY_COMPUTE[c] for c in capabilities if c in CAPABILITY_COMPUTE]
    native.sort(key=lambda p: COMPUTE_ORDER.index(p) if p in COMPUTE_ORDER else len(COMPUTE_ORDER))
    return {
        "device": device,
        "default": default,
        "native": native,
        "int8": "INT8" in capabilities,
        "capabilities": list(capabilities),
        "default_is_reduced": default not in (None, "f32"),
    }


def compute_summary(device: str = "CPU") -> str:
    """One sentence for a device card: native compute precisions and the default, as reported."""
    facts = device_compute(device)
    native = ", ".join(facts["native"]) or "none reported"
    default = facts["default"] or "not reported"
    text = f"{device} computes natively in {native}; its default compute precision is {default}"
    if facts["default_is_reduced"]:
        text += (f" — so an FP32 IR runs in {default} unless f32 is asked for "
                 "(INFERENCE_PRECISION_HINT=f32)")
    return text + "."


def runtime_precision_counts(precisions: Iterable[str | None]) -> dict[str, int]:
    """Executed layers per runtime precision ({"f32": 215, "bf16": 56, "i32": 54}), most first."""
    counts = Counter(p.lower() for p in precisions if p and p.lower() not in ("", "undefined", "unspecified"))
    return dict(counts.most_common())


def runtime_precisions_of(compiled: Any) -> dict[str, int]:
    """Runtime precisions of the executed graph of a compiled model (no profile run needed)."""
    values = []
    for op in compiled.get_runtime_model().get_ops():
        info = op.get_rt_info()
        if "runtimePrecision" in info:
            values.append(info["runtimePrecision"].astype(str))
    return runtime_precision_counts(values)


def quantized_compute_seen(counts: dict[str, int]) -> bool:
    """Did any executed layer compute in an integer precision (i.e. INT8 kernels really ran)?"""
    return any(p in INTEGER_KERNEL_PRECISIONS for p in counts)
