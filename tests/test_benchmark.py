"""The measurement engine on real IRs: figures, batch, repeats, validation, sweep."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from benchmark_models import conv_net, fixed_batch_net, no_batch_net
from core.benchmark import BenchmarkSettings, run_benchmark
from core.benchmark.stats import histogram, latency_summary, percentile, thin
from core.benchmark.sweep import sweet_spot, sweep_settings
from core.errors import UserError

LATENCY_KEYS = {"min", "median", "avg", "p90", "p99", "max"}


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bench-models")
    return {
        "dynamic": conv_net(folder, "dynamic", dynamic_batch=True),
        "fixed": conv_net(folder, "fixed", dynamic_batch=False),
        "fixed_batch": fixed_batch_net(folder),
        "no_batch": no_batch_net(folder),
    }


def test_benchmark_figures_are_consistent(models: dict[str, Path], workspace: Path) -> None:
    metrics = run_benchmark(models["fixed"], BenchmarkSettings(hint="throughput", iterations=40, repeats=2))
    nireq = metrics["nireq_actual"]
    assert nireq >= 1 and metrics["nstreams_actual"] >= 1
    # benchmark_app rounds the iteration count up to whole rounds of requests
    for run in metrics["repeats"]:
        assert run["iterations"] == math.ceil(40 / nireq) * nireq
        assert run["throughput_fps"] == pytest.approx(run["iterations"] / run["duration_s"])
    assert len(metrics["repeats"]) == 2
    assert metrics["throughput_fps"] == pytest.approx(sum(r["throughput_fps"] for r in metrics["repeats"]) / 2)
    assert metrics["throughput_fps_std"] >= 0
    latency = metrics["latency_ms"]
    assert set(latency) == LATENCY_KEYS
    assert 0 < latency["min"] <= latency["median"] <= latency["p90"] <= latency["p99"] <= latency["max"]
    assert sum(metrics["latency_histogram"]["counts"]) == metrics["iterations"]
    assert len(metrics["latency_histogram"]["edges"]) == len(metrics["latency_histogram"]["counts"]) + 1
    assert len(metrics["latencies_ms_sample"]) == metrics["iterations"]  # fewer than 2000: all kept
    for key in ("first_inference_ms", "read_ms", "compile_ms", "peak_rss_mb"):
        assert metrics[key] > 0, key
    assert metrics["input_types"] == {"image": "u8"}  # a 3-channel image is fed as u8, like benchmark_app


def test_duration_budget_and_latency_hint(models: dict[str, Path], workspace: Path) -> None:
    metrics = run_benchmark(models["fixed"], BenchmarkSettings(hint="latency", duration_s=0.5))
    assert metrics["nireq_actual"] == 1 and metrics["nstreams_actual"] == 1
    assert 0.5 <= metrics["duration_s"] < 2.0
    assert metrics["iterations"] > 10


def test_sync_api_runs_one_request_like_benchmark_app(models: dict[str, Path], workspace: Path) -> None:
    metrics = run_benchmark(models["fixed"], BenchmarkSettings(hint="latency", api="sync", iterations=7))
    assert metrics["nireq_actual"] == 1 and metrics["iterations"] == 7  # sync: no alignment to requests
    assert sum(metrics["latency_histogram"]["counts"]) == 7


def test_batch_multiplies_frames(models: dict[str, Path], workspace: Path) -> None:
    metrics = run_benchmark(models["dynamic"], BenchmarkSettings(batch=4, iterations=8, nireq=2))
    assert metrics["batch_actual"] == 4
    assert metrics["input_shapes"]["image"] == [4, 3, 32, 32]
    run = metrics["repeats"][0]
    assert run["throughput_fps"] == pytest.approx(4 * run["iterations"] / run["duration_s"])
    assert metrics["compile_config"]["ALLOW_AUTO_BATCHING"] is False


def test_dynamic_batch_without_setting_runs_as_one(models: dict[str, Path], workspace: Path) -> None:
    metrics = run_benchmark(models["dynamic"], BenchmarkSettings(iterations=4))
    assert metrics["input_shapes"]["image"] == [1, 3, 32, 32]


def test_batch_that_cannot_change_is_a_clear_error(models: dict[str, Path], workspace: Path) -> None:
    with pytest.raises(UserError, match="batch cannot be changed to 2"):
        run_benchmark(models["fixed_batch"], BenchmarkSettings(batch=2, iterations=4))
    with pytest.raises(UserError, match="no input has a batch dimension"):
        run_benchmark(models["no_batch"], BenchmarkSettings(batch=2, iterations=4))
    assert run_benchmark(models["no_batch"], BenchmarkSettings(iterations=4))["batch_actual"] == 1


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"nstreams": 99}, "accepts 1 to"),
        ({"device": "GPU"}, "not present"),
        ({"device": "NPU.0"}, "not present"),
        ({"device": "HETERO:GPU,CPU"}, "GPU is not present"),
        ({"hint": "fast"}, "Unknown performance hint"),
        ({"infer_precision": "f64"}, "Unknown inference precision"),
        ({"repeats": 0}, "Repeats"),
        ({"batch": 0}, "positive"),
        ({"duration_s": 1, "iterations": 5}, "either a duration"),
        ({"api": "sync", "nireq": 4}, "one request at a time"),
        ({"api": "callback"}, "Unknown API mode"),
    ],
)
def test_bad_settings_are_rejected(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(UserError, match=message):  # a bad choice already fails building the settings
        BenchmarkSettings(**settings).check()


def test_unsupported_precision_names_the_capabilities() -> None:
    from core.devices import supported_precisions

    missing = [p for p in ("bf16", "f16") if p not in supported_precisions("CPU")]
    if not missing:
        pytest.skip("this CPU supports bf16 and f16")
    with pytest.raises(UserError, match="cannot run inference in"):
        BenchmarkSettings(infer_precision=missing[0]).check()


def test_virtual_devices_validate_their_parts() -> None:
    BenchmarkSettings(device="AUTO").check()
    BenchmarkSettings(device="AUTO:CPU").check()


def test_percentile_matches_benchmark_app() -> None:
    from openvino.tools.benchmark.benchmark import percentile as app_percentile

    values = sorted([5.0, 1.0, 3.0, 2.0, 4.0, 9.0, 7.0])
    for p in (1, 50, 90, 99, 100):
        assert percentile(values, p) == app_percentile(values, p)
    summary = latency_summary([1.0, 2.0, 3.0, 4.0])
    assert summary["median"] == 2.0 and summary["avg"] == 2.5 and summary["max"] == 4.0


def test_histogram_and_thinning() -> None:
    values = [float(i % 50) for i in range(5000)]
    hist = histogram(values)
    assert sum(hist["counts"]) == 5000
    sample = thin(values)
    assert len(sample) == 2000 and sample[0] == 0.0


def test_sweet_spot_is_fastest_under_the_limit() -> None:
    points = [
        {"throughput_fps": 100.0, "latency_median_ms": 5.0},
        {"throughput_fps": 180.0, "latency_median_ms": 9.0},
        {"throughput_fps": 250.0, "latency_median_ms": 20.0},
    ]
    assert sweet_spot(points, 10.0) == 1
    assert sweet_spot(points, None) == 2
    assert sweet_spot(points, 1.0) is None


def test_sweep_plan_sets_streams_explicitly() -> None:
    plan = sweep_settings(BenchmarkSettings(), [1, 2], [1, 2], [])
    assert [(s.batch, s.nstreams, s.hint) for s in plan] == [
        (1, 1, "none"), (1, 2, "none"), (2, 1, "none"), (2, 2, "none"),
    ]
    with pytest.raises(UserError, match="at most"):
        sweep_settings(BenchmarkSettings(), list(range(1, 8)), [1, 2], [1, 2, 3])


def test_dataset_images_as_input(models: dict[str, Path], workspace: Path, tmp_path: Path) -> None:
    pytest.importorskip("core.datasets.feeding")
    import cv2
    import numpy as np

    from core.datasets.catalog import import_dataset

    folder = tmp_path / "images"
    folder.mkdir()
    for index in range(3):
        cv2.imwrite(str(folder / f"{index}.png"), (np.random.default_rng(index).random((40, 50, 3)) * 255).astype("uint8"))
    dataset_id = import_dataset(folder, "three images")
    metrics = run_benchmark(models["dynamic"], BenchmarkSettings(iterations=8, batch=2, input=str(dataset_id)))
    assert metrics["input_shapes"]["image"] == [2, 3, 32, 32] and metrics["throughput_fps"] > 0
    assert metrics["input_types"] == {"image": "f32"}  # real samples keep the model's own type
    with pytest.raises(UserError, match="no dataset|There is no"):
        run_benchmark(models["dynamic"], BenchmarkSettings(iterations=4, input="999"))


def test_fp16_ir_on_a_cpu_without_fp16_is_explained() -> None:
    from core.benchmark.devices import precision_notes
    from core.devices import supported_precisions

    if "f16" in supported_precisions("CPU"):
        pytest.skip("this CPU computes in f16")
    notes = precision_notes("FP16", "f32", "CPU")
    assert len(notes) == 1 and "ran in f32" in notes[0]
    assert precision_notes("FP32", "f32", "CPU") == []


@pytest.mark.parametrize("compute", ["f32", None], ids=["f32", "device-default"])
def test_fp16_and_fp32_notes_name_the_compute_precision(compute: str | None) -> None:
    """An FP16 IR computed in f32 *or* bf16 runs like FP32 in that precision; an FP32 IR computed
    in bf16 is not an f32 number. Checked with f32 and with what this device defaults to."""
    from core.benchmark.devices import precision_notes
    from core.precision import device_compute

    ran_in = compute or device_compute("CPU")["default"]
    notes = precision_notes("FP16", ran_in, "CPU")
    if ran_in == "f16":
        assert notes == []
    else:
        assert len(notes) == 1 and f"ran in {ran_in} on CPU" in notes[0] and "smaller file" in notes[0]
    fp32 = precision_notes("FP32", ran_in, "CPU")
    assert fp32 == [] if ran_in == "f32" else ("not f32 numbers" in fp32[0])
    for note in notes + fp32:  # words about the hardware come from the device, never written down
        assert not any(word in note for word in ("AVX", "AMX", "VNNI"))


@pytest.mark.parametrize("compute", ["f32", None], ids=["f32", "device-default"])
def test_compute_precision_is_read_back(models: dict[str, Path], workspace: Path, compute: str | None) -> None:
    from core.precision import device_compute

    metrics = run_benchmark(models["fixed"], BenchmarkSettings(iterations=8, infer_precision=compute))
    expected = compute or device_compute("CPU")["default"]
    assert metrics["compute_precision"] == expected
    assert metrics["inference_precision"] == expected  # the old key stays
    runtime = metrics["runtime_precisions"]
    assert runtime.get(expected, 0) >= 1  # the executed layers confirm it
    if expected == "f32":
        assert not {"bf16", "f16"} & set(runtime)
    load = metrics["machine_load"]
    assert len(load["loadavg_before"]) == 3 and len(load["loadavg_after"]) == 3 and load["wall_s"] > 0
    assert "other_cpu_share" in load and load["threads_used"] >= 1
    assert set(metrics["noisy"]) == {"noisy", "reasons"}


def test_compute_precision_choices_come_from_the_device() -> None:
    from core.precision import compute_choices, device_compute

    facts = device_compute("CPU")
    choices = dict(compute_choices("CPU"))
    assert list(choices)[:2] == ["default", "f32"]
    assert f"({facts['default']})" in choices["default"]
    assert set(choices) == {"default", "f32", *facts["native"]}
    assert BenchmarkSettings.from_params({"infer_precision": "BF16"}).infer_precision == "bf16"
    assert BenchmarkSettings.from_params({"infer_precision": "default"}).infer_precision is None
    if "bf16" not in facts["native"]:
        with pytest.raises(UserError) as error:
            BenchmarkSettings(infer_precision="bf16").check()
        assert "computes natively in" in (error.value.hint or "")


def test_noise_verdict_rules() -> None:
    from core.benchmark.hygiene import noisy_text, verdict

    quiet = {"loadavg_before": [0.2, 0.2, 0.2], "loadavg_after": [1.1, 0.5, 0.3], "wall_s": 10.0, "cpu_count": 2,
             "threads_used": 2, "other_cpu_s": 0.4, "other_cpu_share": 0.02}
    assert verdict(quiet, [100.0, 101.0, 99.0]) == {"noisy": False, "reasons": []}
    busy = dict(quiet, other_cpu_share=0.45, other_cpu_s=9.0, loadavg_before=[6.0, 3.0, 1.0])
    result = verdict(busy, [100.0, 70.0, 100.0])
    assert result["noisy"] and len(result["reasons"]) == 3
    assert "other processes used 45%" in result["reasons"][0]
    assert "load average 6.0" in result["reasons"][1] and "2 thread(s)" in result["reasons"][1]
    assert "FPS varies by 19%" in result["reasons"][2]
    short = dict(busy, wall_s=0.05, loadavg_before=[0.1, 0.1, 0.1])  # too short for clock ticks to tell
    assert verdict(short)["noisy"] is False
    assert noisy_text({"noisy": result}).startswith("noisy: other processes used 45%")
    assert noisy_text({}) == ""


def test_one_settings_record_from_text_to_types() -> None:
    """Form text, CLI words, old job params and stored configs become one typed record: enums,
    a dataset id as input, benchmark_app's spellings; unknown keys are refused, not dropped."""
    from core.benchmark.requests import BenchmarkRequest, SweepRequest
    from core.benchmark.settings import Api, Hint, InputSource, int_list

    settings = BenchmarkSettings(hint="ctput", api="SYNC", input="3", pin="no", infer_precision="None", shape="")
    assert (settings.hint, settings.api, settings.input, settings.dataset_id) == (
        Hint.CUMULATIVE_THROUGHPUT, Api.SYNC, InputSource.DATASET, 3)
    assert (settings.pin, settings.infer_precision, settings.shape) == (False, None, None)
    assert settings.to_config()["input"] == "3" and "dataset_id" not in settings.to_config()
    request = BenchmarkRequest(variant_id=7, iterations=5, input="random")
    assert BenchmarkRequest.from_params(request.to_params()) == request
    with pytest.raises(UserError, match="Unknown setting"):
        BenchmarkRequest.from_params({"settings": {"iterations": 5}, "variant_id": 7})
    assert int_list("1, 2,4", "Batch sizes") == [1, 2, 4] == int_list(["1,2", "4"], "Batch sizes")
    with pytest.raises(UserError, match="Streams: expected whole numbers"):
        SweepRequest(nstreams_values=["1", "x"])
    with pytest.raises(UserError, match="must be positive"):
        int_list([0], "Requests")
