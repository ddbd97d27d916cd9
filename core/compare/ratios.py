"""Ratios to the baseline, each oriented so that the reader knows which way is better.

- speed-up = FPS / baseline FPS (above 1 is faster),
- latency ratio = latency / baseline latency (below 1 is quicker per request),
- size reduction = baseline size / size ("3.9× smaller" reads better than "0.26× the size"),
- accuracy change in percentage points, only between figures of the same metric (top-1
  against top-1 agreement would be a meaningless difference).
Results measured on two machines (remote targets, core/targets) give a cross-machine ratio:
it is always labelled so, and the machine is one more axis of the like-for-like check.
"""

from __future__ import annotations

from typing import Any

from core.compare.accuracy import AccuracyFigure
from core.compare.selection import LIKE_FOR_LIKE_SETTINGS, Entry


def ratio(value: float | None, reference: float | None) -> float | None:
    """value / reference, or None when either is missing or the reference is zero."""
    if value is None or reference is None or reference == 0:
        return None
    return float(value) / float(reference)


def accuracy_change_pts(figure: AccuracyFigure | None, baseline: AccuracyFigure | None) -> float | None:
    if figure is None or baseline is None or figure.metric != baseline.metric:
        return None
    return (figure.value - baseline.value) * 100.0


def cross_machine(entry: Entry, other: Entry) -> str | None:
    """"fast vs slow" when the two results were measured on different machines (targets), else None.

    A ratio between two machines answers "which machine runs this faster", not what the IR or
    the precision did: every such ratio is labelled a cross-machine ratio."""
    return f"{entry.target} vs {other.target}" if entry.target != other.target else None


def ratios_to_baseline(entry: Entry, baseline: Entry, latency_stat: str = "median") -> dict[str, Any]:
    return {
        "cross_machine": cross_machine(entry, baseline),
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


# ---------------------------------------------------------------- like for like

# Below this relative FPS difference two runs are not told apart, however steady they look: on a
# shared machine a repeat of the same run moves by a few percent.
NOISE_FLOOR = 0.05
SETTING_WORDS = {"hint": "hint", "api": "API", "nstreams": "streams", "nireq": "requests", "batch": "batch",
                 "nthreads": "threads", "input": "input", "cache": "model cache", "shape": "shape",
                 "data_shape": "data shape", "layout": "layout", "pin": "CPU pinning",
                 "perf_counts": "per-layer counters"}


def differences(entry: Entry, other: Entry) -> dict[str, Any]:
    """On which axes two results differ: weights, compute, device, machine, settings (each in words).

    A ratio is like for like when the two sides differ in at most one of these axes: that axis
    is what the ratio measures. Two axes at once (say INT8·bf16 against FP32·f32) and the
    ratio credits one for what the other did.
    """
    diff: dict[str, Any] = {}
    if entry.weight_precision != other.weight_precision:
        diff["weights"] = f"{entry.weight_precision} vs {other.weight_precision}"
    if entry.compute_precision != other.compute_precision:
        diff["compute"] = f"{entry.compute_precision or 'not recorded'} vs {other.compute_precision or 'not recorded'}"
    if entry.device != other.device:
        diff["device"] = f"{entry.device} vs {other.device}"
    machines = cross_machine(entry, other)
    if machines:
        diff["machine"] = machines
    settings = [f"{SETTING_WORDS[k]} {entry.setting(k)} vs {other.setting(k)}" for k in LIKE_FOR_LIKE_SETTINGS
                if entry.setting(k) != other.setting(k)]
    if settings:
        diff["settings"] = ", ".join(settings)
    return diff


def mixes(diff: dict[str, Any]) -> list[str]:
    """What makes a ratio not like for like, in words ([] when it is)."""
    if len(diff) <= 1:
        return []
    words = []
    if "compute" in diff:
        words.append(f"mixes compute precisions: {diff['compute']}")
    if "device" in diff:
        words.append(f"mixes devices: {diff['device']}")
    if "machine" in diff:
        words.append(f"mixes machines: {diff['machine']}")
    if "settings" in diff:
        words.append(f"mixes settings: {diff['settings']}")
    return words


def like_for_like_reference(entry: Entry, baseline: Entry, entries: list[Entry]) -> Entry | None:
    """The result to compare `entry` with when the baseline is not like for like.

    First choice: the baseline's weight precision measured exactly like `entry` (same compute,
    device, settings) — e.g. INT8·bf16 is set against FP32·bf16, not FP32·f32. Second: the same
    IR as `entry` computed in the baseline's compute precision (a pure compute comparison). Third:
    the same run on the baseline's machine (a pure cross-machine comparison).
    """
    if not mixes(differences(entry, baseline)):
        return None
    def value(other: Entry, axis: str) -> Any:
        return {"weights": other.weight_precision, "compute": other.compute_precision, "machine": other.target}[axis]

    for axis in ("weights", "compute", "machine"):
        for other in entries:
            if other.result_id == entry.result_id:
                continue
            diff = differences(entry, other)
            if set(diff) == {axis} and value(other, axis) == value(baseline, axis):
                return other
    return None


def noise_band(entry: Entry, other: Entry) -> float:
    """The relative FPS difference below which two results cannot be told apart.

    Twice the combined relative spread of their repeats, never below NOISE_FLOOR.
    """
    shares = []
    for e in (entry, other):
        fps, std = e.throughput, e.metrics.get("throughput_fps_std")
        shares.append(float(std) / fps if fps and std else 0.0)
    combined = (shares[0] ** 2 + shares[1] ** 2) ** 0.5
    return max(NOISE_FLOOR, 2 * combined)


def within_noise(entry: Entry, other: Entry) -> bool:
    speedup = ratio(entry.throughput, other.throughput)
    return speedup is not None and abs(speedup - 1.0) <= noise_band(entry, other)
