"""Which devices a benchmark can run on, and plain words about the precision a run used.

The devices themselves (present, virtual, absent, their ranges) are core/devices.py; this
module checks a device name a user typed and names the performance hints.
"""

from __future__ import annotations

from core.devices import VIRTUAL_DEVICES, device_ranges, physical_devices_of, present_devices, split_virtual
from core.errors import UserError
from core.precision import quantized_compute_seen, same_compute

# Hint names accepted by our settings and how OpenVINO spells them.
HINTS = {
    "latency": "LATENCY",
    "throughput": "THROUGHPUT",
    "cumulative_throughput": "CUMULATIVE_THROUGHPUT",
    "none": None,
}


def check_device(device: str) -> None:
    """Raise a UserError naming what is present when `device` cannot be used here."""
    present = present_devices()
    head, listed = split_virtual(device)
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


def precision_notes(variant_precision: str | None, inference_precision: str | None, device: str,
                    runtime_precisions: dict[str, int] | None = None,
                    capabilities: list[str] | None = None) -> list[str]:
    """Plain words when the IR's weight precision is not what the device computed in.

    Everything is read from what happened: the compiled model's compute precision (an FP16 IR
    computed in f32 or bf16, an FP32 IR computed in bf16), the runtime precisions of the executed
    layers (an INT8 IR without integer kernels), and the device's reported capabilities —
    `capabilities` as the machine that measured reported them (a remote target), else read here.
    """
    notes = []
    sentence = same_compute(variant_precision, inference_precision, device)
    if sentence:
        notes.append(sentence)
    if (variant_precision or "").upper() == "INT8":
        if capabilities is None:
            capabilities = [cap for name in physical_devices_of(device) for cap in device_ranges(name)["capabilities"]]
        capabilities = sorted(set(capabilities))
        if "INT8" not in capabilities:
            notes.append(f"{device} reports no INT8 capability ({', '.join(capabilities) or 'none'}): "
                         "quantized layers may run in float there.")
        elif runtime_precisions and not quantized_compute_seen(runtime_precisions):
            notes.append(f"No layer ran in an integer precision on {device}: this INT8 IR was computed in float.")
    return notes
