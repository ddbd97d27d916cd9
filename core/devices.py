"""The inference devices of this machine: what each offers, the virtual ones, and why others are missing.

Users choose hardware from this overview (the home page, the benchmark form, `python -m core
info`), so a device that is absent is listed with the reason (no driver, no hardware) instead
of silently left out, and every fact is read from what the device reports.
"""

from __future__ import annotations

from typing import Any

from core.ov_core import core_instance
from core.precision import compute_summary, device_compute

VIRTUAL_DEVICES = {
    "AUTO": "picks the best available device per model, starting on CPU while others compile",
    "MULTI": "runs requests on several devices at once (deprecated in favour of AUTO's cumulative throughput)",
    "HETERO": "splits one model across devices, op by op, by what each device supports",
    "BATCH": "automatic batching for devices that gain from large batches (GPU)",
}
KNOWN_PHYSICAL = ("CPU", "GPU", "NPU")
# Inference precision hint -> the OPTIMIZATION_CAPABILITIES entry a device must report for it.
PRECISION_CAPABILITY = {"f32": "FP32", "bf16": "BF16", "f16": "FP16"}

# Properties worth showing; each device answers only some of them.
DEVICE_PROPERTIES = [
    "FULL_DEVICE_NAME",
    "DEVICE_TYPE",
    "DEVICE_ARCHITECTURE",
    "OPTIMIZATION_CAPABILITIES",
    "RANGE_FOR_STREAMS",
    "RANGE_FOR_ASYNC_INFER_REQUESTS",
    "OPTIMAL_NUMBER_OF_INFER_REQUESTS",
    "INFERENCE_NUM_THREADS",
    "NUM_STREAMS",
    "INFERENCE_PRECISION_HINT",
    "PERFORMANCE_HINT",
    "EXECUTION_DEVICES",
]


def _plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


def range_text(label: str, values: Any) -> str:
    """A device range property as a person reads it: "Streams: 1–8", "Async requests: 1",
    "Requests: 2–16 (step 2)". OpenVINO reports (low, high[, step]); printing (1, 1, 1) verbatim
    read "Async requests: 1–1 (step 1)"."""
    low, high, *rest = [*values, *[values[-1]] * (2 - len(values))] if values else [0, 0]
    step = rest[0] if rest else 1
    if low == high:
        return f"{label}: {low}"
    return f"{label}: {low}–{high}" + (f" (step {step})" if step not in (0, 1) else "")


def device_info(device: str) -> dict[str, Any]:
    core = core_instance()
    properties: dict[str, Any] = {}
    supported = set(core.get_property(device, "SUPPORTED_PROPERTIES"))
    for name in DEVICE_PROPERTIES:
        if name in supported:
            try:
                properties[name] = _plain(core.get_property(device, name))
            except Exception:  # some properties raise on some plugins; skip, don't fail the page
                continue
    return {
        "device": device,
        "full_name": properties.get("FULL_DEVICE_NAME", device),
        "capabilities": properties.get("OPTIMIZATION_CAPABILITIES", []),
        "properties": properties,
        # native compute precisions and the default, as the device reports them (see core/precision.py)
        "compute": device_compute(device),
        "compute_summary": compute_summary(device),
    }


def present_devices() -> list[str]:
    return list(core_instance().available_devices)


def split_virtual(device: str) -> tuple[str, list[str]]:
    """("AUTO", ["GPU", "CPU"]) for "AUTO:GPU,CPU"; ("CPU", []) for a physical device."""
    head, _, rest = device.partition(":")
    return head.upper(), [d.strip() for d in rest.split(",") if d.strip()]


def physical_devices_of(device: str) -> list[str]:
    """The hardware a device name occupies (for locking and validation)."""
    head, listed = split_virtual(device)
    if head not in VIRTUAL_DEVICES:
        return [device]
    return listed or present_devices()


def device_ranges(device: str) -> dict[str, Any]:
    """Streams range, request range and precisions of a physical device (from its properties)."""
    info = device_info(device)
    props = info["properties"]
    return {
        "streams": tuple(props["RANGE_FOR_STREAMS"]) if "RANGE_FOR_STREAMS" in props else None,
        "requests": tuple(props["RANGE_FOR_ASYNC_INFER_REQUESTS"]) if "RANGE_FOR_ASYNC_INFER_REQUESTS" in props else None,
        "capabilities": list(info.get("capabilities") or []),
        "supports_precision_hint": "INFERENCE_PRECISION_HINT" in props,
    }


def supported_precisions(device: str) -> list[str]:
    """Inference precision hints the device can honour (f32 always when it reports FP32)."""
    caps = set(device_ranges(device)["capabilities"])
    return [hint for hint, cap in PRECISION_CAPABILITY.items() if cap in caps]


def _virtual_properties(name: str) -> dict[str, Any]:
    try:
        return device_info(name)["properties"]
    except Exception:  # a virtual plugin missing from this build: the entry says so without them
        return {}


def devices_overview() -> dict[str, Any]:
    """Present devices with their properties, the virtual devices, and what is absent and why."""
    present = present_devices()
    devices = []
    for name in present:
        info = device_info(name)
        info["precisions"] = supported_precisions(name)
        devices.append(info)
    present_types = {name.split(".")[0] for name in present}
    virtual = []
    for name, what in VIRTUAL_DEVICES.items():
        entry = {"device": name, "what": what, "usable": True, "why": "", "properties": _virtual_properties(name)}
        if name == "BATCH":
            entry["usable"] = "GPU" in present_types
            entry["why"] = "" if entry["usable"] else "automatic batching only helps a GPU; there is none here."
        elif name in ("MULTI", "HETERO") and len(present) < 2:
            entry["why"] = f"with only {present[0] if present else 'no device'} present it runs like that device alone."
        virtual.append(entry)
    virtual.append(
        {
            "device": "AUTO (cumulative throughput)",
            "what": "AUTO with the cumulative_throughput hint: every device at once, requests spread over them",
            "usable": True,
            "why": "" if len(present) > 1 else "with one device it equals that device's throughput mode.",
        }
    )
    absent = [
        {
            "device": name,
            "why": f"OpenVINO found no {name} here: no such hardware, or its driver/plugin is not installed.",
        }
        for name in KNOWN_PHYSICAL
        if name not in present_types
    ]
    return {"devices": devices, "virtual": virtual, "absent": absent}
