"""Benchmark jobs and the CLI: stored rows, the device lock, cancel, the watchdog, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from benchmark_models import conv_net
from core.benchmark.jobs import BENCHMARK_ENTRYPOINT, SWEEP_ENTRYPOINT
from core.device_lock import lock_names
from core.locks import file_lock
from core.benchmark.results import get_result, list_results
from core.benchmark.watchdog import LoopWatch
from core.jobs import cancel_job, get_job, run_job_inline
from core.jobs.context import lock_holder
from core.precision import device_compute
from core.store import Job, session_scope

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return conv_net(tmp_path_factory.mktemp("bench-jobs"), "net", dynamic_batch=True)


@pytest.fixture
def variant_id(model: Path, workspace: Path) -> int:
    import shutil

    from core.variants import create_model, register_variant
    from core.workspace import new_artifact_dir

    folder = new_artifact_dir("models")
    shutil.copy(model, folder / "net.xml")
    shutil.copy(model.with_suffix(".bin"), folder / "net.bin")
    model_id = create_model("conv net", "ir", task="classification")
    return register_variant(model_id, folder / "net.xml", precision="FP32", method="imported")


def cli(*args: str, workspace: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, OVWB_WORKSPACE=str(workspace), OVWB_NO_SAMPLE="1", PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "core", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=300)


def test_cli_benchmark_stores_a_comparable_result(variant_id: int, workspace: Path) -> None:
    from core.variants import get_variant, variant_xml

    xml = variant_xml(get_variant(variant_id))
    done = cli("benchmark", str(xml), "-d", "CPU", "--hint", "latency", "-n", "30", "--repeats", "2", "--json",
               workspace=workspace)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)  # the measurement shape of `results --id` (core/schema)
    assert data["kind"] == "benchmark" and "config" in data and "id" in data
    for key in ("throughput_fps", "latency_ms", "first_inference_ms", "compile_ms"):
        assert key in data["metrics"]
    assert set(data["metrics"]["latency_ms"]) == {"min", "median", "avg", "p90", "p99", "max"}
    row = get_result(data["id"])
    assert row.kind == "benchmark" and row.variant_id == variant_id  # found by its file
    config = row.config
    assert {"device", "hint", "nstreams", "nireq", "batch", "nthreads", "infer_precision", "cache", "input",
            "repeats"} <= set(config)
    assert config["iterations"] == 30 and "duration_s" not in config
    metrics = row.metrics
    for key in ("throughput_fps", "throughput_fps_std", "latency_ms", "latency_histogram", "latencies_ms_sample",
                "first_inference_ms", "read_ms", "compile_ms", "peak_rss_mb", "iterations", "duration_s",
                "repeats", "nstreams_actual", "nireq_actual"):
        assert key in metrics, key
    assert len(metrics["repeats"]) == 2
    assert row.machine["openvino"] and row.machine["cpu"]
    # both precision axes, in the JSON and in the stored row
    default = device_compute("CPU")["default"]
    assert data["metrics"]["compute_precision"] == default == metrics["compute_precision"] == metrics["inference_precision"]
    assert data["precision_label"] == f"FP32 weights · {default} compute" == metrics["precision_label"]
    assert data["summary"]["compute_precision"] == default
    assert metrics["weight_precision"] == "FP32" and metrics["runtime_precisions"].get(default, 0) >= 1
    assert set(data["metrics"]["noisy"]) == {"noisy", "reasons"} and "loadavg_before" in data["metrics"]["machine_load"]

    listed = cli("results", "--json", workspace=workspace)
    assert listed.returncode == 0
    items = json.loads(listed.stdout)["items"]
    assert data["id"] in [item["id"] for item in items]
    item = next(item for item in items if item["id"] == data["id"])
    assert item["summary"]["precision_label"] == data["precision_label"]


@pytest.mark.parametrize("compute", ["f32", None], ids=["f32", "device-default"])
def test_cli_human_output_names_both_precisions(model: Path, workspace: Path, compute: str | None) -> None:
    args = ["--infer-precision", compute] if compute else []
    done = cli("benchmark", str(model), "-n", "8", *args, workspace=workspace)
    assert done.returncode == 0, done.stderr
    expected = compute or device_compute("CPU")["default"]
    assert f"precision_label: FP32 weights · {expected} compute" in done.stdout
    assert f"compute_precision: {expected}" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--nstreams", "64"], "streams"),
        (["-d", "GPU"], "not present"),
        (["-b", "0"], "positive"),
    ],
)
def test_cli_bad_settings_exit_2(model: Path, workspace: Path, args: list[str], message: str) -> None:
    done = cli("benchmark", str(model), *args, "--json", workspace=workspace)
    assert done.returncode == 2
    assert message in json.loads(done.stdout)["error"]
    assert list_results() == []


def test_cli_missing_model_exits_2(workspace: Path) -> None:
    done = cli("benchmark", str(workspace / "nope.xml"), workspace=workspace)
    assert done.returncode == 2 and "missing" in done.stderr


def test_job_waits_for_the_device_lock(variant_id: int, workspace: Path) -> None:
    """A measurement queues behind whoever holds the device (here: a script's file lock)."""
    outcome: dict[str, object] = {}
    with file_lock(lock_names("CPU")[0]):
        runner = threading.Thread(
            target=lambda: outcome.update(job=run_job_inline(
                "benchmark", BENCHMARK_ENTRYPOINT, {"iterations": 8, "variant_id": variant_id},
                target="t", variant_id=variant_id)),
        )
        runner.start()
        deadline = time.monotonic() + 60
        waiting = False
        while time.monotonic() < deadline and not waiting:
            with session_scope() as s:
                job = s.query(Job).order_by(Job.id.desc()).first()
                waiting = job is not None and "Waiting for device-CPU" in (job.message or "")
            time.sleep(0.2)
        assert waiting, "the job did not report that it waits for the device"
        assert list_results() == []
    runner.join(timeout=120)
    job = outcome["job"]
    assert job.state == "done", job.error  # type: ignore[attr-defined]
    assert len(list_results("benchmark")) == 1


def test_cancel_stops_a_running_benchmark(variant_id: int, workspace: Path) -> None:
    outcome: dict[str, object] = {}
    runner = threading.Thread(
        target=lambda: outcome.update(job=run_job_inline(
            "benchmark", BENCHMARK_ENTRYPOINT, {"duration_s": 60, "variant_id": variant_id},
            target="t", variant_id=variant_id)),
    )
    started = time.monotonic()
    runner.start()
    deadline = time.monotonic() + 60
    job_id = None
    while time.monotonic() < deadline:
        with session_scope() as s:
            job = s.query(Job).order_by(Job.id.desc()).first()
            if job is not None and (job.message or "").startswith("Measuring"):
                job_id = job.id
                break
        time.sleep(0.2)
    assert job_id is not None
    cancel_job(job_id)
    runner.join(timeout=60)
    assert get_job(job_id).state == "cancelled"  # type: ignore[union-attr]
    assert time.monotonic() - started < 45
    assert list_results() == []


def test_sweep_job_stores_points_and_sweet_spot(variant_id: int, workspace: Path) -> None:
    job = run_job_inline(
        "sweep", SWEEP_ENTRYPOINT,
        {"duration_s": 0.3, "batches": [1, 2], "nstreams_values": [1, 2], "latency_limit_ms": 1000.0,
         "variant_id": variant_id},
        target="t", variant_id=variant_id,
    )
    assert job.state == "done", job.error
    sweep = get_result(job.result["id"])  # type: ignore[index]
    points = sweep.metrics["points"]
    assert [(p["batch"], p["nstreams_actual"]) for p in points] == [(1, 1), (1, 2), (2, 1), (2, 2)]
    default = device_compute("CPU")["default"]
    assert all(p["compute_precision"] == default and p["precision_label"] == f"FP32 weights · {default} compute"
               and isinstance(p["noisy"], bool) for p in points)
    assert sweep.metrics["precision_label"] == f"FP32 weights · {default} compute"
    best = max(points, key=lambda p: p["throughput_fps"])
    assert sweep.metrics["sweet_spot"]["throughput_fps"] == best["throughput_fps"]
    assert len(list_results("benchmark", variant_id=variant_id)) == 4  # every point is stored


def test_watchdog_flags_a_stalled_loop(model: Path) -> None:
    import openvino as ov

    request = ov.Core().compile_model(_static(model), "CPU").create_infer_request()
    watch = LoopWatch(stall_s=0.6, report=None, requests=[request])
    watch.start()
    deadline = time.monotonic() + 10
    while not watch.stalled and time.monotonic() < deadline:
        time.sleep(0.1)
    watch.finish()
    assert watch.stalled and watch.stop


def _static(model: Path):  # type: ignore[no-untyped-def]
    import openvino as ov

    net = ov.Core().read_model(str(model))
    net.reshape([1, 3, 32, 32])
    return net


def _latest_job(kind: str) -> Job | None:
    with session_scope() as s:
        return s.query(Job).filter(Job.kind == kind).order_by(Job.id.desc()).first()


def test_benchmark_waits_for_a_running_quantization(variant_id: int, workspace: Path, tmp_path: Path) -> None:
    """A benchmark submitted while one of our quantizations computes on the CPU waits for it,
    and says whom it waits for; it measures once the CPU is free (here: the quantization is
    cancelled, which kills its process and so frees the lock: 1000 samples only make it outlast
    the benchmark's start on a fast machine, they are never all computed)."""
    from orientation_data import orientation_ir, register_orientation_variant

    fp32 = register_orientation_variant(orientation_ir(tmp_path / "orientation"))
    outcome: dict[str, object] = {}
    quantize = threading.Thread(target=lambda: outcome.update(quantize=run_job_inline(
        "quantize", "core.quantize.jobs:quantize_job",
        {"variant_id": fp32, "dataset_id": None, "options": {"subset_size": 1000}, "measure_accuracy": False},
        variant_id=fp32)))
    quantize.start()
    deadline = time.monotonic() + 180
    holder = None
    while time.monotonic() < deadline and holder is None:
        found = lock_holder("device-CPU")
        holder = found if found and found["kind"] == "quantize" else None
        time.sleep(0.2)
    assert holder is not None, "the quantization never took the CPU lock"
    quantize_id = holder["job_id"]

    bench = threading.Thread(target=lambda: outcome.update(bench=run_job_inline(
        "benchmark", BENCHMARK_ENTRYPOINT, {"iterations": 8, "variant_id": variant_id},
        target="t", variant_id=variant_id)))
    bench.start()
    expected = f"quantization job {quantize_id} is using CPU"
    deadline = time.monotonic() + 120
    seen = ""
    while time.monotonic() < deadline and expected not in seen:
        job = _latest_job("benchmark")
        seen = (job.message or "") if job is not None else ""
        time.sleep(0.2)
    assert expected in seen, seen
    assert _latest_job("benchmark").state == "queued"  # type: ignore[union-attr]
    assert list_results("benchmark") == []  # nothing measured beside the quantization
    cancel_job(quantize_id)
    quantize.join(timeout=120)
    bench.join(timeout=180)
    assert outcome["quantize"].state == "cancelled"  # type: ignore[attr-defined]
    assert outcome["bench"].state == "done", outcome["bench"].error  # type: ignore[attr-defined]
    assert len(list_results("benchmark")) == 1
    assert lock_holder("device-CPU") is None  # released, and a killed holder is never named


def test_a_benchmark_beside_a_cpu_burner_is_marked_noisy(model: Path, workspace: Path) -> None:
    """Real disturbance: two busy processes (not ours to lock) share the cores with the run."""
    from core.benchmark import BenchmarkSettings, run_benchmark

    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 2)]
    try:
        time.sleep(0.5)
        metrics = run_benchmark(model, BenchmarkSettings(duration_s=2.0, repeats=1))
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    assert metrics["machine_load"]["other_cpu_share"] > 0.15
    assert metrics["noisy"]["noisy"] is True
    assert any("other processes used" in reason for reason in metrics["noisy"]["reasons"])


def _job_waits_while_the_cpu_is_held(kind: str, entrypoint: str, params: dict, variant_id: int | None = None) -> object:
    """Hold the CPU lock as a script would; the job must queue behind it, then finish once free."""
    outcome: dict[str, object] = {}
    with file_lock(lock_names("CPU")[0]):
        runner = threading.Thread(target=lambda: outcome.update(job=run_job_inline(
            kind, entrypoint, params, target="t", variant_id=variant_id)))
        runner.start()
        deadline = time.monotonic() + 120
        waiting = False
        while time.monotonic() < deadline and not waiting:
            job = _latest_job(kind)
            waiting = job is not None and job.state == "queued" and "Waiting for device-CPU" in (job.message or "")
            time.sleep(0.2)
        assert waiting, f"the {kind} job computed without taking the CPU lock"
    runner.join(timeout=300)
    job = outcome["job"]
    assert job.state == "done", job.error  # type: ignore[attr-defined]
    return job


def test_convert_and_accuracy_jobs_hold_the_cpu(workspace: Path, tmp_path: Path) -> None:
    """Conversion (with its check) and accuracy compute on the CPU: they take its lock like a
    measurement does, so a benchmark can never run beside them."""
    from orientation_data import orientation_ir, register_orientation_variant, write_rotated_dataset

    from core.datasets.catalog import import_dataset
    from core.importer import import_paths
    from tests.models_onnx import make_tiny_cnn_onnx

    model_id = import_paths([make_tiny_cnn_onnx(tmp_path)])["model_id"]
    converted = _job_waits_while_the_cpu_is_held("convert", "core.convert.jobs:convert_job", {"model_id": model_id})
    assert converted.result["variant_id"]  # type: ignore[attr-defined]

    fp32 = register_orientation_variant(orientation_ir(tmp_path / "orientation"))
    dataset = import_dataset(write_rotated_dataset(tmp_path / "docs"))
    measured = _job_waits_while_the_cpu_is_held(
        "accuracy", "core.accuracy.jobs:accuracy_job",
        {"variant_id": fp32, "dataset_id": dataset, "reference_variant_id": fp32, "limit": 8}, variant_id=fp32)
    assert measured.result["result_id"]  # type: ignore[attr-defined]
