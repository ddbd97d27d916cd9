"""Where the time goes, in tables and in plain words.

The rules mirror DL Workbench's advice (reorders over 10 % of the time, convolutions left in
FP32 in an INT8 model) plus what this project's hardware makes common: an FP16 IR on a CPU
without FP16 units computes in f32, which users misread as "FP16 is not faster".
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

TOP_N = 10
REORDER_SHARE_LIMIT = 0.10
HEAVY_TYPES = {"Convolution", "GroupConvolution", "MatMul", "FullyConnected", "Deconvolution", "ConvolutionBackpropData"}
LOW_PRECISIONS = {"u8", "i8", "u4", "i4"}
FLOAT_PRECISIONS = {"f32", "fp32"}


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
            advice.append(
                f"{count} convolution/matmul layer{'s' if count > 1 else ''} still run{'' if count > 1 else 's'} "
                "in FP32 in this INT8 model "
                f"({share:.0%} of the time). They were not quantized (ignored scope, or no FakeQuantize "
                "before them); quantizing them could speed the model up, at some risk to accuracy."
            )
    f16_layers = [row for row in executed if (row["precision"] or "").lower() in {"f16", "fp16"}]
    if f16_layers and "FP16" not in device_caps:
        advice.append(
            "This device has no FP16 arithmetic: layers whose weights are stored in FP16 are "
            "computed in FP32 (weights are converted when the model is compiled). An FP16 IR "
            "halves the file size here but will not run faster than FP32."
        )
    top = max(executed, key=lambda row: row["real_ms"], default=None)
    if top is not None and top["real_ms"] / total > 0.5 and len(executed) > 3:
        advice.append(
            f"One layer, {top['name']} ({top['type']}), takes {top['real_ms'] / total:.0%} of the time: "
            "optimising or replacing that one layer matters more than anything else."
        )
    return advice


def summarise_layers(layers: list[dict[str, Any]], device_caps: list[str]) -> dict[str, Any]:
    executed = _executed(layers)
    total = sum(row["real_ms"] for row in executed)
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
        "hints": hints(layers, by_type, total, device_caps),
    }


CSV_COLUMNS = ["exec_order", "name", "type", "exec_type", "precision", "status", "real_ms", "cpu_ms", "original_layers"]


def layers_csv(layers: list[dict[str, Any]]) -> str:
    """The per-layer table as CSV (original layers joined with ';'), for spreadsheets."""
    from core.safe_output import csv_text  # layer names come from the model: no spreadsheet formulas

    return csv_text(CSV_COLUMNS, ([";".join(row.get(c) or []) if c == "original_layers" else row.get(c)
                                   for c in CSV_COLUMNS] for row in layers))
