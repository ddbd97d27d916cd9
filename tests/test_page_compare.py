"""AppTest of the Compare page through the real router, on real FP32/FP16/INT8 measurements."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmark_models import conv_net
from compare_data import Measured, measured_workspace
from core.precision import compute_summary, device_compute
from tests.conftest import open_page, page_text


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Measured]:
    root = tmp_path_factory.mktemp("compare-page")
    yield from measured_workspace(root, conv_net(root / "source", "conv", dynamic_batch=False, size=32))


def _table(at):  # type: ignore[no-untyped-def]
    return next(df.value for df in at.dataframe if "Speed-up" in df.value.columns)


def test_empty_workspace_says_what_to_do(workspace: Path) -> None:
    at = open_page("pages/compare.py")
    assert not at.exception, at.exception
    assert "No benchmark results yet" in page_text(at)


def test_dashboard_table_charts_recommendation_and_downloads(measured: Measured) -> None:
    at = open_page("pages/compare.py")
    assert not at.exception, at.exception
    chosen = at.multiselect(key="compare_results").value
    assert sorted(chosen) == sorted(measured.benchmarks.values())
    assert at.selectbox(key="compare_baseline").value == measured.benchmarks["FP32"]  # the original FP32
    table = _table(at)
    default = device_compute("CPU")["default"]
    assert len(table) == 4 and set(table["Weights"]) == {"FP32", "FP16", "INT8"}
    assert set(table["Compute"]) == {default}  # default benchmarks compute in the device's default
    base = table[table["Result"] == measured.benchmarks["FP32"]].iloc[0]
    assert bool(base["Baseline"]) and base["Speed-up"] == 1.0
    fp16 = table[table["Weights"] == "FP16"].iloc[0]
    assert fp16["Size reduction"] > 1.3  # FP16 weights
    text = page_text(at)
    assert "Recommendation" in text and f" weights · {default} compute on CPU, " in text
    assert f"× FP32·{default} FPS" in text or "baseline itself" in text
    assert f"FP32 and FP16 were computed alike in {default}" in text
    if default != "f16":
        assert f"FP16 IR was computed in {default}" in text
    assert compute_summary("CPU") in text
    assert len(at.get("plotly_chart")) >= 4
    assert {b.proto.label for b in at.get("download_button")} >= {"Report (HTML, opens offline)", "Table (CSV)",
                                                                 "Everything (JSON)"}


def test_baseline_and_limits_change_the_answer(measured: Measured) -> None:
    at = open_page("pages/compare.py")
    at.selectbox(key="compare_baseline").set_value(measured.benchmarks["INT8"]).run()
    assert not at.exception, at.exception
    table = _table(at)
    assert table[table["Result"] == measured.benchmarks["INT8"]].iloc[0]["Speed-up"] == 1.0
    at.number_input(key="compare_max_latency").set_value(0.0001).run()
    assert "No result meets median latency ≤ 0.0001 ms" in page_text(at)
    assert not _table(at)["Within limits"].any()


def test_per_layer_comparison_and_graph_link(measured: Measured) -> None:
    at = open_page("pages/compare.py")
    # defaults: A = the baseline's (FP32) profile, B = the recommended variant's profile (INT8 here)
    assert at.selectbox(key="compare_profile_a").value == measured.profiles["FP32"]
    at.selectbox(key="compare_profile_b").set_value(measured.profiles["INT8"]).run()
    assert not at.exception, at.exception
    labels = {m.label for m in at.metric}
    assert {"A: total per inference", "B: total per inference", "B / A"} <= labels
    text = page_text(at)
    assert "IR layers covered only in B" in text and "fq_output" in text
    layers = next(df.value for df in at.dataframe if "Note" in df.value.columns)
    assert (layers["Type"] == "Convolution").sum() == 2
    at.button(key="compare_open_graph").click().run()
    assert not at.exception, at.exception
    assert at.session_state["graph_colour"] == "ratio"
    assert at.session_state["graph_profile"] == measured.profiles["INT8"]
    assert at.session_state["graph_baseline_profile"] == measured.profiles["FP32"]
    assert at.session_state["_ovwb_last_variant"] == measured.variants["INT8"]
    assert at.title[0].value == "Graph"


def test_missing_run_is_offered_when_the_default_is_reduced_and_one_click_benchmarks_it(measured: Measured) -> None:
    """Last in this module: the click stores a new result in the shared workspace."""
    from core.jobs import list_jobs

    facts = device_compute("CPU")
    at = open_page("pages/compare.py")
    assert not at.exception, at.exception
    buttons = {b.label: b for b in at.button if b.key and b.key.startswith("compare_missing_")}
    if not facts["default_is_reduced"]:  # FP32 with the default is FP32 in f32: nothing is missing
        assert buttons == {}
        return
    # FP32 for the throughput results; FP32 in f32 and in the default for the INT8 latency one
    assert len(buttons) == 3, buttons.keys()
    label = next(b for b in buttons if b.startswith("Benchmark FP32 with f32 compute (throughput hint"))
    assert any(b.startswith(f"Benchmark FP32 with the default ({facts['default']}) compute (latency hint") for b in buttons)
    assert any(b.startswith("Benchmark FP32 with f32 compute (latency hint") for b in buttons)
    assert "python -m core benchmark" in page_text(at) and "--infer-precision f32" in page_text(at)
    before = {job.id for job in list_jobs()}
    buttons[label].click().run()
    assert not at.exception, at.exception
    jobs = [job for job in list_jobs() if job.id not in before]
    assert len(jobs) == 1 and jobs[0].kind == "benchmark" and jobs[0].variant_id == measured.variants["FP32"]
    assert jobs[0].params["infer_precision"] == "f32"  # the BenchmarkRequest's params
    assert jobs[0].params["hint"] == "throughput" and jobs[0].params["duration_s"] == 1.0
    # when the job is done its result joins the selection and the offer disappears
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        time.sleep(1.0)
        at.run()
        table = _table(at)
        if "f32" in set(table["Compute"]):
            break
    table = _table(at)
    new = table[table["Compute"] == "f32"]
    assert len(new) == 1 and new.iloc[0]["Weights"] == "FP32", table
    assert label not in {b.label for b in at.button}
