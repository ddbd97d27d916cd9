"""Per-layer profiling on real IRs: rows, tracing IR nodes to kernels, summaries, hints."""

from __future__ import annotations

from pathlib import Path

import openvino as ov
import pytest

from benchmark_models import conv_net, int8_conv_net
from core.benchmark import BenchmarkSettings, profile_model
from core.benchmark.jobs import PROFILE_ENTRYPOINT
from core.benchmark.results import get_result
from core.jobs import run_job_inline

ROW_KEYS = {"name", "type", "exec_type", "precision", "status", "real_ms", "cpu_ms", "exec_order", "original_layers"}


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("profile-models")
    return {"fp32": conv_net(folder, "fp32", dynamic_batch=False), "int8": int8_conv_net(folder)}


@pytest.fixture(scope="module")
def int8_profile(models: dict[str, Path]) -> dict:  # type: ignore[type-arg]
    return profile_model(models["int8"], BenchmarkSettings(hint="latency"), iterations=10)


def test_rows_have_every_field(int8_profile: dict) -> None:  # type: ignore[type-arg]
    layers = int8_profile["layers"]
    assert layers and all(ROW_KEYS <= set(row) for row in layers)
    statuses = {row["status"] for row in layers}
    assert "executed" in statuses and statuses <= {"executed", "not_run", "optimized_out"}
    executed = [row for row in layers if row["status"] == "executed"]
    assert all(row["real_ms"] >= 0 and row["exec_order"] is not None for row in executed)
    orders = [row["exec_order"] for row in layers if row["exec_order"] is not None]
    assert orders == sorted(orders)
    assert int8_profile["total_ms"] == pytest.approx(sum(row["real_ms"] for row in executed))


def test_every_ir_node_traces_to_a_kernel(models: dict[str, Path], int8_profile: dict) -> None:  # type: ignore[type-arg]
    """Each compute node of the IR is a kernel itself or fused into one (originalLayersNames)."""
    traced = {row["name"] for row in int8_profile["layers"]}
    for row in int8_profile["layers"]:
        traced.update(row["original_layers"])
    ir = ov.Core().read_model(str(models["int8"]))
    compute = [op.get_friendly_name() for op in ir.get_ordered_ops()
               if op.get_type_name() in {"Convolution", "Relu", "ReduceMean"}]
    assert compute and all(name in traced for name in compute)
    fused = [row for row in int8_profile["layers"] if row["status"] == "optimized_out"]
    assert any(row.get("fused_into") for row in fused)


def test_int8_kernels_transitions_and_hints(int8_profile: dict) -> None:  # type: ignore[type-arg]
    layers = int8_profile["layers"]
    convs = [row for row in layers if row["type"] == "Convolution" and row["status"] == "executed"]
    assert {row["precision"] for row in convs} == {"u8", "f32"}
    assert any("I8" in row["exec_type"] for row in convs)
    summary = int8_profile["summary"]
    pairs = {(t["from"], t["to"]) for t in summary["transitions"]}
    assert ("u8", "f32") in pairs  # the INT8 convolution hands f32 on to the FP32 one
    assert sum(item["share"] for item in summary["by_type"]) == pytest.approx(1.0)
    assert {item["precision"] for item in summary["by_precision"]} >= {"u8", "f32"}
    assert summary["top"][0]["real_ms"] >= summary["top"][-1]["real_ms"]
    assert any("in FP32 in this INT8 model" in hint for hint in summary["hints"])


def test_fp32_model_has_no_int8_hint(models: dict[str, Path]) -> None:
    result = profile_model(models["fp32"], BenchmarkSettings(hint="latency"), iterations=5)
    assert not any("INT8" in hint for hint in result["summary"]["hints"])
    heavy = [row for row in result["layers"] if row["type"] == "Convolution" and row["status"] == "executed"]
    assert heavy and all(row["precision"] == "f32" for row in heavy)
    # fed like benchmark_app: the 3-channel image input arrives as u8 and is converted once
    assert any(row["precision"] == "u8" for row in result["layers"] if row["type"] in {"Input", "Parameter"})


def test_profile_job_and_cli_shape(models: dict[str, Path], workspace: Path) -> None:
    job = run_job_inline("profile", PROFILE_ENTRYPOINT,
                         {"settings": {"hint": "latency"}, "model_path": str(models["int8"]), "iterations": 5},
                         target="t")
    assert job.state == "done", job.error
    row = get_result(job.result["id"])  # type: ignore[index]
    assert row.kind == "profile" and row.device == "CPU"
    assert {"layers", "summary", "total_ms"} <= set(row.metrics)
    assert row.config["profile_iterations"] == 5
