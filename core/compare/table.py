"""The comparison table as flat records: the page's dataframe, the CSV and the HTML table.

Numbers stay numbers (the page formats them with column_config, the CSV keeps full
precision); accuracy is shown in percent because that is how people quote it.
"""

from __future__ import annotations

from typing import Any

SETTING_KEYS = ("hint", "nstreams", "nireq", "batch", "nthreads", "infer_precision", "cache", "duration_s",
                "iterations", "repeats", "input")


def _accuracy_text(row: dict[str, Any]) -> str:
    figure = row["accuracy"]
    if figure is None:
        return ""
    return figure["metric"] + (" (derived)" if figure.get("derived") else "")


def accuracy_compute_text(figure: dict[str, Any] | None) -> str:
    """The compute precision the accuracy was measured in, and, when it stands in for the row's
    own, which one it was not measured in ("f32 (not measured in bf16)")."""
    if not figure:
        return ""
    text = figure.get("compute_precision") or "f32"
    if figure.get("fallback_for"):
        text += f" (not measured in {figure['fallback_for']})"
    return text


def ratio_caveat(row: dict[str, Any]) -> str:
    """Why the ratio to the baseline is not like for like; a ratio across machines is always named."""
    like = row["like_for_like"]
    if like["is_like_for_like"]:
        return f"cross-machine ratio ({like['cross_machine']})" if like.get("cross_machine") else ""
    return "; ".join(like["mixes"])


def table_records(doc: dict[str, Any], for_export: bool = False) -> list[dict[str, Any]]:
    records = []
    for row in doc["rows"]:
        latency = row["latency_ms"] or {}
        ratios = row["ratios"]
        record: dict[str, Any] = {  # what decides first (speed, size, accuracy and their ratios), details after
            "Result": row["result_id"],
            "Baseline": row["is_baseline"],
            "Variant": f"#{row['variant_id']} {row['variant']}" if row["variant_id"] is not None else row["variant"],
            "Weights": row["weight_precision"],
            "Compute": row["compute_precision"] or "not recorded",
            "Device": row["device"],
            "Target": row.get("target", "local"),
            "Settings": row["settings"],
            "FPS": row["throughput_fps"],
            "Speed-up": ratios["speedup"],
            "Ratio caveat": ratio_caveat(row),
            "Like-for-like speed-up": row["like_for_like"]["speedup"],
            "Like-for-like vs": (f"#{row['like_for_like']['reference_id']} {row['like_for_like']['reference_key']}"
                                 if row["like_for_like"]["reference_id"] is not None else ""),
            "Noisy": "; ".join(row["noisy"]),
            "Median ms": latency.get("median"),
            "Latency ratio": ratios["latency_ratio"],
            "p90 ms": latency.get("p90"),
            "p99 ms": latency.get("p99"),
            "Size MB": row["size_bytes"] / 1e6 if row["size_bytes"] else None,
            "Size reduction": ratios["size_reduction"],
            "Accuracy %": row["accuracy"]["value"] * 100 if row["accuracy"] else None,
            "Accuracy change pts": ratios["accuracy_change_pts"],
            "Accuracy metric": _accuracy_text(row),
            "Accuracy compute": accuracy_compute_text(row["accuracy"]),
            "On Pareto front": row["on_front"],
            "Within limits": row["meets_limits"],
            "Breaks": "; ".join(row["violations"]),
            "FPS std": row["throughput_fps_std"],
            "First inference ms": row["first_inference_ms"],
            "Compile ms": row["compile_ms"],
            "Peak memory MB": row["peak_rss_mb"],
            "Model": row["model"],
        }
        if for_export:
            record["Accuracy source"] = row["accuracy"]["source"] if row["accuracy"] else ""
            for key in SETTING_KEYS:
                record[f"config.{key}"] = row["config"].get(key)
            record["Streams (actual)"] = row["streams"]
            record["Requests (actual)"] = row["requests"]
            record["Precision"] = row["precision_label"]
            record["Compute read from"] = row["compute_source"]
            record["Compute requested"] = row["compute_requested"]
            record["Runtime precisions"] = (", ".join(f"{k} {v}" for k, v in row["runtime_precisions"].items())
                                            if row.get("runtime_precisions") else "")
            record["Latency min ms"] = latency.get("min")
            record["Latency avg ms"] = latency.get("avg")
            record["Latency max ms"] = latency.get("max")
            record["Iterations"] = row["iterations"]
            record["Measured at"] = row["created_at"]
            record["Command"] = row["commands"]["benchmark"].get("workspace") or row["commands"]["benchmark"].get("file")
            record["Command (IR file)"] = row["commands"]["benchmark"].get("file")
            record["Accuracy command"] = row["commands"]["accuracy"]
        records.append(record)
    return records


def layer_records(layers: dict[str, Any], include_zero: bool = False) -> list[dict[str, Any]]:
    """Matched groups for the per-layer table; groups that took no time on either side are
    hidden unless asked for (inputs/outputs that never run)."""
    records = []
    for group in layers["groups"]:
        if not include_zero and group["time_a_ms"] == 0 and group["time_b_ms"] == 0:
            continue
        records.append({
            "Type": group["type"],
            "Layers A": ", ".join(group["layers_a"]) or "—",
            "Layers B": ", ".join(group["layers_b"]) or "—",
            "Precision A": group["precision_a"],
            "Precision B": group["precision_b"],
            "Time A ms": group["time_a_ms"],
            "Time B ms": group["time_b_ms"],
            "Diff ms": group["diff_ms"],
            "Ratio B/A": group["ratio"],
            "Only in": {"a": "A", "b": "B"}.get(group["side"], ""),
            "Note": group["note"],
        })
    return records


def type_records(layers: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"Type": t["type"], "Layers A": t["count_a"], "Layers B": t["count_b"], "Time A ms": t["time_a_ms"],
             "Time B ms": t["time_b_ms"], "Diff ms": t["diff_ms"], "Ratio B/A": t["ratio"]} for t in layers["by_type"]]
