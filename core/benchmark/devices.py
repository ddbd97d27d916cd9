"""Which devices a benchmark can run on, what each offers, and why others are missing.

Users pick hardware from this list, so a device that is absent is listed with the reason
(no driver, no hardware) instead of silently left out.
"""

from __future__ import annotations

from typing import Any

from core.errors import UserError
from core.system_info import VIRTUAL_DEVICES, core_instance, device_info

KNOWN_PHYSICAL = ("CPU", "GPU", "NPU")
# Hint names accepted by our settings and how OpenVINO spells them.
HINTS = {
    "latency": "LATENCY",
    "throughput": "THROUGHPUT",
    "cumulative_throughput": "CUMULATIVE_THROUGHPUT",
    "none": None,
}
# Inference precision hint -> the OPTIMIZATION_CAPABILITIES entry a device must report for it.
PRECISION_CAPABILITY = {"f32": "FP32", "bf16": "BF16", "f16": "FP16"}


def present_devices() -> list[str]:
    return list(core_instance().available_devices)


def _split_virtual(device: str) -> tuple[str, list[str]]:
    """("AUTO", ["GPU", "CPU"]) for "AUTO:GPU,CPU"; ("CPU", []) for a physical device."""
    head, _, rest = device.partition(":")
    return head.upper(), [d.strip() for d in rest.split(",") if d.strip()]


def is_virtual(device: str) -> bool:
    return _split_virtual(device)[0] in VIRTUAL_DEVICES


def physical_devices_of(device: str) -> list[str]:
    """The hardware a device name occupies (for locking and validation)."""
    head, listed = _split_virtual(device)
    if head not in VIRTUAL_DEVICES:
        return [device]
    return listed or present_devices()


def check_device(device: str) -> None:
    """Raise a UserError naming what is present when `device` cannot be used here."""
    present = present_devices()
    head, listed = _split_virtual(device)
    if head in VIRTUAL_DEVICES:
        if head == "HETERO" and not listed:
            raise UserError(
                "HETERO needs its device list, e.g. HETERO:GPU,CPU.",
                f"Devices present here: {', '.join(present)}.",
            )
        missing = [d for d in listed if d not in present]
    else:
        missing = [device] if device not in present else []
    if missing:
        raise UserError(
            f"Device {', '.join(missing)} is not present on this machine.",
            f"OpenVINO found: {', '.join(present) or 'no device'}. A GPU or NPU needs its driver installed.",
        )


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


def precision_notes(variant_precision: str | None, inference_precision: str | None, device: str,
                    runtime_precisions: dict[str, int] | None = None) -> list[str]:
    """Plain words when the IR's weight precision is not what the device computed in.

    Everything is read from what happened: the compiled model's compute precision (an FP16 IR
    computed in f32 or bf16, an FP32 IR computed in bf16), the runtime precisions of the executed
    layers (an INT8 IR without integer kernels), and the device's reported capabilities.
    """
    from core.precision import quantized_compute_seen, same_compute

    notes = []
    sentence = same_compute(variant_precision, inference_precision, device)
    if sentence:
        notes.append(sentence)
    if (variant_precision or "").upper() == "INT8":
        capabilities = sorted({cap for name in physical_devices_of(device) for cap in device_ranges(name)["capabilities"]})
        if "INT8" not in capabilities:
            notes.append(f"{device} reports no INT8 capability ({', '.join(capabilities) or 'none'}): "
                         "quantized layers may run in float there.")
        elif runtime_precisions and not quantized_compute_seen(runtime_precisions):
            notes.append(f"No layer ran in an integer precision on {device}: this INT8 IR was computed in float.")
    return notes
