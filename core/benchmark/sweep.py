"""Group run: a batch x streams (or requests) matrix, and the best point under a latency limit.

Every point is a full benchmark (stored as its own result, so it can be compared later);
the sweep result keeps the matrix and which point is the "sweet spot": the highest
throughput whose median latency stays within the user's limit.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path
from typing import Any

from core.benchmark.engine import run_benchmark
from core.benchmark.settings import BenchmarkSettings, Hint
from core.errors import UserError
from core.progress import Progress

MAX_POINTS = 36
DEFAULT_POINT_DURATION_S = 5.0


def sweep_settings(base: BenchmarkSettings, batches: list[int], nstreams: list[int], nireqs: list[int]) -> list[BenchmarkSettings]:
    """One settings object per matrix point; streams are set explicitly, so the hint is none."""
    base = base.measured()
    if not batches:
        batches = [base.batch or 0]
    points = []
    for batch, streams, nireq in itertools.product(batches, nstreams or [None], nireqs or [None]):
        points.append(
            replace(
                base,
                batch=batch or None,
                nstreams=streams if streams is not None else base.nstreams,
                nireq=nireq if nireq is not None else base.nireq,
                hint=Hint.NONE if streams is not None else base.hint,
                repeats=1,
                duration_s=base.duration_s or (None if base.iterations else DEFAULT_POINT_DURATION_S),
            )
        )
    if len(points) > MAX_POINTS:
        raise UserError(f"The matrix has {len(points)} points; at most {MAX_POINTS} run in one group.",
                        "Use fewer batch, streams or request values.")
    if not points:
        raise UserError("The matrix is empty.", "Give at least one batch or streams value.")
    return points


def sweet_spot(points: list[dict[str, Any]], latency_limit_ms: float | None) -> int | None:
    """Index of the highest-throughput point within the latency limit (None if none fits)."""
    fitting = [
        (index, point) for index, point in enumerate(points)
        if latency_limit_ms is None or point["latency_median_ms"] <= latency_limit_ms
    ]
    if not fitting:
        return None
    return max(fitting, key=lambda item: item[1]["throughput_fps"])[0]


def run_sweep(
    xml_path: Path,
    base: BenchmarkSettings,
    batches: list[int],
    nstreams: list[int],
    nireqs: list[int],
    latency_limit_ms: float | None = None,
    progress: Progress | None = None,
    on_point: Any = None,
    samples: Path | None = None,
) -> dict[str, Any]:
    """Benchmark each point of the matrix (plain values in: the request that checked them sits a
    floor above); `on_point(settings, metrics)` may store it and return its id."""
    plan = sweep_settings(base, batches, nstreams, nireqs)
    points: list[dict[str, Any]] = []
    for index, settings in enumerate(plan):
        def point_progress(fraction: float | None, message: str, index: int = index) -> None:
            if progress is not None:
                progress((index + (fraction or 0.0)) / len(plan), f"Point {index + 1}/{len(plan)}: {message}")

        metrics = run_benchmark(Path(xml_path), settings, progress=point_progress, samples=samples)
        point = {
            "batch": metrics.get("batch_actual"),
            "nstreams": settings.nstreams,
            "nireq": settings.nireq,
            "nstreams_actual": metrics.get("nstreams_actual"),
            "nireq_actual": metrics.get("nireq_actual"),
            "throughput_fps": metrics["throughput_fps"],
            "latency_median_ms": metrics["latency_ms"]["median"],
            "latency_p90_ms": metrics["latency_ms"]["p90"],
            "latency_p99_ms": metrics["latency_ms"]["p99"],
            "compute_precision": metrics.get("compute_precision"),
            "noisy": bool((metrics.get("noisy") or {}).get("noisy")),
            "noisy_reasons": (metrics.get("noisy") or {}).get("reasons") or [],
        }
        if on_point is not None:
            point["result_id"] = on_point(settings, metrics)
        points.append(point)
    spot = sweet_spot(points, latency_limit_ms)
    return {
        "points": points,
        "sweet_spot": None if spot is None else {"index": spot, **points[spot]},
        "latency_limit_ms": latency_limit_ms,
    }
