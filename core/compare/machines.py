"""Which machine measured each result, and what its devices say — for comparisons across targets.

A stored Result's `machine` names the target it was measured on (`machine["target"]`, absent =
this app's machine, "local"). Device facts (native and default compute precision) must come
from the machine that measured: for this machine they are read from OpenVINO here, for a
remote target from the host report it sent when it joined (core/targets, `targets` table).
"""

from __future__ import annotations

from typing import Any

from core.compare.selection import LOCAL_TARGET, Entry, target_of, where_text


def targets_of(entries: list[Entry]) -> list[str]:
    """The targets of these results, in first-seen order ("local" included when present)."""
    return list(dict.fromkeys(e.target for e in entries))


def _target_report(name: str) -> dict[str, Any]:
    from sqlalchemy import select

    from core.store import session_scope
    from core.store.models import Target

    with session_scope() as s:
        row = s.scalars(select(Target).where(Target.name == name)).first()
        return dict(row.info or {}) if row is not None else {}


def _reported_device(name: str, device: str) -> dict[str, Any] | None:
    devices = _target_report(name).get("devices") or []
    for wanted in (device, f"{device}.0"):
        found = next((d for d in devices if d.get("device") == wanted), None)
        if found is not None:
            return found
    return None


def device_facts(target: str, device: str) -> dict[str, Any] | None:
    """core.precision.device_compute of `device` on `target`: read here for this machine, from the
    target's own report for a remote one; None when that target never reported the device."""
    from core.precision import device_compute

    if target == LOCAL_TARGET:
        return device_compute(device)
    reported = _reported_device(target, device)
    return dict(reported["compute"]) if reported and reported.get("compute") else None


def device_summary(target: str, device: str) -> str | None:
    """The compute-precision sentence of a device on the machine that measured."""
    from core.precision import compute_summary

    if target == LOCAL_TARGET:
        return compute_summary(device)
    reported = _reported_device(target, device)
    if not reported or not reported.get("compute_summary"):
        return None
    return f"On {target}: {reported['compute_summary']}"


def summaries(entries: list[Entry]) -> list[str]:
    """One compute-precision sentence per (machine, device) of the results."""
    seen = dict.fromkeys((e.target, e.device) for e in entries)
    texts = [device_summary(target, device) for target, device in sorted(seen)]
    return [t for t in texts if t]


def machine_records(entries: list[Entry]) -> list[dict[str, Any]]:
    """One record per machine that measured (the report's and the page's Machine table)."""
    records: dict[tuple[Any, ...], dict[str, Any]] = {}
    for entry in entries:
        m = entry.machine
        key = (entry.target, m.get("host"), m.get("cpu"), m.get("openvino"))
        record = records.setdefault(key, {
            "Target": entry.target, "CPU": m.get("cpu"), "Cores": m.get("cpu_count"), "Host": m.get("host"),
            "OS": m.get("os"), "Python": m.get("python"), "OpenVINO": m.get("openvino"), "NNCF": m.get("nncf"),
            "Results": []})
        record["Results"].append(f"#{entry.result_id}")
    return [{**r, "Results": ", ".join(r["Results"])} for r in records.values()]


def machine_names(entries: list[Entry]) -> str:
    """"local (AMD EPYC), fast (Intel Xeon …)": each machine with its CPU model."""
    names = []
    for record in machine_records(entries):
        text = f"{record['Target']} ({record['CPU'] or 'CPU not recorded'})"
        if text not in names:
            names.append(text)
    return ", ".join(names)


__all__ = ["LOCAL_TARGET", "device_facts", "device_summary", "machine_names", "machine_records", "summaries",
           "target_of", "targets_of", "where_text"]
