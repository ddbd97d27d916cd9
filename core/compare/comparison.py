"""One comparison as one JSON-able document: what the page shows and what the report exports.

The page, the CLI (`--json`) and the HTML/CSV report all render this same document, so a
number seen on screen is the number a colleague reads in the file.
"""

from __future__ import annotations

import shlex
from collections import Counter
from datetime import datetime, timezone
from typing import Any

from core.compare.commands import reproduce_accuracy, reproduce_benchmark, reproduce_profile
from core.compare.layers import compare_profiles
from core.compare.machines import LOCAL_TARGET, device_facts, machine_names, summaries, targets_of
from core.compare.missing_runs import missing_runs
from core.compare.pareto import Limits, Point, pareto_front, violations
from core.compare.ratios import (cross_machine, differences, like_for_like_reference, mixes, noise_band, ratio,
                                 ratios_to_baseline, times, within_noise)
from core.compare.recommend import recommend
from core.compare.selection import Entry, load_entries, load_profile
from core.errors import UserError
from core.precision import device_compute
from core.system_info import package_version
from core.variants import get_variant, variant_xml

NOISY_STD_SHARE = 0.10
LATENCY_STATS = ("median", "avg", "p90", "p99", "min", "max")

__all__ = ["LATENCY_STATS", "Limits", "build_comparison", "layers_of"]


def primary_metric(entries: list[Entry], baseline: Entry) -> str | None:
    """The accuracy metric the comparison uses: the baseline's, else the most common one."""
    if baseline.accuracy is not None:
        return baseline.accuracy.metric
    metrics = Counter(e.accuracy.metric for e in entries if e.accuracy is not None)
    return metrics.most_common(1)[0][0] if metrics else None


def _accuracy_command(entry: Entry) -> str:
    """The accuracy command of the row's figure, in the compute precision that figure was measured in."""
    command = reproduce_accuracy(entry.accuracy, entry.xml_path, _reference_xml(entry))
    figure = entry.accuracy
    if figure is not None and figure.compute_precision != "f32" and command.endswith(" --json"):
        command = command[: -len(" --json")] + f" --compute-precision {figure.compute_precision} --json"
    return command


def _reference_xml(entry: Entry) -> str | None:
    figure = entry.accuracy
    if figure is None or figure.reference_variant_id is None:
        return None
    try:
        return str(variant_xml(get_variant(figure.reference_variant_id)))
    except UserError:
        return None


def _like_for_like(entry: Entry, baseline: Entry, entries: list[Entry], stat: str) -> dict[str, Any]:
    """How this row's ratio to the baseline can be read, and the like-for-like ratio when it cannot."""
    diff = differences(entry, baseline)
    mixed = mixes(diff)
    reference = like_for_like_reference(entry, baseline, entries) if mixed else None
    return {
        "differs_in": diff,
        "mixes": mixed,
        "is_like_for_like": not mixed,
        "cross_machine": cross_machine(entry, baseline),
        "reference_id": reference.result_id if reference is not None else None,
        "reference_key": reference.precision_key if reference is not None else None,
        "speedup": ratio(entry.throughput, reference.throughput) if reference is not None else None,
        "latency_ratio": ratio(entry.latency(stat), reference.latency(stat)) if reference is not None else None,
    }


def _row(entry: Entry, baseline: Entry, metric: str | None, limits: Limits, entries: list[Entry]) -> dict[str, Any]:
    accuracy_value = entry.accuracy.value if entry.accuracy is not None and entry.accuracy.metric == metric else None
    point = Point(entry.result_id, entry.throughput, accuracy_value, entry.latency(limits.latency_stat))
    compute, compute_source = entry.compute
    return {
        "result_id": entry.result_id,
        "label": entry.label,
        "is_baseline": entry.result_id == baseline.result_id,
        "model_id": entry.model_id,
        "model": entry.model_name,
        "variant_id": entry.variant_id,
        "variant": entry.variant_name,
        "parent_id": entry.parent_id,
        "precision": entry.precision,
        "weight_precision": entry.weight_precision,
        "compute_precision": compute,
        "compute_source": compute_source,
        "compute_requested": entry.compute_requested,
        "runtime_precisions": entry.metrics.get("runtime_precisions"),
        "precision_label": entry.precision_label,
        "precision_key": entry.precision_key,
        "noisy": entry.noisy_reasons,
        "device": entry.device,
        "target": entry.target,
        "where": entry.where,
        "hint": entry.hint,
        "streams": entry.streams,
        "requests": entry.requests,
        "batch": entry.batch,
        "settings": entry.settings_text,
        "config": entry.config,
        "throughput_fps": entry.throughput,
        "throughput_fps_std": entry.metrics.get("throughput_fps_std"),
        "latency_ms": entry.metrics.get("latency_ms") or {},
        "first_inference_ms": entry.metrics.get("first_inference_ms"),
        "compile_ms": entry.metrics.get("compile_ms"),
        "read_ms": entry.metrics.get("read_ms"),
        "peak_rss_mb": entry.metrics.get("peak_rss_mb"),
        "iterations": entry.metrics.get("iterations"),
        "duration_s": entry.metrics.get("duration_s"),
        "inference_precision": compute,  # kept for readers of older exports: the compute precision
        "execution_devices": entry.metrics.get("execution_devices"),
        "size_bytes": entry.size_bytes,
        "accuracy": entry.accuracy.to_dict() if entry.accuracy is not None else None,
        "accuracy_value": accuracy_value,
        "ratios": ratios_to_baseline(entry, baseline, limits.latency_stat),
        "like_for_like": _like_for_like(entry, baseline, entries, limits.latency_stat),
        "violations": violations(point, limits),
        "latency_histogram": entry.metrics.get("latency_histogram"),
        "latencies_ms_sample": entry.metrics.get("latencies_ms_sample") or [],
        "machine": entry.machine,
        "job_id": entry.job_id,
        "created_at": entry.created_at,
        "commands": {
            "benchmark": reproduce_benchmark(entry.variant_id, entry.config, entry.xml_path),
            "accuracy": _accuracy_command(entry),
        },
        "_point": point,
    }


def _mixing_warnings(entries: list[Entry], baseline: Entry) -> list[str]:
    notes = []
    for entry in entries:
        mixed = mixes(differences(entry, baseline))
        if not mixed or entry.result_id == baseline.result_id:
            continue
        consequence = ("the speed-up is not the IR's doing" if "compute" in differences(entry, baseline)
                       else "the ratio is not like for like")
        text = f"#{entry.result_id} vs baseline #{baseline.result_id} {'; '.join(mixed)} — {consequence}."
        reference = like_for_like_reference(entry, baseline, entries)
        if reference is not None:
            text += (f" Like for like: {times(ratio(entry.throughput, reference.throughput))} the FPS of "
                     f"#{reference.result_id} {reference.precision_label}.")
        else:
            text += " Measure the baseline's IR the same way to compare like for like."
        notes.append(text)
    return notes


def computed_alike(entries: list[Entry]) -> list[str]:
    """Say so explicitly when FP32 and FP16 IRs were computed in the same precision.

    An FP16 IR's weights are widened to the compute precision when the model is compiled, so
    both run the same arithmetic: any speed difference is noise (or a disturbed run), never an
    FP16 gain. Grouped by model, device, settings and compute precision.
    """
    groups: dict[tuple[Any, ...], dict[str, Entry]] = {}
    for entry in entries:
        if entry.compute_precision is None or entry.weight_precision not in ("FP32", "FP16"):
            continue
        group = groups.setdefault((entry.model_id, entry.target, entry.compute_precision, *entry.settings_key), {})
        group.setdefault(entry.weight_precision, entry)
    notes = []
    for group in groups.values():
        if set(group) != {"FP32", "FP16"}:
            continue
        fp32, fp16 = group["FP32"], group["FP16"]
        compute = fp32.compute_precision
        band = noise_band(fp16, fp32)
        speedup = ratio(fp16.throughput, fp32.throughput)
        text = (f"FP32 and FP16 were computed alike in {compute} (#{fp32.result_id} and #{fp16.result_id}, "
                f"{fp32.where}, {fp32.settings_text}): the FP16 weights are converted to {compute} when the model "
                "is compiled, so the same arithmetic ran. ")
        if speedup is None:
            pass
        elif within_noise(fp16, fp32):
            text += (f"FP16 at {times(speedup)} FP32 is within noise (±{band:.0%}): no FP16 gain beyond noise; "
                     "its gain is the smaller file.")
        else:
            text += (f"FP16 measured {times(speedup)} FP32, beyond the ±{band:.0%} noise band although the "
                     "arithmetic is the same: a run was probably disturbed — re-run both before trusting it.")
        notes.append(text.strip())
    return notes


def _warnings(entries: list[Entry], baseline: Entry, rows: list[dict[str, Any]], metric: str | None) -> list[str]:
    notes = []
    models = {e.model_id for e in entries}
    if len(models) > 1:
        notes.append("The results belong to different models: speed-ups and size ratios compare different networks.")
    targets = targets_of(entries)
    machines = {(e.target, e.machine.get("host"), e.machine.get("cpu"), e.machine.get("openvino")) for e in entries}
    if len(targets) > 1:
        notes.append(f"The results were measured on {len(targets)} machines — {machine_names(entries)}: a ratio "
                     "between two machines is a cross-machine ratio (labelled so); it says which machine runs this "
                     "model faster, not what the IR or the precision did.")
    elif len(machines) > 1:
        notes.append("The results were measured on different machines or OpenVINO versions (see Machine): "
                     "ratios mix hardware and software differences.")
    notes.extend(_mixing_warnings(entries, baseline))
    notes.extend(computed_alike(entries))
    for entry, row in zip(entries, rows):
        fps, std = row["throughput_fps"], row["throughput_fps_std"]
        if row["noisy"]:
            notes.append(f"#{row['result_id']} is marked noisy: {'; '.join(row['noisy'])}. Differences within its "
                         "spread are not findings; re-run it on a quiet machine.")
        elif fps and std and std / fps > NOISY_STD_SHARE:
            notes.append(f"#{row['result_id']}: FPS varies by ±{std / fps:.0%} between repeats: the machine was busy; "
                         "differences smaller than that are noise.")
        compute = row["compute_precision"]
        if row["weight_precision"] == "FP16" and compute not in (None, "f16"):
            native = (device_facts(entry.target, entry.device) or {}).get("native") or []
            reported = f" ({entry.device} reports no native f16 compute)" if "f16" not in native else ""
            notes.append(f"#{row['result_id']}: this FP16 IR was computed in {compute} on {entry.where}{reported}: "
                         f"expect the speed of FP32 computed in {compute}; the gain is the smaller file.")
    standing_in = [f"#{e.result_id} {e.precision_key}: {e.accuracy.note}" for e in entries
                   if e.accuracy is not None and e.accuracy.fallback_for]
    if standing_in:
        notes.append("; ".join(standing_in) + ". The f32 figure stands in: what the reduced compute costs in "
                     "accuracy is not measured.")
    other = {e.accuracy.metric for e in entries if e.accuracy is not None} - ({metric} if metric else set())
    if other:
        notes.append(f"Some accuracy figures use another metric ({', '.join(sorted(other))}) than the comparison's "
                     f"({metric}); they are shown but not compared.")
    return notes


def layers_of(profile_ids: tuple[int, int] | None) -> dict[str, Any] | None:
    if not profile_ids:
        return None
    a, b = (load_profile(pid) for pid in profile_ids)
    if a.result_id == b.result_id:
        raise UserError("Pick two different profiles for the per-layer comparison.")
    data = compare_profiles(a.layers, b.layers)
    for side, profile in (("a", a), ("b", b)):
        data[side] = {"result_id": profile.result_id, "variant_id": profile.variant_id, "label": profile.label,
                      "device": profile.device, "config": profile.config, "total_ms": profile.total_ms,
                      "compute_precision": profile.compute_precision,
                      "command": reproduce_profile(profile.variant_id, profile.config, None)}
    model_b = b.config.get("model_path")
    if model_b:  # the same colouring the page's graph link opens, as a file
        data["graph_command"] = (f"python -m core graph {shlex.quote(str(model_b))} --profile {b.result_id} "
                                 f"--baseline-profile {a.result_id} --colour ratio --svg layer-ratio.svg")
    return data


def build_comparison(
    result_ids: list[int],
    baseline_id: int | None = None,
    limits: Limits | None = None,
    profile_ids: tuple[int, int] | None = None,
) -> dict[str, Any]:
    limits = limits or Limits()
    if limits.latency_stat not in LATENCY_STATS:
        raise UserError(f"Unknown latency statistic {limits.latency_stat!r}.", f"Use one of {', '.join(LATENCY_STATS)}.")
    entries = load_entries(result_ids)
    if baseline_id is None:
        baseline_id = entries[0].result_id
    baseline = next((e for e in entries if e.result_id == baseline_id), None)
    if baseline is None:
        raise UserError(f"The baseline #{baseline_id} is not among the compared results.",
                        "Pass one of the compared ids to --baseline (or add it to the list).")
    metric = primary_metric(entries, baseline)
    rows = [_row(e, baseline, metric, limits, entries) for e in entries]
    points = [row.pop("_point") for row in rows]
    front = pareto_front(points, limits)
    for row in rows:
        row["on_front"] = row["result_id"] in front
        row["meets_limits"] = not row["violations"]
    machines: list[dict[str, Any]] = []
    for e in entries:
        machine = {"target": e.target, **e.machine}
        if machine not in machines:
            machines.append(machine)
    return {
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "baseline_id": baseline.result_id,
        "limits": {"max_latency_ms": limits.max_latency_ms, "min_accuracy": limits.min_accuracy,
                   "latency_stat": limits.latency_stat, "text": limits.describe()},
        "accuracy_metric": metric,
        "rows": rows,
        "front": front,
        "recommendation": recommend(
            entries, baseline, front, limits, {r["result_id"]: r["violations"] for r in rows},
            {r["result_id"] for r in rows if r["meets_limits"] and r["accuracy_value"] is None},
        ),
        "machines": machines,
        "versions": {"openvino": package_version("openvino"), "nncf": package_version("nncf"),
                     "report_by": "OV Workbench"},
        "warnings": _warnings(entries, baseline, rows, metric),
        "missing_runs": missing_runs(entries),
        # This machine's devices as read here; a remote target's as it reported them (compute_summaries).
        "devices": {device: device_compute(device)
                    for device in sorted({e.device for e in entries if e.target == LOCAL_TARGET})},
        "targets": targets_of(entries),
        "machine_names": machine_names(entries),
        "compute_summaries": summaries(entries),
        "layers": layers_of(profile_ids),
    }
