"""Where the time goes, in tables and in plain words.

The rules mirror DL Workbench's advice (reorders over 10 % of the time, convolutions left in
float in an INT8 model) and fire on the numbers of this profile: runs that disagree (the total
or single layers vary between repeats), an INT8 IR slower than its parent's latest profile on
the same device and compute precision, an INT8 IR in which no integer kernel ran. Statements
about the hardware come from what the device reported (its capabilities, the compiled model's
compute precision, the kernels seen), never from what "this CPU" is assumed to be.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

TOP_N = 10
REORDER_SHARE_LIMIT = 0.10
HEAVY_TYPES = {"Convolution", "GroupConvolution", "MatMul", "FullyConnected", "Deconvolution", "ConvolutionBackpropData"}
LOW_PRECISIONS = {"u8", "i8", "u4", "i4"}
FLOAT_PRECISIONS = {"f32", "fp32", "bf16", "f16", "fp16"}
TOTAL_SPREAD_HINT = 0.20  # the total varies by more than this between runs
MIN_TOTAL_JITTER_MS = 0.01  # below this the timer's own resolution speaks, not the machine
SLOWER_THAN_PARENT = 1.05  # an INT8 total this much above its parent's is a finding, not noise


def _executed(layers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [row for row in layers if row["status"] == "executed"]


def _grouped(layers: list[dict[str, Any]], key: str, total: float) -> list[dict[str, Any]]:
    sums: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    for row in layers:
        sums[row[key] or "?"] += row["real_ms"]
        counts[row[key] or "?"] += 1
    return sorted(
        (
            {key: name, "real_ms": ms, "count": counts[name], "share": ms / total if total else 0.0}
            for name, ms in sums.items()
        ),
        key=lambda item: -item["real_ms"],
    )


def precision_transitions(layers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """How many executed kernels turn one precision into another (e.g. u8→f32), and their time."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for row in _executed(layers):
        out = (row.get("output_precisions") or "").split(",")[0]
        for source in row.get("input_precisions") or []:
            if source and out and source != out:
                entry = found.setdefault((source, out), {"from": source, "to": out, "count": 0, "real_ms": 0.0, "types": set()})
                entry["count"] += 1
                entry["real_ms"] += row["real_ms"]
                entry["types"].add(row["type"])
                break
    result = []
    for entry in sorted(found.values(), key=lambda e: -e["count"]):
        entry["types"] = sorted(entry["types"])
        result.append(entry)
    return result


def hints(layers: list[dict[str, Any]], by_type: list[dict[str, Any]], total: float, device_caps: list[str]) -> list[str]:
    """Plain-language advice where the numbers show a problem."""
    advice: list[str] = []
    if not total:
        return advice
    reorder = next((row for row in by_type if row["type"] == "Reorder"), None)
    if reorder and reorder["share"] > REORDER_SHARE_LIMIT:
        advice.append(
            f"Reorders (layout or precision conversions) take {reorder['share']:.0%} of the time "
            f"({reorder['count']} of them). Over 10% usually means the model's input layout or "
            "precision does not match what the kernels want: feed the model in its native layout, "
            "or keep neighbouring layers in one precision."
        )
    executed = _executed(layers)
    # INT8 means quantized compute kernels; a u8 input conversion alone is not quantization
    quantized = any(
        row["type"] in HEAVY_TYPES and (row["precision"] or "").lower() in LOW_PRECISIONS for row in executed
    )
    if quantized:
        float_heavy = [
            row for row in executed if row["type"] in HEAVY_TYPES and (row["precision"] or "").lower() in FLOAT_PRECISIONS
        ]
        if float_heavy:
            share = sum(row["real_ms"] for row in float_heavy) / total
            count = len(float_heavy)
            ran_in = "/".join(sorted({_float_name(row["precision"]) for row in float_heavy}))
            advice.append(
                f"{count} convolution/matmul layer{'s' if count > 1 else ''} still run{'' if count > 1 else 's'} "
                f"in {ran_in} in this INT8 model "
                f"({share:.0%} of the time). They were not quantized (ignored scope, or no FakeQuantize "
                "before them); quantizing them could speed the model up, at some risk to accuracy."
            )
    f16_layers = [row for row in executed if (row["precision"] or "").lower() in {"f16", "fp16"}]
    if f16_layers and "FP16" not in device_caps:
        advice.append(
            f"{len(f16_layers)} layer(s) report f16 although the device does not list FP16 among its capabilities "
            f"({', '.join(device_caps) or 'none reported'}): they may be emulated; compare with compute precision f32."
        )
    top = max(executed, key=lambda row: row["real_ms"], default=None)
    if top is not None and top["real_ms"] / total > 0.5 and len(executed) > 3:
        advice.append(
            f"One layer, {top['name']} ({top['type']}), takes {top['real_ms'] / total:.0%} of the time: "
            "optimising or replacing that one layer matters more than anything else."
        )
    return advice


def _float_name(precision: str | None) -> str:
    text = (precision or "").lower()
    return {"f32": "FP32", "fp32": "FP32", "f16": "FP16", "fp16": "FP16"}.get(text, text.upper())


def repeat_hints(layers: list[dict[str, Any]], total: dict[str, Any] | None) -> list[str]:
    """Hints on the spread between profile runs: the total, and layers flagged unstable."""
    advice: list[str] = []
    if (total and len(total.get("runs_ms") or []) > 1 and total["spread"] > TOTAL_SPREAD_HINT
            and total["max_ms"] - total["min_ms"] > MIN_TOTAL_JITTER_MS):
        advice.append(
            f"The total varies by {total['spread']:.0%} between runs ({total['min_ms']:.3f}–{total['max_ms']:.3f} ms, "
            f"median {total['median_ms']:.3f} ms): the machine was busy or the runs were too short. Treat the "
            "times as rough; profile again with more inferences, on a quiet machine."
        )
    unstable = [row for row in layers if row.get("unstable")]
    if unstable:
        names = ", ".join(row["name"] for row in sorted(unstable, key=lambda r: -r["real_ms"])[:5])
        advice.append(
            f"{len(unstable)} layer{'s' if len(unstable) > 1 else ''} vary by more than half their median time "
            f"between runs ({names}{', …' if len(unstable) > 5 else ''}): their times are not reliable."
        )
    return advice


def variant_hints(weights: str | None, device: str, compute: str | None, runtime_precisions: dict[str, int],
                  total_ms: float, parent: dict[str, Any] | None) -> list[str]:
    """Hints that need to know what the IR is and what its parent measured.

    `parent`: the parent variant's latest profile on the same device and compute precision,
    as {"id", "weights", "total_ms", "compute_precision"} (None when there is none).
    """
    from core.precision import quantized_compute_seen

    advice: list[str] = []
    quantized = (weights or "").upper() in ("INT8", "INT4", "INT4_SYM", "INT4_ASYM", "INT8_SYM", "INT8_ASYM")
    if quantized and runtime_precisions and not quantized_compute_seen(runtime_precisions):
        ran = ", ".join(f"{p} {n}" for p, n in runtime_precisions.items())
        advice.append(
            f"This {weights} IR ran no integer kernel on {device} (layers per runtime precision: {ran}): its weights "
            "are dequantized and computed in float, so expect no INT8 speed-up here."
        )
    if quantized and parent and parent.get("total_ms") and total_ms > SLOWER_THAN_PARENT * parent["total_ms"]:
        advice.append(
            f"This {weights} IR is slower than its parent: {total_ms:.3f} ms per inference against "
            f"{parent['total_ms']:.3f} ms for the {parent.get('weights') or 'parent'} IR (profile #{parent['id']}, "
            f"same device, {compute or '?'} compute). Quantization did not pay off here: look for reorders and "
            "precision transitions between INT8 and float layers, or profile both again to rule out noise."
        )
    return advice


def summarise_layers(layers: list[dict[str, Any]], device_caps: list[str], total_runs: dict[str, Any] | None = None,
                     compute: str | None = None) -> dict[str, Any]:
    """Tables and hints of one profile; `total_runs` (per-run totals) adds the repeat hints,
    `compute` (the compiled model's compute precision) is kept beside the numbers."""
    executed = _executed(layers)
    total = sum(row["real_ms"] for row in executed)
    advice = repeat_hints(layers, total_runs)
    by_type = _grouped(executed, "type", total)
    by_precision = _grouped(executed, "precision", total)
    top = sorted(executed, key=lambda row: -row["real_ms"])[:TOP_N]
    counts: dict[str, int] = defaultdict(int)
    for row in layers:
        counts[row["status"]] += 1
    return {
        "total_ms": total,
        "by_type": by_type,
        "by_precision": by_precision,
        "top": [
            {"name": row["name"], "type": row["type"], "exec_type": row["exec_type"], "real_ms": row["real_ms"],
             "share": row["real_ms"] / total if total else 0.0}
            for row in top
        ],
        "transitions": precision_transitions(layers),
        "status_counts": dict(counts),
        "hints": hints(layers, by_type, total, device_caps) + advice,
        "compute_precision": compute,
        "unstable_layers": sum(1 for row in layers if row.get("unstable")),
    }


CSV_COLUMNS = ["exec_order", "name", "type", "exec_type", "precision", "status", "real_ms", "cpu_ms", "real_ms_min",
               "real_ms_max", "spread", "unstable", "original_layers"]


def layers_csv(layers: list[dict[str, Any]]) -> str:
    """The per-layer table as CSV (original layers joined with ';'), for spreadsheets."""
    from core.safe_output import csv_text  # layer names come from the model: no spreadsheet formulas

    return csv_text(CSV_COLUMNS, ([";".join(row.get(c) or []) if c == "original_layers" else row.get(c)
                                   for c in CSV_COLUMNS] for row in layers))
