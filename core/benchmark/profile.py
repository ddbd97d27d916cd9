"""Per-layer profiling: a separate run with performance counters switched on.

Counters cost time, so they never share a run with an FPS measurement. The per-layer times
come from the requests' profiling info (averaged over every inference of a run, like
benchmark_app's average counters; the run is repeated and each layer keeps the median of the
runs with its spread); the runtime model adds what the counters lack: the
runtime precision, the execution order and the original IR layers fused into each kernel
(`originalLayersNames`), so every IR node can be traced to the time it costs.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from core.benchmark import hygiene
from core.benchmark.engine import (
    FIRST_INFERENCE_TIMEOUT_S,
    load_and_compile,
    precision_readback,
    reporter,
    wait_request,
)
from core.benchmark.inputs import random_inputs
from core.benchmark.profile_summary import MIN_TOTAL_JITTER_MS, summarise_layers
from core.benchmark.settings import BenchmarkSettings
from core.devices import device_ranges, physical_devices_of
from core.errors import UserError
from core.progress import Progress

DEFAULT_PROFILE_ITERATIONS = 50
DEFAULT_PROFILE_MAX_S = 30.0
DEFAULT_PROFILE_REPEATS = 3
MAX_PROFILE_REPEATS = 20
# A layer is `unstable` when it takes at least this share of the time and its runs differ by
# more than this fraction of its median time.
UNSTABLE_MIN_SHARE = 0.02
UNSTABLE_SPREAD = 0.5
UNSTABLE_MIN_JITTER_MS = 0.005  # a few microseconds are the counters' resolution, not instability
WARMUP_INFERENCES = 5
WARMUP_MAX_S = 1.0
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


def _profiled_run(requests: list[Any], iterations: int, max_s: float, report: Progress, label: str,
                  at: float, width: float) -> tuple[dict[str, float], dict[str, float], dict[str, Any], int]:
    """One run of `iterations` inferences with counters: per-layer mean real/cpu µs, entries, count."""
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
        report(at + width * min(1.0, done / iterations), f"{label}: {done}/{iterations} inferences")
    return ({k: v / done for k, v in real_us.items()}, {k: v / done for k, v in cpu_us.items()}, seen, done)


def profile_model(
    xml_path: Path,
    settings: BenchmarkSettings,
    progress: Progress | None = None,
    iterations: int = DEFAULT_PROFILE_ITERATIONS,
    max_s: float = DEFAULT_PROFILE_MAX_S,
    repeats: int | None = None,
) -> dict[str, Any]:
    """`repeats` runs (default DEFAULT_PROFILE_REPEATS) of `iterations` inferences with counters.

    One profile run is not the truth (two identical INT8 profiles differed by 2x on a busy
    machine): each layer's time is the median over the runs, with its min/max and spread, and
    a layer whose runs disagree a lot is flagged `unstable`; the per-run totals are kept too.
    `max_s` bounds the whole profile (split over the runs; each run does at least one inference).
    """
    repeats = DEFAULT_PROFILE_REPEATS if repeats is None else int(repeats)
    if not 1 <= repeats <= MAX_PROFILE_REPEATS:
        raise UserError(f"Profile repeats must be between 1 and {MAX_PROFILE_REPEATS}, got {repeats}.")
    report = reporter(progress)
    prepared, compiled, compile_ms, _config = load_and_compile(xml_path, settings, report, perf_count=True)
    nireq = settings.nireq or 1
    requests = [compiled.create_infer_request() for _ in range(nireq)]
    for request, data in zip(requests, random_inputs(compiled, nireq)):
        for port_index, array in data.items():
            request.get_input_tensor(port_index).data[:] = array
    report(0.1, "Warm-up inferences")
    warm_started = time.monotonic()
    for _ in range(WARMUP_INFERENCES):  # a first run right after compile is slower than the next ones
        for request in requests:
            request.start_async()
        for request in requests:
            wait_request(request, FIRST_INFERENCE_TIMEOUT_S, "the warm-up inference")
        if time.monotonic() - warm_started > WARMUP_MAX_S:
            break

    runs: list[tuple[dict[str, float], dict[str, float]]] = []
    seen: dict[str, Any] = {}
    counts: list[int] = []
    before = hygiene.sample()
    for repeat in range(repeats):
        label = f"Profiling, run {repeat + 1}/{repeats}" if repeats > 1 else "Profiling"
        real, cpu, entries, done = _profiled_run(requests, iterations, max_s / repeats, report, label,
                                                 0.1 + 0.85 * repeat / repeats, 0.85 / repeats)
        runs.append((real, cpu))
        for name, entry in entries.items():
            seen.setdefault(name, entry)
        counts.append(done)
    after = hygiene.sample()

    runtime = runtime_nodes(compiled)
    fused_into = {original: name for name, node in runtime.items() for original in node["original_layers"] if original != name}
    layers = []
    for name, entry in seen.items():
        node = runtime.get(name, {})
        status = STATUS_NAMES.get(str(entry.status).rsplit(".", 1)[-1], str(entry.status).lower())
        if not node and name in fused_into:
            status = "optimized_out"  # fused into another kernel; its time is counted there
        real_runs = [real.get(name, 0.0) / 1000 for real, _cpu in runs]
        layers.append(
            {
                "name": name,
                "type": node.get("type") or entry.node_type,
                "exec_type": entry.exec_type,
                "precision": node.get("precision") or _precision_from_exec_type(entry.exec_type),
                "status": status,
                "real_ms": statistics.median(real_runs),
                "cpu_ms": statistics.median([cpu.get(name, 0.0) / 1000 for _real, cpu in runs]),
                **layer_spread(real_runs),
                "exec_order": node.get("exec_order"),
                "original_layers": node.get("original_layers", []),
                "input_precisions": node.get("input_precisions", []),
                "output_precisions": node.get("output_precisions", ""),
                "fused_into": fused_into.get(name) if not node else None,
            }
        )
    layers.sort(key=lambda row: (row["exec_order"] is None, row["exec_order"] or 0))
    totals = [sum(real.get(row["name"], 0.0) for row in layers if row["status"] == "executed") / 1000
              for real, _cpu in runs]
    total = total_spread(totals)
    mark_unstable(layers, sum(row["real_ms"] for row in layers if row["status"] == "executed"))
    readback = precision_readback(compiled)
    threads = compiled_int(compiled, "INFERENCE_NUM_THREADS")
    load = hygiene.machine_load(before, after, threads)
    device_caps = _device_capabilities(settings.device)
    summary = summarise_layers(layers, device_caps, total_runs=total, compute=readback["compute_precision"])
    report(1.0, f"Profiled {len(layers)} layers, {repeats} run(s) of {min(counts)} inferences")
    del requests, compiled
    return {
        "layers": layers,
        "summary": summary,
        "total_ms": summary["total_ms"],
        "total": total,
        "iterations": min(counts),
        "repeats": repeats,
        "run_iterations": counts,
        "compile_ms": compile_ms,
        "read_ms": prepared.read_ms,
        "batch_actual": prepared.batch,
        "input_shapes": prepared.input_shapes,
        "inference_precision": readback["compute_precision"],
        **readback,
        "machine_load": load,
        "noisy": hygiene.verdict(load, total_spread=total["spread"] if repeats > 1 and total["max_ms"] - total["min_ms"]
                                 > MIN_TOTAL_JITTER_MS else None),
    }


def layer_spread(real_runs: list[float]) -> dict[str, Any]:
    """min / max over the runs and the relative spread (max - min) / median, for one layer."""
    median = statistics.median(real_runs)
    low, high = min(real_runs), max(real_runs)
    return {"real_ms_min": low, "real_ms_max": high, "real_ms_runs": [round(v, 5) for v in real_runs],
            "spread": (high - low) / median if median > 0 else 0.0}


def total_spread(totals: list[float]) -> dict[str, Any]:
    """The per-run totals as median, min, max and relative spread (max - min) / median."""
    median = statistics.median(totals)
    return {"median_ms": median, "min_ms": min(totals), "max_ms": max(totals), "runs_ms": totals,
            "spread": (max(totals) - min(totals)) / median if median > 0 else 0.0}


def mark_unstable(layers: list[dict[str, Any]], total_ms: float) -> None:
    """`unstable` = the layer matters (>= UNSTABLE_MIN_SHARE of the time) and its runs differ by
    more than UNSTABLE_SPREAD of its median; tiny layers jitter without meaning anything."""
    for row in layers:
        share = row["real_ms"] / total_ms if total_ms else 0.0
        row["unstable"] = bool(
            row["status"] == "executed" and len(row.get("real_ms_runs") or []) > 1
            and share >= UNSTABLE_MIN_SHARE and row["spread"] > UNSTABLE_SPREAD
            and row["real_ms_max"] - row["real_ms_min"] > UNSTABLE_MIN_JITTER_MS
        )


def compiled_int(compiled: Any, name: str) -> int | None:
    try:
        return int(str(compiled.get_property(name)))
    except Exception:  # not every device answers every property
        return None


def _device_capabilities(device: str) -> list[str]:
    caps: set[str] = set()
    for name in physical_devices_of(device):
        caps.update(device_ranges(name)["capabilities"])
    return sorted(caps)
