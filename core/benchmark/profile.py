"""Per-layer profiling: a separate run with performance counters switched on.

Counters cost time, so they never share a run with an FPS measurement. The per-layer times
come from the requests' profiling info (averaged over every inference of the run, like
benchmark_app's average counters); the runtime model adds what the counters lack: the
runtime precision, the execution order and the original IR layers fused into each kernel
(`originalLayersNames`), so every IR node can be traced to the time it costs.
"""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from core.benchmark.engine import FIRST_INFERENCE_TIMEOUT_S, Progress, load_and_compile, reporter, wait_request
from core.benchmark.inputs import random_inputs
from core.benchmark.profile_summary import summarise_layers
from core.benchmark.settings import BenchmarkSettings

DEFAULT_PROFILE_ITERATIONS = 50
DEFAULT_PROFILE_MAX_S = 20.0
STATUS_NAMES = {"EXECUTED": "executed", "NOT_RUN": "not_run", "OPTIMIZED_OUT": "optimized_out"}


def _rt(info: Any, key: str) -> str:
    try:
        return info[key].astype(str)
    except Exception:  # a key this device does not write
        return ""


def _data_input_precisions(op: Any) -> list[str]:
    """Output precisions of the producers of `op`'s data inputs (weights/constants left out)."""
    precisions = []
    for port in op.inputs():
        producer = port.get_source_output().get_node()
        info = producer.get_rt_info()
        if _rt(info, "layerType") == "Const" or producer.get_type_name() == "Constant":
            continue
        precisions.append(_rt(info, "outputPrecisions").split(",")[0] or str(port.get_element_type()))
    return precisions


def runtime_nodes(compiled: Any) -> dict[str, dict[str, Any]]:
    """What the runtime (execution) graph says about each kernel, by its name."""
    nodes: dict[str, dict[str, Any]] = {}
    for op in compiled.get_runtime_model().get_ordered_ops():
        info = op.get_rt_info()
        order = _rt(info, "execOrder")
        nodes[op.get_friendly_name()] = {
            "type": _rt(info, "layerType") or op.get_type_name(),
            "precision": _rt(info, "runtimePrecision"),
            "output_precisions": _rt(info, "outputPrecisions"),
            "input_precisions": _data_input_precisions(op),
            "exec_order": int(order) if order.lstrip("-").isdigit() else None,
            "original_layers": [name for name in _rt(info, "originalLayersNames").split(",") if name],
        }
    return nodes


def _precision_from_exec_type(exec_type: str) -> str:
    suffix = exec_type.rsplit("_", 1)[-1].lower() if "_" in exec_type else ""
    return suffix if suffix in {"f32", "f16", "bf16", "i8", "u8", "i32", "i64", "u1", "fp32", "fp16", "int8"} else ""


def profile_model(
    xml_path: Path,
    settings: BenchmarkSettings,
    progress: Progress | None = None,
    iterations: int = DEFAULT_PROFILE_ITERATIONS,
    max_s: float = DEFAULT_PROFILE_MAX_S,
) -> dict[str, Any]:
    """Run `iterations` inferences (at most `max_s` seconds) with counters; rows + summaries."""
    report = reporter(progress)
    prepared, compiled, compile_ms, _config = load_and_compile(xml_path, settings, report, perf_count=True)
    nireq = settings.nireq or 1
    requests = [compiled.create_infer_request() for _ in range(nireq)]
    for request, data in zip(requests, random_inputs(compiled, nireq)):
        for port_index, array in data.items():
            request.get_input_tensor(port_index).data[:] = array
    report(0.1, "Warm-up inference")
    for request in requests:
        request.start_async()
    for request in requests:
        wait_request(request, FIRST_INFERENCE_TIMEOUT_S, "the warm-up inference")

    real_us: dict[str, float] = defaultdict(float)
    cpu_us: dict[str, float] = defaultdict(float)
    seen: dict[str, Any] = {}
    done = 0
    started = time.monotonic()
    while done < iterations and (done == 0 or time.monotonic() - started < max_s):
        for request in requests:
            request.start_async()
        for request in requests:
            wait_request(request, FIRST_INFERENCE_TIMEOUT_S, "a profiled inference")
            for entry in request.profiling_info:
                real_us[entry.node_name] += entry.real_time.total_seconds() * 1e6
                cpu_us[entry.node_name] += entry.cpu_time.total_seconds() * 1e6
                seen.setdefault(entry.node_name, entry)
            done += 1
        report(0.1 + 0.85 * min(1.0, done / iterations), f"Profiling: {done}/{iterations} inferences")

    runtime = runtime_nodes(compiled)
    fused_into = {original: name for name, node in runtime.items() for original in node["original_layers"] if original != name}
    layers = []
    for name, entry in seen.items():
        node = runtime.get(name, {})
        status = STATUS_NAMES.get(str(entry.status).rsplit(".", 1)[-1], str(entry.status).lower())
        if not node and name in fused_into:
            status = "optimized_out"  # fused into another kernel; its time is counted there
        layers.append(
            {
                "name": name,
                "type": node.get("type") or entry.node_type,
                "exec_type": entry.exec_type,
                "precision": node.get("precision") or _precision_from_exec_type(entry.exec_type),
                "status": status,
                "real_ms": real_us[name] / done / 1000,
                "cpu_ms": cpu_us[name] / done / 1000,
                "exec_order": node.get("exec_order"),
                "original_layers": node.get("original_layers", []),
                "input_precisions": node.get("input_precisions", []),
                "output_precisions": node.get("output_precisions", ""),
                "fused_into": fused_into.get(name) if not node else None,
            }
        )
    layers.sort(key=lambda row: (row["exec_order"] is None, row["exec_order"] or 0))
    device_caps = _device_capabilities(settings.device)
    summary = summarise_layers(layers, device_caps)
    report(1.0, f"Profiled {len(layers)} layers over {done} inferences")
    del requests, compiled
    return {
        "layers": layers,
        "summary": summary,
        "total_ms": summary["total_ms"],
        "iterations": done,
        "compile_ms": compile_ms,
        "read_ms": prepared.read_ms,
        "batch_actual": prepared.batch,
        "input_shapes": prepared.input_shapes,
    }


def _device_capabilities(device: str) -> list[str]:
    from core.benchmark.devices import device_ranges, physical_devices_of

    caps: set[str] = set()
    for name in physical_devices_of(device):
        caps.update(device_ranges(name)["capabilities"])
    return sorted(caps)
