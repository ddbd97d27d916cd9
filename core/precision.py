"""Precision has two axes: what the IR's weights are stored in, and what the device computes in.

An "FP32" IR on a CPU whose default compute precision is bf16 is computed in bf16 unless told
otherwise; an FP16 IR is decompressed and computed in the device default too. A number labelled with the
weight precision alone credits the IR for what the device did on its own, so every result,
label, chart and report carries both axes, and every statement about the hardware is read
from what the device reports (never written down as a fact about "this CPU").

This module stands low: it imports nothing of core but the OpenVINO core instance, so every
feature (devices, benchmark, profile, compare, convert check, accuracy, pages) can use it.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable
from typing import Any

from core.ov_core import core_instance

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


def compiled_compute_precision(compiled: Any) -> str | None:
    """The compute precision a compiled model really uses, read back from it (not what was asked)."""
    try:
        return compute_precision(compiled.get_property("INFERENCE_PRECISION_HINT"))
    except Exception:  # a device (or virtual device) that does not answer this property
        return None


def compute_choices(device: str = "CPU", facts: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    """(value, words) pairs a form offers: the device default first, f32 explicit, then the others
    the device has natively. Value "default" means: do not set INFERENCE_PRECISION_HINT.
    `facts` ({"native", "default"}) as another machine reported them; default: read here."""
    facts = facts if facts is not None else device_compute(device)
    default = facts["default"]
    choices = [("default", f"device default ({default})" if default else "device default (not reported)")]
    offered = ["f32", *[p for p in facts["native"] if p != "f32"]]
    for precision in offered:
        words = precision + (" (exact)" if precision == "f32" else " (native)")
        if precision == default:
            words += " = the default"
        choices.append((precision, words))
    return choices


def same_compute(weights: str | None, compute: str | None, device: str | None = None) -> str | None:
    """A sentence when an IR's weight precision is not what it was computed in, or None.

    FP16 weights computed in f32 or bf16 (decompressed at compile time) run like an FP32 IR
    computed in that precision; FP32 weights computed in bf16/f16 are not FP32 numbers.
    """
    weight_text = weight_precision(weights)
    compute_text = compute_precision(compute)
    if not compute_text:
        return None
    where = f" on {device}" if device else ""
    if weight_text == "FP16" and compute_text != "f16":
        return (f"This FP16 IR ran in {compute_text}{where}: its weights are decompressed when the model is "
                f"compiled, so it runs like an FP32 IR computed in {compute_text}. Expect the speed of that; "
                "the gain of FP16 here is the smaller file.")
    if weight_text == "FP32" and compute_text != "f32":
        return (f"This FP32 IR ran in {compute_text}{where} (the device's choice, not the IR's): these are not "
                "f32 numbers. Run with compute precision f32 for an exact FP32 baseline.")
    return None


def ir_weight_precision(model: Any) -> str:
    """The weight precision of an IR read from the IR itself (for a file that is not a variant).

    FakeQuantize or integer weight constants -> INT8; otherwise the float type holding most
    weight bytes (FP32 / FP16 / BF16). Shape and index constants (i32/i64) do not count.
    """
    byte_counts: Counter[str] = Counter()
    for node in model.get_ordered_ops():
        kind = node.get_type_name()
        if kind == "FakeQuantize":
            return "INT8"
        if kind != "Constant":
            continue
        element = node.get_output_element_type(0).get_type_name()
        if element in ("i8", "u8", "i4", "u4", "nf4"):
            return "INT8" if element in ("i8", "u8") else "INT4"
        if element in ("f32", "f16", "bf16"):
            byte_counts[element] += int(node.get_byte_size())
    if not byte_counts:
        return "FP32"
    dominant = byte_counts.most_common(1)[0][0]
    return {"f32": "FP32", "f16": "FP16", "bf16": "BF16"}[dominant]
