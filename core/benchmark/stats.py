"""Latency statistics computed exactly as benchmark_app computes them.

benchmark_app's median is the nearest-rank percentile (`values[ceil(n*p/100)-1]` of the
sorted list), not an interpolated one; we use the same rank rule for every percentile so a
median printed by both tools is the same number.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

import numpy as np

SAMPLE_LIMIT = 2000
HISTOGRAM_BINS = 40


def percentile(sorted_values: Sequence[float], percent: float) -> float:
    return float(sorted_values[max(0, math.ceil(len(sorted_values) * percent / 100) - 1)])


def latency_summary(latencies_ms: Sequence[float]) -> dict[str, float]:
    ordered = sorted(latencies_ms)
    if not ordered:
        return {key: 0.0 for key in ("min", "median", "avg", "p90", "p99", "max")}
    return {
        "min": float(ordered[0]),
        "median": percentile(ordered, 50),
        "avg": float(sum(ordered) / len(ordered)),
        "p90": percentile(ordered, 90),
        "p99": percentile(ordered, 99),
        "max": float(ordered[-1]),
    }


def histogram(latencies_ms: Sequence[float], bins: int = HISTOGRAM_BINS) -> dict[str, list[float]]:
    if not latencies_ms:
        return {"edges": [], "counts": []}
    values = np.asarray(latencies_ms, dtype=np.float64)
    counts, edges = np.histogram(values, bins=min(bins, max(1, len(values))))
    return {"edges": [round(float(e), 4) for e in edges], "counts": [int(c) for c in counts]}


def thin(values: Sequence[float], limit: int = SAMPLE_LIMIT) -> list[float]:
    """At most `limit` values, evenly spread over the run (keeps the time order)."""
    if len(values) <= limit:
        return [round(float(v), 4) for v in values]
    step = len(values) / limit
    return [round(float(values[int(i * step)]), 4) for i in range(limit)]


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (0 for a single value)."""
    if not values:
        return 0.0, 0.0
    mean = float(statistics.fmean(values))
    return mean, float(statistics.stdev(values)) if len(values) > 1 else 0.0
