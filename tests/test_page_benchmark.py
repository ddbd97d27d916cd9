"""AppTest of the Benchmark & profile page through the real router (real jobs, real DB)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from benchmark_models import conv_net, int8_conv_net
from core.benchmark.jobs import BENCHMARK_ENTRYPOINT, PROFILE_ENTRYPOINT, SWEEP_ENTRYPOINT
from core.jobs import run_job_inline
from tests.conftest import open_page, page_text, rendered

PAGE = "pages/benchmark.py"


def _variant(builder, name: str, precision: str = "FP32") -> int:  # type: ignore[no-untyped-def]
    from core.variants import create_model, register_variant
    from core.workspace import new_artifact_dir

    xml = builder(new_artifact_dir("models"), name)
    return register_variant(create_model(name, "ir"), xml, precision=precision, method="imported")


def _default_compute() -> str:
    from core.precision import device_compute

    return device_compute("CPU")["default"]


@pytest.fixture
def variant_id(workspace: Path) -> int:
    return _variant(conv_net, "conv")


def _rerun_until(at, text: str, timeout_s: float = 180) -> str:  # type: ignore[no-untyped-def]
    """Re-run the page (timed fragments never fire in AppTest) until `text` shows; the page text."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and text not in page_text(at):
        time.sleep(1.0)
        at.run()
    return page_text(at)


def _form_button(at, label: str):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == label)


def test_devices_and_absent_ones_are_explained(variant_id: int) -> None:
    at = open_page(PAGE)
    assert not at.exception, at.exception
    text = page_text(at)
    assert "**CPU**" in text and "Streams: 1–" in text and "Inference precisions" in text
    assert "GPU** not available" in text and "NPU** not available" in text
    virtual = next(df.value for df in at.dataframe if "Device" in df.value.columns)
    assert {"AUTO", "MULTI", "HETERO"} <= set(virtual["Device"])
    assert "No stored results" in text


def test_stored_benchmark_profile_and_sweep_are_drawn(workspace: Path) -> None:
    vid = _variant(int8_conv_net, "int8", "INT8")
    bench = run_job_inline("benchmark", BENCHMARK_ENTRYPOINT,
                           {"iterations": 20, "repeats": 2, "infer_precision": "f32",
                            "variant_id": vid}, target="t", variant_id=vid)
    prof = run_job_inline("profile", PROFILE_ENTRYPOINT,
                          {"hint": "latency", "infer_precision": "f32", "iterations": 5,
                           "variant_id": vid}, target="t", variant_id=vid)
    sweep = run_job_inline("sweep", SWEEP_ENTRYPOINT,
                           {"duration_s": 0.2, "infer_precision": "f32", "batches": [1],
                            "nstreams_values": [1, 2], "latency_limit_ms": 1000.0, "variant_id": vid},
                           target="t", variant_id=vid)
    assert bench.state == prof.state == sweep.state == "done"
    at = open_page(PAGE)
    assert not at.exception, at.exception
    assert "Sweet spot:" in page_text(at)  # newest result first
    assert "INT8 weights · f32 compute" in page_text(at)
    assert len(at.get("plotly_chart")) >= 1
    listed = next(df.value for df in at.dataframe if "precision" in df.value.columns and "kind" in df.value.columns)
    assert set(listed["precision"]) == {"INT8 weights · f32 compute"} and "noisy" in listed.columns

    at.selectbox(key="bench-result-pick").set_value(bench.result["id"]).run()  # type: ignore[index]
    text = page_text(at)
    assert "Throughput" in text and "Median latency" in text and "First inference" in text and "Peak memory" in text
    assert "over 2 runs" in text
    assert "**INT8 weights · f32 compute**" in text and "executed layers:" in text

    at.selectbox(key="bench-result-pick").set_value(prof.result["id"]).run()  # type: ignore[index]
    assert not at.exception, at.exception
    text = page_text(at)
    assert "in FP32 in this INT8 model" in text
    assert "**INT8 weights · f32 compute**" in text and "3 runs: total median" in text
    layers = next(df.value for df in at.dataframe if "exec_type" in df.value.columns)
    assert set(layers["status"]) == {"executed"}  # default filter
    assert {"real_ms_min", "real_ms_max", "spread", "unstable"} <= set(layers.columns)
    assert any("I8" in kernel for kernel in layers["exec_type"])
    at.multiselect(key=f"stored-filter-types-{prof.result['id']}").set_value(["Convolution"]).run()  # type: ignore[index]
    layers = next(df.value for df in at.dataframe if "exec_type" in df.value.columns)
    assert set(layers["type"]) == {"Convolution"} and len(layers) == 2
    assert len(at.get("download_button")) == 1


def test_default_compute_is_named_and_noise_is_marked(workspace: Path) -> None:
    """The same page with the device default: the label names what the device computed in, the
    hint names the float precision the unquantized layer ran in; a run beside busy processes is
    marked noisy in the list and on the result."""
    import os
    import subprocess
    import sys

    default = _default_compute()
    words = {"f32": "FP32", "f16": "FP16"}.get(default, default.upper())
    vid = _variant(int8_conv_net, "int8", "INT8")
    prof = run_job_inline("profile", PROFILE_ENTRYPOINT, {"hint": "latency", "iterations": 5,
                                                         "variant_id": vid}, target="t", variant_id=vid)
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 2)]
    try:
        bench = run_job_inline("benchmark", BENCHMARK_ENTRYPOINT, {"duration_s": 2.0,
                                                                   "variant_id": vid}, target="t", variant_id=vid)
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    assert prof.state == bench.state == "done"
    at = open_page(PAGE)
    assert not at.exception, at.exception
    listed = next(df.value for df in at.dataframe if "precision" in df.value.columns and "kind" in df.value.columns)
    assert set(listed["precision"]) == {f"INT8 weights · {default} compute"}
    noisy = listed.set_index("id").loc[bench.result["id"], "noisy"]  # type: ignore[index]
    assert noisy.startswith("⚠") and "other processes used" in noisy
    text = page_text(at)  # the newest (the benchmark) is shown
    assert "Noisy result" in text and f"**INT8 weights · {default} compute**" in text
    at.selectbox(key="bench-result-pick").set_value(prof.result["id"]).run()  # type: ignore[index]
    text = page_text(at)
    assert f"in {words} in this INT8 model" in text and f"**INT8 weights · {default} compute**" in text


def test_form_offers_compute_precisions_of_the_device(variant_id: int) -> None:
    from core.precision import device_compute

    facts = device_compute("CPU")
    at = open_page(PAGE)
    select = at.selectbox(key="bench-form_infer_precision")
    assert select.options[:2] == [f"device default ({facts['default']})", "f32 (exact)" + (
        " = the default" if facts["default"] == "f32" else "")]
    assert len(select.options) == 1 + len({"f32", *facts["native"]})
    assert "its default compute precision is " + facts["default"] in page_text(at)
    select.set_value("f32")
    at.number_input(key="bench-form_iterations").set_value(10)
    at.number_input(key="bench-form_repeats").set_value(1)
    _form_button(at, "Run benchmark").click().run()
    assert "**FP32 weights · f32 compute**" in _rerun_until(at, "Median latency")
    from core.benchmark import list_results

    assert list_results("benchmark")[0].config["infer_precision"] == "f32"


def test_bad_settings_show_an_error_and_start_nothing(variant_id: int) -> None:
    at = open_page(PAGE)
    at.number_input(key="bench-form_nstreams").set_value(64)
    _form_button(at, "Run benchmark").click().run()
    assert not at.exception, at.exception
    assert any("streams" in rendered(e.value) and "out of range" in rendered(e.value) for e in at.error)
    from core.jobs import list_jobs

    assert list_jobs() == []


def test_run_a_benchmark_from_the_form(variant_id: int) -> None:
    at = open_page(PAGE)
    at.number_input(key="bench-form_iterations").set_value(30)
    at.number_input(key="bench-form_repeats").set_value(2)
    _form_button(at, "Run benchmark").click().run()
    assert not at.exception, at.exception
    text = _rerun_until(at, "Median latency")
    assert "Median latency" in text, text[-2000:]
    assert "over 2 runs" in text
    from core.benchmark import list_results

    stored = list_results("benchmark", variant_id=variant_id)
    assert len(stored) == 1 and stored[0].config["iterations"] == 30


def test_run_a_group_from_the_form_marks_the_sweet_spot(variant_id: int) -> None:
    at = open_page(PAGE)
    at.text_input(key="sweep-form_batches").set_value("1,2")
    at.text_input(key="sweep-form_nstreams_values").set_value("1")
    at.number_input(key="sweep-form_iterations").set_value(20)
    at.number_input(key="sweep-form_latency_limit_ms").set_value(10_000.0)
    _form_button(at, "Run group").click().run()
    assert not at.exception, at.exception
    assert "Sweet spot: batch" in _rerun_until(at, "Sweet spot:")
    points = next(df.value for df in at.dataframe if "latency_median_ms" in df.value.columns)
    assert list(points["batch"]) == [1, 2]


def test_bad_group_values_are_explained(variant_id: int) -> None:
    at = open_page(PAGE)
    at.text_input(key="sweep-form_nstreams_values").set_value("1,x")
    _form_button(at, "Run group").click().run()
    assert any("Streams: expected whole numbers" in rendered(e.value) for e in at.error)
