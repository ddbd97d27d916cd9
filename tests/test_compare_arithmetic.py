"""Pareto front, limits and ratio arithmetic of the comparison (pure functions, exact values)."""

from __future__ import annotations

import pytest

from core.compare.accuracy import AccuracyFigure, headline
from core.compare.pareto import Limits, Point, pareto_front, violations
from core.compare.ratios import accuracy_change_pts, points, ratio, times

# FPS, top-1, median latency — the shape of a typical FP32/FP16/INT8 x settings comparison
FP32 = Point(1, 100.0, 0.760, 10.0)
INT8_TPUT = Point(2, 160.0, 0.758, 25.0)
INT8_BAD = Point(3, 150.0, 0.700, 12.0)  # slower and less accurate than #2: dominated
FP32_LAT = Point(4, 90.0, 0.770, 4.0)  # slowest but most accurate: on the front
ALL = [FP32, INT8_TPUT, INT8_BAD, FP32_LAT]


def test_front_keeps_only_undominated_points_fastest_first() -> None:
    assert pareto_front(ALL) == [2, 1, 4]


def test_limits_remove_points_before_the_front_is_drawn() -> None:
    assert pareto_front(ALL, Limits(min_accuracy=0.759)) == [1, 4]
    # #2 breaks a 20 ms latency budget: #3, dominated by #2 before, now joins the front
    assert pareto_front(ALL, Limits(max_latency_ms=20.0)) == [3, 1, 4]
    assert pareto_front(ALL, Limits(max_latency_ms=1.0)) == []


def test_violations_say_why() -> None:
    assert violations(INT8_TPUT, Limits(max_latency_ms=20.0)) == ["median latency 25.00 ms > 20 ms"]
    assert violations(INT8_BAD, Limits(min_accuracy=0.75)) == ["accuracy 70.0 % < 75 %"]
    assert violations(Point(9, 50.0, None, 1.0), Limits(min_accuracy=0.5)) == ["accuracy not measured"]
    assert violations(Point(9, 50.0, 0.9, None), Limits(max_latency_ms=5, latency_stat="p99")) == ["p99 latency unknown"]
    assert violations(FP32, Limits()) == []
    assert Limits(5.0, 0.75, "p90").describe() == "p90 latency ≤ 5 ms and accuracy ≥ 75 %"


def test_front_without_accuracy_is_the_fastest_and_ties_stay() -> None:
    blind = [Point(1, 100.0, None, 1.0), Point(2, 120.0, None, 1.0), Point(3, 120.0, None, 2.0)]
    assert pareto_front(blind) == [2, 3]
    # unmeasured points cannot be placed when others have accuracy
    assert pareto_front([*blind, Point(4, 10.0, 0.5, 1.0)]) == [4]
    twins = [Point(1, 100.0, 0.7, 1.0), Point(2, 100.0, 0.7, 1.0)]
    assert sorted(pareto_front(twins)) == [1, 2]


def test_ratio_arithmetic_and_text() -> None:
    assert ratio(160.0, 100.0) == 1.6
    assert ratio(None, 100.0) is None and ratio(1.0, 0.0) is None
    assert times(1.6) == "1.60×" and times(3.94) == "3.94×" and times(12.34) == "12.3×" and times(None) == "–"
    assert points(-0.2) == "−0.2 pts" and points(1.25) == "+1.2 pts" and points(0.0) == "±0.0 pts"
    top1 = AccuracyFigure("top1", 0.758, "test")
    assert accuracy_change_pts(top1, AccuracyFigure("top1", 0.760, "test")) == pytest.approx(-0.2)
    # different metrics are never subtracted
    assert accuracy_change_pts(top1, AccuracyFigure("top1_agreement", 1.0, "test")) is None


def test_accuracy_headline_reads_every_stored_shape() -> None:
    assert headline({"metric": "top1", "value": 0.75, "reference_value": 0.76}) == ("top1", 0.75, 0.76)
    assert headline({"top1": 0.7, "top5": 0.9}) == ("top1", 0.7, None)
    assert headline({"agreement_top1": 0.98, "cosine": 0.999}) == ("top1_agreement", 0.98, 1.0)
    assert headline({"cosine": 0.99}) == ("cosine", 0.99, 1.0)
    assert headline({}) is None and headline(None) is None


def test_sync_runs_are_reproduced_with_the_sync_api() -> None:
    from core.compare.commands import benchmark_command

    sync = benchmark_command({"device": "CPU", "hint": "latency", "api": "sync", "duration_s": 5}, "m.xml")
    assert "--hint latency" in sync and "--api sync" in sync
    assert "--api" not in benchmark_command({"device": "CPU", "hint": "latency", "duration_s": 5}, "m.xml")


def test_compute_precision_is_read_from_new_keys_then_old_ones() -> None:
    """New results store compute_precision; older ones the compiled model's inference_precision as
    OpenVINO printed it; a profile may only have runtime precisions; the request is the last resort."""
    from core.compare.selection import compute_from_runtime, read_compute

    assert read_compute({"compute_precision": "bf16", "inference_precision": "<Type: 'float32'>"}, {})[0] == "bf16"
    assert read_compute({"inference_precision": "<Type: 'float32'>"}, {}) == (
        "f32", "read back from the compiled model (INFERENCE_PRECISION_HINT)")
    assert read_compute({"inference_precision": "bf16"}, {})[0] == "bf16"
    # bf16 compute leaves many layers (reorders, first/last) in f32: any reduced float layer decides
    assert compute_from_runtime({"f32": 215, "bf16": 56, "i32": 54}) == "bf16"
    assert compute_from_runtime({"f32": 219, "i32": 54}) == "f32"
    assert compute_from_runtime({"u8": 3, "i32": 1}) is None and compute_from_runtime(None) is None
    assert read_compute({"runtime_precisions": {"f32": 10, "f16": 2}}, {}) == (
        "f16", "from the executed layers' runtime precisions")
    assert read_compute({"inference_precision": None}, {"infer_precision": "f32"}) == ("f32", "as requested (not read back)")
    assert read_compute({}, {}) == (None, "not recorded")
