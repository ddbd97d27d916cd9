"""Which results are worth considering: the accuracy-vs-throughput Pareto front under limits.

A result is on the front when no other result within the limits is at least as fast and at
least as accurate, and strictly better in one of the two. Results outside the user's limits
(latency above the maximum, accuracy below the minimum or not measured while a minimum is
set) are never on the front, whatever their speed: a fast answer that breaks the budget is
not an answer.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """The user's constraints; accuracy as a fraction (0.75 = 75 %) in the compared metric."""

    max_latency_ms: float | None = None
    min_accuracy: float | None = None
    latency_stat: str = "median"  # which latency the limit applies to: median, p90, p99, avg

    def describe(self) -> str:
        parts = []
        if self.max_latency_ms is not None:
            parts.append(f"{self.latency_stat} latency ≤ {self.max_latency_ms:g} ms")
        if self.min_accuracy is not None:
            parts.append(f"accuracy ≥ {self.min_accuracy * 100:g} %")
        return " and ".join(parts) if parts else "no limits"


@dataclass(frozen=True)
class Point:
    key: int
    throughput: float | None
    accuracy: float | None  # None: not measured (or in another metric)
    latency_ms: float | None


def violations(point: Point, limits: Limits) -> list[str]:
    """Why a point breaks the limits, in words; empty when it meets them."""
    reasons = []
    if limits.max_latency_ms is not None:
        if point.latency_ms is None:
            reasons.append(f"{limits.latency_stat} latency unknown")
        elif point.latency_ms > limits.max_latency_ms:
            reasons.append(f"{limits.latency_stat} latency {point.latency_ms:.2f} ms > {limits.max_latency_ms:g} ms")
    if limits.min_accuracy is not None:
        if point.accuracy is None:
            reasons.append("accuracy not measured")
        elif point.accuracy < limits.min_accuracy:
            reasons.append(f"accuracy {point.accuracy * 100:.1f} % < {limits.min_accuracy * 100:g} %")
    if point.throughput is None:
        reasons.append("no throughput")
    return reasons


def _dominates(a: Point, b: Point) -> bool:
    assert a.throughput is not None and b.throughput is not None
    assert a.accuracy is not None and b.accuracy is not None
    return (a.throughput >= b.throughput and a.accuracy >= b.accuracy
            and (a.throughput > b.throughput or a.accuracy > b.accuracy))


def pareto_front(points: list[Point], limits: Limits | None = None) -> list[int]:
    """Keys of the front, fastest first.

    With no accuracy anywhere, the comparison is one-dimensional and the front is the fastest
    result(s); points without accuracy are left out when others have it (they cannot be
    placed on the accuracy axis).
    """
    limits = limits or Limits()
    feasible = [p for p in points if not violations(p, limits)]
    with_accuracy = [p for p in feasible if p.accuracy is not None]
    if not with_accuracy:
        best = max((p.throughput for p in feasible if p.throughput is not None), default=None)
        return [p.key for p in feasible if best is not None and p.throughput == best]
    front = [p for p in with_accuracy if not any(_dominates(q, p) for q in with_accuracy if q is not p)]
    return [p.key for p in sorted(front, key=lambda p: -(p.throughput or 0.0))]
