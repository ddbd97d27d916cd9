"""What this machine offers: library versions, and the inference devices OpenVINO sees.

Users choose hardware from our numbers, so the home page and every stored result say which
CPU and which OpenVINO produced them.
"""

from __future__ import annotations

import functools
import platform
from importlib import metadata
from typing import Any

from core.commands import add_command

VIRTUAL_DEVICES = {
    "AUTO": "picks the best available device per model, starting on CPU while others compile",
    "MULTI": "runs requests on several devices at once (deprecated in favour of AUTO's cumulative throughput)",
    "HETERO": "splits one model across devices, op by op, by what each device supports",
    "BATCH": "automatic batching for devices that gain from large batches (GPU)",
}

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


def package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


@functools.lru_cache(maxsize=1)
def core_instance():  # type: ignore[no-untyped-def]
    """One ov.Core per process: creating it loads plugins (~100 ms)."""
    import openvino as ov

    return ov.Core()


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
    from core.precision import compute_summary, device_compute

    return {
        "device": device,
        "full_name": properties.get("FULL_DEVICE_NAME", device),
        "capabilities": properties.get("OPTIMIZATION_CAPABILITIES", []),
        "properties": properties,
        # native compute precisions and the default, as the device reports them (see core/precision.py)
        "compute": device_compute(device),
        "compute_summary": compute_summary(device),
    }


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_summary() -> dict[str, Any]:
    """Stored with every result, so last week's numbers can be compared with today's."""
    import os

    return {
        "host": platform.node(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "openvino": package_version("openvino"),
        "nncf": package_version("nncf"),
    }


def system_info() -> dict[str, Any]:
    core = core_instance()
    devices = [device_info(d) for d in core.available_devices]
    present = {d["device"].split(".")[0] for d in devices}
    return {
        "versions": {
            "openvino": package_version("openvino"),
            "nncf": package_version("nncf"),
            "onnx": package_version("onnx"),
            "onnxruntime": package_version("onnxruntime"),
            "streamlit": package_version("streamlit"),
            "dask": package_version("dask"),
            "torch": package_version("torch"),
            "python": platform.python_version(),
        },
        "machine": machine_summary(),
        "devices": devices,
        "virtual_devices": [
            {"device": name, "what": what, "usable": bool(present)} for name, what in VIRTUAL_DEVICES.items()
        ],
        "absent_devices": [
            {"device": name, "why": f"OpenVINO found no {name} on this machine (no driver or hardware)."}
            for name in ("GPU", "NPU")
            if name not in present
        ],
    }


def register(subparsers: Any) -> None:
    add_command(subparsers, "info", "versions and the inference devices of this machine", lambda _a: system_info())
