"""What this machine offers: library versions, the machine, and the inference devices OpenVINO sees.

Users choose hardware from our numbers, so the home page and every stored result say which
CPU and which OpenVINO produced them.
"""

from __future__ import annotations

import os
import platform
from importlib import metadata
from typing import Any

from core.commands import add_command
from core.config import get_settings, masked_url
from core.devices import devices_overview


def package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


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
    return {
        "host": platform.node(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "openvino": package_version("openvino"),
        "nncf": package_version("nncf"),
    }


def store_summary() -> dict[str, str]:
    """Where this app keeps its state, as a person may read it: the password masked."""
    settings = get_settings()
    kind = settings.database_url.split(":", 1)[0].split("+", 1)[0]
    return {"workspace": str(settings.workspace), "database": masked_url(settings.database_url), "kind": kind}


def system_info() -> dict[str, Any]:
    """Versions, the machine, and the device overview (core/devices.py) under the keys `info` prints."""
    overview = devices_overview()
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
        "store": store_summary(),
        "devices": overview["devices"],
        "virtual_devices": overview["virtual"],
        "absent_devices": overview["absent"],
    }


def register(subparsers: Any) -> None:
    add_command(subparsers, "info", "versions and the inference devices of this machine", lambda _a: system_info())
