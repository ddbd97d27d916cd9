"""Benchmark, profile and sweep results in the store, in the shape other features read.

The compare page and the reproduce bundle read these rows, so the keys of `config` and
`metrics` are a contract (see the issue): keep them, add new ones beside them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.errors import UserError
from core.store import Result, Variant, session_scope
from core.system_info import machine_summary
from core.workspace import resolve

KINDS = ("benchmark", "profile", "sweep")


def save_result(
    kind: str,
    config: dict[str, Any],
    metrics: dict[str, Any],
    variant_id: int | None = None,
    job_id: int | None = None,
    device: str | None = None,
) -> int:
    with session_scope() as s:
        row = Result(
            kind=kind,
            variant_id=variant_id,
            job_id=job_id,
            device=device or config.get("device"),
            config=config,
            metrics=metrics,
            machine=machine_summary(),
        )
        s.add(row)
        s.flush()
        return row.id


def variant_for_path(xml_path: Path) -> int | None:
    """The variant whose IR is this file, so a CLI run on a workspace file is comparable."""
    target = Path(xml_path).resolve()
    with session_scope() as s:
        for variant_id, stored in s.execute(select(Variant.id, Variant.xml_path)):
            if resolve(stored).resolve() == target:
                return variant_id
    return None


def _variant_label(row: Result) -> str | None:
    variant = row.variant
    if variant is None:
        return None
    model = variant.model.name if variant.model is not None else "?"
    return f"{model} / {variant.name}"


def result_to_dict(row: Result, full: bool = True) -> dict[str, Any]:
    """The one JSON shape of a measurement (schema `measurement` in core/schema).

    `benchmark`, `profile`, `sweep` and `results --id` print it whole; `results` lists it
    without `metrics` and `machine` (full=False) — the same keys, fewer of them.
    """
    summary = headline(row.kind, row.metrics or {})
    summary["precision_label"] = result_label(row)
    data: dict[str, Any] = {
        "id": row.id,
        "kind": row.kind,
        "variant_id": row.variant_id,
        "variant": _variant_label(row),
        "job_id": row.job_id,
        "device": row.device,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "precision_label": summary["precision_label"],
        "config": row.config,
        "summary": summary,  # the headline figures a list shows
        "openvino": (row.machine or {}).get("openvino"),
    }
    if full:
        data["metrics"] = row.metrics
        data["machine"] = row.machine
    return data


def result_compute(metrics: dict[str, Any]) -> str | None:
    """The compute precision of a stored result (older rows only kept `inference_precision`)."""
    from core.precision import compute_precision

    return compute_precision(metrics.get("compute_precision") or metrics.get("inference_precision"))


def result_label(row: Result) -> str:
    """"FP32 weights · bf16 compute" for a stored row, whatever its age."""
    from core.precision import precision_label

    metrics = row.metrics or {}
    if metrics.get("precision_label") and metrics.get("compute_precision"):
        return str(metrics["precision_label"])
    weights = metrics.get("weight_precision") or (row.variant.precision if row.variant is not None else None)
    return precision_label(weights, result_compute(metrics))


def headline(kind: str, metrics: dict[str, Any]) -> dict[str, Any]:
    """The few figures a list shows for each result, with its precision words and noise mark."""
    from core.benchmark.hygiene import noisy_text

    common = {"precision_label": metrics.get("precision_label"), "compute_precision": result_compute(metrics)}
    if noisy_text(metrics):
        common["noisy"] = noisy_text(metrics)
    if kind == "benchmark":
        return {
            **common,
            "throughput_fps": metrics.get("throughput_fps"),
            "throughput_fps_std": metrics.get("throughput_fps_std"),
            "latency_median_ms": (metrics.get("latency_ms") or {}).get("median"),
        }
    if kind == "profile":
        total = metrics.get("total") or {}
        return {**common, "total_ms": metrics.get("total_ms"), "total_spread": total.get("spread"),
                "repeats": metrics.get("repeats") if isinstance(metrics.get("repeats"), int) else 1,
                "layers": len(metrics.get("layers") or [])}
    if kind == "sweep":
        return {**common, "points": len(metrics.get("points") or []), "sweet_spot": metrics.get("sweet_spot")}
    return {}


def latest_profile(variant_id: int, device: str, compute: str | None, batch: int | None = None) -> Result | None:
    """The newest profile of a variant on `device` computed in `compute` (and with `batch`)."""
    with session_scope() as s:
        rows = s.scalars(select(Result).where(Result.kind == "profile", Result.variant_id == variant_id,
                                              Result.device == device).order_by(Result.id.desc()).limit(50))
        for row in rows:
            metrics = row.metrics or {}
            if result_compute(metrics) != compute:
                continue
            if batch is not None and metrics.get("batch_actual") not in (None, batch):
                continue
            return row
    return None


def list_results(kind: str | None = None, variant_id: int | None = None, limit: int = 200) -> list[Result]:
    if kind is not None and kind not in KINDS:
        raise UserError(f"Unknown result kind {kind!r}.", f"Use one of: {', '.join(KINDS)}.")
    with session_scope() as s:
        query = (
            select(Result)
            .options(selectinload(Result.variant).selectinload(Variant.model))
            .where(Result.kind.in_([kind] if kind else list(KINDS)))
            .order_by(Result.id.desc())
            .limit(limit)
        )
        if variant_id is not None:
            query = query.where(Result.variant_id == variant_id)
        return list(s.scalars(query))


def get_result(result_id: int) -> Result:
    with session_scope() as s:
        row = s.get(Result, result_id, options=[selectinload(Result.variant).selectinload(Variant.model)])
        if row is None or row.kind not in KINDS:
            raise UserError(f"There is no benchmark, profile or sweep result {result_id}.",
                            "List them with `python -m core results`.")
        return row
