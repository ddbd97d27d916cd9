"""The Targets page's words for each machine: one table row, its vector ISA flags, its devices.

Kept out of the page so the CLI and tests read the same summary. Every value here comes from
the host's own report (core/targets/on_target.host_report): the page shows it as text.
"""

from __future__ import annotations

import re
from typing import Any

# Flag families of /proc/cpuinfo that decide which inference kernels a CPU can run (x86 SIMD and
# matrix extensions, Arm's). Only a filter for display: what a host has is read from the host.
SIMD_FLAG = re.compile(r"^(sse4_\d|avx\w*|amx\w*|fma\w*|f16c|asimd\w*|sve\w*|neon|bf16|i8mm)$")
STATE_WORDS = {"online": "online", "busy": "busy (measuring)", "lost": "lost"}


def simd_flags(flags: list[str] | None) -> list[str]:
    """The SIMD / matrix ISA flags among a host's CPU flags, in the host's order."""
    return [flag for flag in flags or [] if SIMD_FLAG.match(flag)]


def when_text(target: dict[str, Any]) -> str:
    """"this machine", "lost at 2026-12-04 21:30:02", "seen 2026-12-04 21:31:10" (database clock, UTC)."""
    if target["name"] == "local":
        return "this machine"
    if target["state"] == "lost":
        return f"lost at {target['lost_at']} UTC" if target.get("lost_at") else "not connected (app not listening)"
    return f"seen {target['last_seen']} UTC" if target.get("last_seen") else ""


def memory_text(memory_mb: Any) -> str:
    return f"{memory_mb / 1024:.1f} GB" if isinstance(memory_mb, (int, float)) and memory_mb else "?"


def table_row(target: dict[str, Any]) -> dict[str, Any]:
    """One row of the Targets table (plain values; the page shows them in a dataframe)."""
    info = target.get("info") or {}
    machine = info.get("machine") or {}
    usable, logical = info.get("usable_cpus"), machine.get("cpu_count")
    cores = f"{usable}" if usable == logical or logical is None else f"{usable} of {logical}"
    return {
        "Name": target["name"],
        "State": STATE_WORDS.get(target["state"], target["state"]),
        "Last seen": when_text(target),
        "CPU": machine.get("cpu") or "?",
        "Cores": cores if usable is not None else "?",
        "Memory": memory_text(info.get("memory_mb")),
        "OpenVINO": machine.get("openvino") or "?",
        "Devices": ", ".join(str(d) for d in target.get("devices") or []) or "none reported",
        "SIMD flags": " ".join(simd_flags(info.get("cpu_flags"))),
        "Host": info.get("hostname") or machine.get("host") or "",
        "Joined": f"{target['joined_at']} UTC" if target.get("joined_at") else "",
    }


def device_rows(target: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per device of a host: name, full name, capabilities, default compute precision."""
    rows = []
    for device in (target.get("info") or {}).get("devices") or []:
        compute = device.get("compute") or {}
        rows.append({
            "Device": device.get("device"),
            "Full name": device.get("full_name") or "",
            "Capabilities": ", ".join(str(c) for c in device.get("capabilities") or []),
            "Native compute": ", ".join(str(p) for p in compute.get("native") or []),
            "Default compute": compute.get("default") or "",
            "Error": device.get("error") or "",
        })
    return rows
