"""Before and after a fix: accuracy and FPS of the parent, the INT8 variant and its re-quantized versions.

The figures come from the existing jobs and their stored results (accuracy results against the
parent, benchmark results), so the Compare page shows the same numbers; this module only picks
the latest of each per variant and says which jobs would fill the gaps.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.accuracy.requests import DEFAULT_LIMIT, AccuracyRequest
from core.benchmark.requests import BenchmarkRequest
from core.benchmark.settings import Hint
from core.store import Result, session_scope
from core.variants import get_variant

MEASURE_DURATION_S = 5.0
ACCURACY_LIMIT = DEFAULT_LIMIT


def _latest(kind: str, variant_id: int, **config: Any) -> Result | None:
    with session_scope() as s:
        rows = s.scalars(select(Result).where(Result.kind == kind, Result.variant_id == variant_id)
                         .order_by(Result.id.desc())).all()
        for row in rows:
            if kind == "accuracy" and ((row.metrics or {}).get("compute_precision") or "f32") != "f32":
                continue  # before/after compares f32 accuracies; a bf16 figure is another question
            if all((row.config or {}).get(k) == v for k, v in config.items()):
                return row
    return None


def _accuracy_text(metrics: dict[str, Any] | None) -> tuple[str, float | None]:
    if not metrics or "metric" not in metrics:
        return "—", None
    value = metrics.get("value")
    names = {"top1": "top-1", "top1_agreement": "top-1 agreement with parent", "cosine": "output cosine"}
    shown = f"{value * 100:.1f} %" if metrics["metric"] != "cosine" and value is not None else f"{value:.4f}"
    return f"{shown} {names.get(metrics['metric'], metrics['metric'])} ({metrics.get('samples')} samples)", value


def before_after_rows(parent_id: int, variant_ids: list[int]) -> list[dict[str, Any]]:
    """One row per variant (parent first): how it was made, accuracy against the parent, FPS."""
    rows = []
    for variant_id in [parent_id, *[v for v in variant_ids if v != parent_id]]:
        variant = get_variant(variant_id)
        accuracy = _latest("accuracy", variant_id, reference_variant_id=parent_id)
        text, value = _accuracy_text(accuracy.metrics if accuracy is not None else variant.accuracy)
        if variant_id == parent_id:
            text, value = ("reference", 1.0) if accuracy is None else (text, value)
        benchmark = _latest("benchmark", variant_id)
        fps = (benchmark.metrics or {}).get("throughput_fps") if benchmark is not None else None
        kept = (variant.params or {}).get("float_layers")
        rows.append({
            "variant_id": variant_id, "name": variant.name, "precision": variant.precision, "method": variant.method,
            "kept_in_float": ", ".join((variant.params or {}).get("options", {}).get("ignored_names", [])) or "—",
            "float_layers": len(kept) if kept is not None else None,
            "accuracy": text, "accuracy_value": value, "fps": fps,
            "benchmark_precision": (benchmark.metrics or {}).get("inference_precision") if benchmark is not None else None,
        })
    return rows


def measurement_requests(parent_id: int, variant_ids: list[int], dataset_id: int | None,
                         preprocessing: dict[str, Any] | None = None) -> list[AccuracyRequest | BenchmarkRequest]:
    """Accuracy (against the parent, on the analysis data) for each optimized variant, and a
    short throughput benchmark for every variant, parent included."""
    requests: list[AccuracyRequest | BenchmarkRequest] = []
    if dataset_id is not None:
        requests += [AccuracyRequest(variant_id=variant_id, dataset_id=dataset_id, reference_variant_id=parent_id,
                                     preprocessing=preprocessing, limit=ACCURACY_LIMIT)
                     for variant_id in variant_ids if variant_id != parent_id]
    requests += [BenchmarkRequest(variant_id=variant_id, device="CPU", hint=Hint.THROUGHPUT, duration_s=MEASURE_DURATION_S)
                 for variant_id in [parent_id, *[v for v in variant_ids if v != parent_id]]]
    return requests
