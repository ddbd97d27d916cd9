"""Ratios to the baseline, each oriented so that the reader knows which way is better.

- speed-up = FPS / baseline FPS (above 1 is faster),
- latency ratio = latency / baseline latency (below 1 is quicker per request),
- size reduction = baseline size / size ("3.9× smaller" reads better than "0.26× the size"),
- accuracy change in percentage points, only between figures of the same metric (top-1
  against top-1 agreement would be a meaningless difference).
"""

from __future__ import annotations

from typing import Any

from core.compare.accuracy import AccuracyFigure
from core.compare.selection import Entry


def ratio(value: float | None, reference: float | None) -> float | None:
    """value / reference, or None when either is missing or the reference is zero."""
    if value is None or reference is None or reference == 0:
        return None
    return float(value) / float(reference)


def accuracy_change_pts(figure: AccuracyFigure | None, baseline: AccuracyFigure | None) -> float | None:
    if figure is None or baseline is None or figure.metric != baseline.metric:
        return None
    return (figure.value - baseline.value) * 100.0


def ratios_to_baseline(entry: Entry, baseline: Entry, latency_stat: str = "median") -> dict[str, Any]:
    return {
        "speedup": ratio(entry.throughput, baseline.throughput),
        "latency_ratio": ratio(entry.latency(latency_stat), baseline.latency(latency_stat)),
        "size_reduction": ratio(baseline.size_bytes, entry.size_bytes),
        "accuracy_change_pts": accuracy_change_pts(entry.accuracy, baseline.accuracy),
        "memory_ratio": ratio(entry.metrics.get("peak_rss_mb"), baseline.metrics.get("peak_rss_mb")),
    }


def times(value: float | None) -> str:
    """'1.62×' style text (one decimal from 10× up); '–' when unknown."""
    if value is None:
        return "–"
    return f"{value:.1f}×" if value >= 10 else f"{value:.2f}×"


def points(value: float | None) -> str:
    """Signed percentage points with a real minus sign, e.g. '−0.2 pts'."""
    if value is None:
        return "–"
    sign = "+" if value > 0.005 else "−" if value < -0.005 else "±"
    return f"{sign}{abs(value):.1f} pts"
