"""Result figures as rows and words for people (page and CLI share them).

Accuracy is shown with enough digits to compare: percentages with two decimals and the
sample count next to them (36 samples move top-1 in steps of 2.78 points — a reader must see
that), tensor metrics with six significant digits.
"""

from __future__ import annotations

from typing import Any

METRIC_NAMES = {
    "top1": "Top-1 accuracy (labels)",
    "top5": "Top-5 accuracy (labels)",
    "top1_agreement": "Top-1 agreement with FP32",
    "cosine": "Mean cosine similarity with FP32",
}


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.2f} %"


def number(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value  # "inf" PSNR of identical outputs, as results stored before `identical` kept it
    return f"{value:.6g}"


def megabytes(size: int | None) -> str:
    return "—" if size is None else f"{size / 1e6:.2f} MB"


def size_change(parent_bytes: int | None, new_bytes: int | None) -> str:
    if not parent_bytes or new_bytes is None:
        return megabytes(new_bytes)
    change = (new_bytes - parent_bytes) / parent_bytes * 100
    return f"{megabytes(parent_bytes)} → {megabytes(new_bytes)} ({change:+.1f} %)"


def format_metric(metric: str, value: float | None) -> str:
    return percent(value) if metric in ("top1", "top5", "top1_agreement") else number(value)


def accuracy_rows(accuracy: dict[str, Any] | None) -> list[dict[str, str]]:
    """Side by side: metric | FP32 parent | this variant | change (in points or plain)."""
    if not accuracy:
        return []
    report = accuracy.get("report", {})
    rows = []
    own, reference = report.get("model", {}), report.get("reference", {})
    for key in ("top1", "top5"):
        if key in own:
            ref = reference.get(key)
            rows.append({
                "Metric": METRIC_NAMES[key], "FP32 parent": percent(ref), "This variant": percent(own[key]),
                "Change": "—" if ref is None else f"{(own[key] - ref) * 100:+.2f} points",
            })
    agreement = report.get("agreement", {})
    if "top1_agreement" in agreement:
        rows.append({"Metric": METRIC_NAMES["top1_agreement"], "FP32 parent": "100.00 %",
                     "This variant": percent(agreement["top1_agreement"]),
                     "Change": f"{(agreement['top1_agreement'] - 1) * 100:+.2f} points"})
    if not rows and accuracy.get("metric") == "cosine":
        rows.append({"Metric": METRIC_NAMES["cosine"], "FP32 parent": "1", "This variant": number(accuracy["value"]),
                     "Change": number(accuracy["value"] - 1)})
    return rows


def agreement_rows(accuracy: dict[str, Any] | None) -> list[dict[str, str]]:
    """Per output: how close the tensors are to the FP32 parent's."""
    outputs = ((accuracy or {}).get("report", {}).get("agreement") or {}).get("outputs", {})
    return [
        {"Output": name, "Cosine (mean)": number(o.get("cosine_mean")), "Cosine (worst)": number(o.get("cosine_min")),
         "Max abs diff": number(o.get("max_abs_diff")), "PSNR dB": "∞ (identical)" if o.get("identical") else number(o.get("psnr_db")),
         "Samples": str(o.get("samples", ""))}
        for name, o in outputs.items() if o
    ]


def headline_text(accuracy: dict[str, Any] | None) -> str:
    """One line: 'Top-1 accuracy (labels): 66.67 % vs 69.44 % FP32 on 20 held-out samples'.

    Without labels the figure is agreement with the reference, and the line says so: a
    reader must never take "100 % agreement" for "100 % accurate".
    """
    if not accuracy or "metric" not in accuracy:
        return "No accuracy measured."
    metric = accuracy["metric"]
    text = f"{METRIC_NAMES.get(metric, metric)}: {format_metric(metric, accuracy.get('value'))}"
    if accuracy.get("reference_value") is not None and metric == "top1":
        text += f" vs {format_metric(metric, accuracy['reference_value'])} FP32"
    text += " on " + samples_phrase(accuracy.get("samples"), accuracy.get("samples_from"))
    report = accuracy.get("report") or {}
    if metric == "top1" and report.get("set_labels"):
        text += f" ({report['set_labels']} with several acceptable classes: right when the prediction is any of them)"
    if metric in ("top1_agreement", "cosine"):
        why = "its labels belong to another model" if report.get("labels_ignored") else "the data has no labels"
        text += f" — agreement with the parent, not accuracy ({why})"
    return text


def _class_text(index: Any, name: Any) -> str:
    if index is None:
        return "—"
    return f"{index} · {name}" if name not in (None, "", str(index)) else str(index)


def per_image_rows(accuracy: dict[str, Any] | None) -> list[dict[str, Any]]:
    """One row per image for a sortable table, worst disagreements first (as stored).

    Values stay typed (confidence a float, agree/correct booleans or None) so the table
    sorts them; names come from the dataset's labels file when it has one.
    """
    rows = ((accuracy or {}).get("report") or {}).get("per_image") or []
    table = []
    for row in rows:
        labels = row.get("labels") or []
        names = row.get("label_names") or [None] * len(labels)
        table.append({
            "File": row["file"],
            "Prediction": _class_text(row.get("prediction"), row.get("prediction_name")),
            "Confidence": row.get("confidence"),
            "Label(s)": " | ".join(_class_text(c, n) for c, n in zip(labels, names)) if labels else "—",
            "Correct": row.get("correct"),
            "Parent's prediction": _class_text(row.get("reference_prediction"), row.get("reference_name")),
            "Parent's confidence": row.get("reference_confidence"),
            "Agree": row.get("agree"),
            "Cosine": row.get("cosine"),
        })
    return table


def int8_kernels_seen(model_id: int, limit: int = 3) -> dict[str, Any] | None:
    """Integer kernels the newest stored profile of an INT8 variant of this model really ran.

    The statement "INT8 runs with such-and-such kernels" is only ever made from a profile
    (exec types with an integer runtime precision), never written down for "this CPU".
    """
    from collections import Counter

    from sqlalchemy import select

    from core.precision import INTEGER_KERNEL_PRECISIONS
    from core.store import Result, Variant, session_scope

    with session_scope() as session:
        query = (select(Result.id, Result.metrics, Variant.id)
                 .join(Variant, Result.variant_id == Variant.id)
                 .where(Result.kind == "profile", Variant.model_id == model_id, Variant.precision == "INT8")
                 .order_by(Result.id.desc()))
        for result_id, metrics, variant_id in session.execute(query):
            layers = (metrics or {}).get("layers") or []
            kernels = Counter(
                layer["exec_type"] for layer in layers
                if layer.get("exec_type") and str(layer.get("precision") or "").lower() in INTEGER_KERNEL_PRECISIONS
            )
            if layers:
                return {"variant_id": variant_id, "result_id": result_id, "kernels": dict(kernels.most_common(limit)),
                        "integer_layers": sum(kernels.values()), "layers": len(layers)}
    return None


def samples_phrase(count: Any, where: str | None) -> str:
    """"15 held-out samples", "36 samples of the validation dataset", "10 samples of dataset 3".

    `samples_from` is a noun phrase that either counts things ("held-out samples", "random inputs")
    or names a source ("validation dataset", "dataset 3"); a bare count before a source read
    "on 15 the given dataset".
    """
    noun = "sample" if count == 1 else "samples"
    if not where:
        return f"{count} {noun}"
    head = where.split(" (")[0]
    if head.endswith(("samples", "inputs")):
        return f"{count} {where}"
    article = "" if where.startswith(("the ", "dataset ")) else "the "
    return f"{count} {noun} of {article}{where}"
