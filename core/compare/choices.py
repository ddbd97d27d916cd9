"""What the compare page offers to pick: stored results with short labels and sensible defaults.

Defaults matter because the first view should already answer the question: the newest
results of one model — one per variant, compute precision, device and settings, so on a device
whose default compute is reduced both FP32 in f32 and FP32 in the default are picked — the FP32
original as the baseline (computed like most of the others, so most ratios are like for like),
and for the per-layer section the baseline's profile against the recommended variant's profile.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.compare.selection import result_compute, target_of, where_text
from core.precision import precision_key
from core.store import Result, Variant, session_scope

DEFAULT_SELECTION = 6
BASELINE_PRECISIONS = ("FP32", "FP16")


def _settings(config: dict[str, Any], metrics: dict[str, Any]) -> str:
    streams = metrics.get("nstreams_actual") or config.get("nstreams")
    parts = [str(config.get("hint") or "none")]
    if streams:
        parts.append(f"{streams} str")
    if config.get("batch"):
        parts.append(f"b{config['batch']}")
    if config.get("sweep_job_id"):
        parts.append(f"(sweep job {config['sweep_job_id']})")
    return " ".join(parts)


def result_choices(kind: str = "benchmark", limit: int = 500) -> list[dict[str, Any]]:
    """Newest first: one dict per stored result of `kind`, with a one-line label."""
    with session_scope() as s:
        rows = s.scalars(
            select(Result).options(selectinload(Result.variant).selectinload(Variant.model))
            .where(Result.kind == kind).order_by(Result.id.desc()).limit(limit)
        )
        choices = []
        for row in rows:
            variant = row.variant
            metrics, config = row.metrics or {}, row.config or {}
            if kind == "profile" and not metrics.get("layers"):
                continue
            model = variant.model.name if variant is not None and variant.model is not None else "(file)"
            precision = variant.precision if variant is not None else "?"
            weights = str(metrics.get("weight_precision") or precision).upper()
            compute = result_compute(metrics, config)
            key = precision_key(weights, compute)
            figure = (f"{metrics['throughput_fps']:.1f} FPS" if kind == "benchmark" and metrics.get("throughput_fps")
                      else f"{metrics['total_ms']:.2f} ms" if metrics.get("total_ms") else "")
            when = row.created_at.strftime("%m-%d %H:%M") if row.created_at else ""
            choices.append({
                "id": row.id,
                "model_id": variant.model_id if variant is not None else None,
                "model": model,
                "variant_id": row.variant_id,
                "variant": variant.name if variant is not None else "?",
                "precision": precision,
                "weight_precision": weights,
                "compute_precision": compute,
                "precision_key": key,
                "parent_id": variant.parent_id if variant is not None else None,
                "device": row.device,
                "target": target_of(row.machine),
                "settings": _settings(config, metrics),
                "label": (f"#{row.id} · {model} · {key} · {where_text(row.device, target_of(row.machine))} · "
                          f"{_settings(config, metrics)} · {figure} · {when}"),
            })
        return choices


def default_selection(choices: list[dict[str, Any]], model_id: int | None) -> list[int]:
    """The newest results of the model: first one per variant and compute precision measured like
    the newest result (same device and settings, so the precision comparison is like for like and
    covers FP32·f32, FP32·default, FP16 and INT8 where they exist), then the newest of other
    settings, at most one per (variant, compute, machine, device, settings label): the same run on
    two targets is two picks, so machines are compared by default."""
    mine = [c for c in choices if model_id is None or c["model_id"] == model_id]
    if not mine:
        return []
    main = (mine[0]["device"], mine[0]["settings"])
    seen: set[tuple[Any, ...]] = set()
    picked: list[int] = []
    for first_pass in (True, False):
        for choice in mine:
            if first_pass and (choice["device"], choice["settings"]) != main:
                continue
            key = (choice["variant_id"], choice.get("compute_precision"), choice.get("target"), choice["device"],
                   choice["settings"])
            if key in seen or len(picked) >= DEFAULT_SELECTION:
                continue
            seen.add(key)
            picked.append(choice["id"])
    return sorted(picked)


def default_baseline(choices: list[dict[str, Any]], selected: list[int]) -> int | None:
    """The original (no parent, FP32) if selected, else the first FP32/FP16 one, else the first.

    Among several, the one computed in the precision most of the selection was computed in: on a
    device whose default is bf16 that is FP32·bf16, so INT8·bf16 and FP16·bf16 are compared like
    for like (FP32·f32 then differs from it in compute only, which is a like-for-like ratio too).
    """
    by_id = {c["id"]: c for c in choices}
    chosen = [by_id[i] for i in selected if i in by_id]
    computes = [c.get("compute_precision") for c in chosen]
    chosen.sort(key=lambda c: -computes.count(c.get("compute_precision")))  # stable: ties keep the given order
    for test in (lambda c: c["parent_id"] is None and c["precision"] == "FP32",
                 lambda c: c["precision"] in BASELINE_PRECISIONS, lambda c: True):
        match = next((c for c in chosen if test(c)), None)
        if match is not None:
            return match["id"]
    return None


def default_profiles(profiles: list[dict[str, Any]], first_variant: int | None,
                     second_variant: int | None) -> tuple[int | None, int | None]:
    """Newest profile of each of two variants (A = baseline side, B = candidate)."""
    def newest(variant_id: int | None, exclude: int | None = None) -> int | None:
        return next((p["id"] for p in profiles if p["variant_id"] == variant_id and p["id"] != exclude), None)

    a = newest(first_variant)
    b = newest(second_variant, a) if second_variant != first_variant else None
    if a is None and profiles:
        a = profiles[-1]["id"]
    if b is None:
        b = next((p["id"] for p in profiles if p["id"] != a and p["variant_id"] != first_variant), None)
    return a, b
