"""The measurement: the same steps and the same loop as OpenVINO's benchmark_app.

benchmark_app (openvino/tools/benchmark/benchmark.py, `async_inference_only`) fills each
request's inputs once, runs one warm-up inference (reported as "first inference", excluded
from the figures), then keeps every request of an AsyncInferQueue busy: take the next idle
request, record the latency of its previous run, start it again — until the time or
iteration budget is spent and the iteration count is a multiple of the request count.
FPS = iterations x batch / wall time of that loop. We do exactly this, so our numbers agree
with theirs; what we add (repeats, histogram, peak memory, progress, cancel, a watchdog)
lives outside the loop. The async loop is our default for every hint (the issue's method);
`api="sync"` reproduces benchmark_app's own default for the latency hint (`sync_inference`:
one request, `infer()` in a loop), so its figures can be matched like for like.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.benchmark import hygiene
from core.benchmark.inputs import PreparedModel, dataset_inputs, prepare_model, random_inputs
from core.benchmark.settings import Api, BenchmarkSettings, InputSource, compile_config
from core.benchmark.stats import histogram, latency_summary, mean_std, thin
from core.benchmark.watchdog import LoopWatch
from core.errors import UserError
from core.ov_core import core_instance
from core.progress import Progress

log = logging.getLogger("ovwb.benchmark")

FIRST_INFERENCE_TIMEOUT_S = 600.0
MIN_STALL_S = 30.0


@dataclass
class LoopResult:
    latencies_ms: list[float]  # in completion order
    duration_s: float
    iterations: int


def peak_rss_mb() -> float | None:
    """Peak resident memory of this process (VmHWM), the honest 'how much RAM it needs'."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def cache_dir() -> str:
    from core.workspace import workspace_root

    folder = workspace_root() / "cache" / "openvino"
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder)


def compile_prepared(prepared: PreparedModel, settings: BenchmarkSettings, perf_count: bool = False) -> tuple[Any, float, dict[str, Any]]:
    config = compile_config(settings, cache_dir() if settings.cache else None, perf_count=perf_count)
    started = time.perf_counter()
    try:
        compiled = core_instance().compile_model(prepared.model, settings.device, config)
    except Exception as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(
            f"{settings.device} could not compile this model with these settings: {first_line[:400]}",
            "Try the default settings (hint throughput, no streams/threads), or another device.",
        ) from exc
    return compiled, (time.perf_counter() - started) * 1000, config


def _compiled_property(compiled: Any, name: str) -> Any:
    try:
        value = compiled.get_property(name)
    except Exception:  # not every device answers every property
        return None
    if hasattr(value, "get_type_name"):  # an element type: "f32", not "<Type: 'float32'>"
        return value.get_type_name()
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    try:
        return int(str(value))
    except ValueError:
        return str(value)


def precision_readback(compiled: Any) -> dict[str, Any]:
    """What the compiled model computes in, read back from it, and what its executed layers ran in.

    `compute_precision` is INFERENCE_PRECISION_HINT of the compiled model, normalised ('f32',
    'bf16', 'f16'); `runtime_precisions` counts executed layers per runtime precision and
    confirms it (an INT8 model shows u8/i8 layers beside the float ones).
    """
    from core.precision import compiled_compute_precision, runtime_precisions_of

    try:
        runtime = runtime_precisions_of(compiled)
    except Exception:  # a device without a runtime model (some virtual devices)
        runtime = {}
    return {"compute_precision": compiled_compute_precision(compiled), "runtime_precisions": runtime}


def wait_request(request: Any, timeout_s: float, what: str) -> None:
    if not request.wait_for(int(timeout_s * 1000)):
        request.cancel()
        raise UserError(
            f"The device did not finish {what} within {timeout_s:.0f} s.",
            "The device may be hung or far too slow for this model; try fewer streams or another device.",
        )


def _drain(queue: Any, in_fly: set[int], timeout_s: float) -> None:
    """benchmark_app's wait_all(), but bounded."""
    for request_id in in_fly:
        wait_request(queue[request_id], timeout_s, "the last inference requests")
    deadline = time.monotonic() + timeout_s
    while not queue.is_ready():  # the queue's own completion callbacks, normally done already
        if time.monotonic() > deadline:
            raise UserError("The inference queue did not settle after its requests finished.")
        time.sleep(0.0005)


def measure_loop(queue: Any, nireq: int, iterations: int | None, duration_s: float | None, watch: LoopWatch, drain_timeout_s: float) -> LoopResult:
    """benchmark_app's `async_inference_only` loop, plus a stop flag and a bounded drain."""
    timer = time.perf_counter
    latencies: list[float] = []
    in_fly: set[int] = set()
    iteration = 0
    exec_time = 0.0
    start = timer()
    while (iterations and iteration < iterations) or (duration_s and exec_time < duration_s) or (iteration % nireq):
        if watch.stop:
            break
        idle_id = queue.get_idle_request_id()
        if idle_id in in_fly:
            latencies.append(queue[idle_id].latency)
        else:
            in_fly.add(idle_id)
        queue.start_async()
        iteration += 1
        watch.iterations = iteration
        exec_time = timer() - start
    _drain(queue, in_fly, drain_timeout_s)
    total = max(timer() - start, time.get_clock_info("perf_counter").resolution)
    for request_id in in_fly:
        latencies.append(queue[request_id].latency)
    return LoopResult(latencies_ms=latencies, duration_s=total, iterations=iteration)


def measure_sync_loop(request: Any, iterations: int | None, duration_s: float | None, watch: LoopWatch) -> LoopResult:
    """benchmark_app's `sync_inference` loop (its default with the latency hint)."""
    timer = time.perf_counter
    latencies: list[float] = []
    iteration = 0
    exec_time = 0.0
    start = timer()
    while (iterations and iteration < iterations) or (duration_s and exec_time < duration_s):
        if watch.stop:
            break
        request.infer()
        latencies.append(request.latency)
        iteration += 1
        watch.iterations = iteration
        exec_time = timer() - start
    total = max(timer() - start, time.get_clock_info("perf_counter").resolution)
    return LoopResult(latencies_ms=latencies, duration_s=total, iterations=iteration)


def _fill_inputs(requests: list[Any], compiled: Any, prepared: PreparedModel, settings: BenchmarkSettings,
                 samples: Path | None = None) -> None:
    import openvino as ov

    model = prepared.model
    if settings.input is InputSource.RANDOM:
        sets = random_inputs(compiled, len(requests), data_shapes=prepared.data_shapes)
    elif prepared.data_shapes:
        raise UserError("-data_shape works with random input only here.", "Leave --input at random, or drop -data_shape.")
    else:
        sets = dataset_inputs(compiled, model, int(settings.dataset_id or 0), len(requests), samples)
    for request_index, request in enumerate(requests):
        for port_index, array in sets[request_index % len(sets)].items():
            if port_index in prepared.data_shapes:  # a dynamic input: the tensor brings its shape
                request.set_input_tensor(port_index, ov.Tensor(array))
            else:
                request.get_input_tensor(port_index).data[:] = array


def reporter(progress: Progress | None) -> Progress:
    def report(fraction: float | None, message: str) -> None:
        if progress is not None:
            progress(fraction, message)

    return report


def load_and_compile(
    xml_path: Path, settings: BenchmarkSettings, report: Progress, perf_count: bool = False
) -> tuple[PreparedModel, Any, float, dict[str, Any]]:
    """Read (with the batch) and compile: the common start of every measurement (the settings
    were checked once, before the job: `BenchmarkSettings.check()`)."""
    report(0.01, "Reading the model")
    random_input = settings.input is InputSource.RANDOM  # dataset samples keep the model's own types
    prepared = prepare_model(Path(xml_path), settings.batch, benchmark_app_feeds=random_input, shape=settings.shape,
                          data_shape=settings.data_shape, layout=settings.layout)
    report(0.03, f"Compiling for {settings.device}" + (" with performance counters" if perf_count else ""))
    compiled, compile_ms, config = compile_prepared(prepared, settings, perf_count=perf_count)
    return prepared, compiled, compile_ms, config


def run_benchmark(
    xml_path: Path,
    settings: BenchmarkSettings,
    progress: Progress | None = None,
    samples: Path | None = None,
) -> dict[str, Any]:
    """Measure one configuration (`settings.repeats` times); returns the stored metrics.
    `samples`: for dataset input on a target, the pack of the dataset's samples sent with the job."""
    import openvino as ov

    report = reporter(progress)
    prepared, compiled, compile_ms, config = load_and_compile(xml_path, settings, report, perf_count=settings.perf_counts)
    nstreams_actual = _compiled_property(compiled, "NUM_STREAMS")
    optimal = _compiled_property(compiled, "OPTIMAL_NUMBER_OF_INFER_REQUESTS")
    sync = settings.api is Api.SYNC
    nireq = 1 if sync else settings.nireq or (optimal if isinstance(optimal, int) and optimal > 0 else 1)
    queue = None if sync else ov.AsyncInferQueue(compiled, nireq)
    requests = [compiled.create_infer_request()] if queue is None else [queue[i] for i in range(len(queue))]
    nireq = len(requests)
    _fill_inputs(requests, compiled, prepared, settings, samples)

    report(0.05, "First inference (warm-up, not counted)")
    if queue is None:
        requests[0].start_async()  # as infer(), but a hung device cannot block us forever
        wait_request(requests[0], FIRST_INFERENCE_TIMEOUT_S, "the first inference")
        first_ms = float(requests[0].latency)
    else:
        first_id = queue.get_idle_request_id()
        queue.start_async()
        wait_request(queue[first_id], FIRST_INFERENCE_TIMEOUT_S, "the first inference")
        _drain(queue, set(), FIRST_INFERENCE_TIMEOUT_S)
        first_ms = float(queue[first_id].latency)

    iterations = settings.iterations
    if iterations and not sync:  # benchmark_app aligns the count to whole rounds of requests
        iterations = math.ceil(iterations / nireq) * nireq
    duration_s = settings.effective_duration_s
    repeats = settings.repeats
    stall_s = max(MIN_STALL_S, 20 * first_ms / 1000 * max(1, nireq))
    runs: list[LoopResult] = []
    before = hygiene.sample()
    for repeat in range(repeats):
        repeat_started = time.monotonic()

        def tick(done: int, repeat: int = repeat, started: float = repeat_started) -> None:
            if iterations:
                within = min(1.0, done / iterations)
            else:
                within = min(1.0, (time.monotonic() - started) / (duration_s or 1))
            label = f"Measuring, run {repeat + 1}/{repeats}" if repeats > 1 else "Measuring"
            report(0.05 + 0.93 * (repeat + within) / repeats, f"{label}: {done} inferences")

        watch = LoopWatch(stall_s, tick if progress is not None else None, requests)
        watch.start()
        try:
            if queue is None:
                result = measure_sync_loop(requests[0], iterations, duration_s, watch)
            else:
                result = measure_loop(queue, nireq, iterations, duration_s, watch, drain_timeout_s=stall_s)
        finally:
            watch.finish()
        if watch.error is not None:
            raise watch.error
        if watch.stalled:
            raise UserError(
                f"The benchmark stalled: no inference finished for {stall_s:.0f} s, so it was stopped.",
                "Try again; if it repeats, try fewer requests/streams or another device.",
            )
        runs.append(result)
        log.info("run %d: %d iterations in %.3f s", repeat + 1, result.iterations, result.duration_s)

    after = hygiene.sample()
    metrics = summarise(runs, prepared.batch, first_ms, prepared.read_ms, compile_ms)
    metrics.update(precision_readback(compiled))
    threads = _compiled_property(compiled, "INFERENCE_NUM_THREADS")
    metrics["machine_load"] = hygiene.machine_load(before, after, threads if isinstance(threads, int) else None)
    metrics["noisy"] = hygiene.verdict(metrics["machine_load"], [r["throughput_fps"] for r in metrics["repeats"]])
    metrics.update(
        nstreams_actual=nstreams_actual,
        nireq_actual=nireq,
        optimal_nireq=optimal,
        batch_actual=prepared.batch,
        input_shapes=prepared.input_shapes,
        input_types=prepared.input_types,
        compile_config={k: (v if isinstance(v, (int, float, bool)) else str(v)) for k, v in config.items()},
        execution_devices=_compiled_property(compiled, "EXECUTION_DEVICES"),
        inference_precision=_compiled_property(compiled, "INFERENCE_PRECISION_HINT"),
        peak_rss_mb=peak_rss_mb(),
    )
    if settings.perf_counts:
        metrics["perf_counts"] = perf_count_rows(requests)
    del queue, requests, compiled
    report(1.0, f"{metrics['throughput_fps']:.1f} FPS, median latency {metrics['latency_ms']['median']:.2f} ms")
    return metrics


def perf_count_rows(requests: list[Any]) -> list[dict[str, Any]]:
    """benchmark_app's -pc report: each layer's counters of the last inference, per request
    (benchmark_app prints them request by request; we keep the first request's, in execution order)."""
    rows = []
    for entry in requests[0].profiling_info:
        rows.append({
            "layer": entry.node_name,
            "status": str(entry.status).split(".")[-1],
            "layer_type": entry.node_type,
            "exec_type": entry.exec_type,
            "real_time_ms": entry.real_time.total_seconds() * 1000,
            "cpu_time_ms": entry.cpu_time.total_seconds() * 1000,
        })
    return rows


def perf_count_table(rows: list[dict[str, Any]]) -> str:
    """The rows as benchmark_app prints them (names are model text: printed, never interpreted)."""
    lines = [f"{'layer':<40} {'status':<12} {'layer type':<18} {'exec type':<24} {'real ms':>9} {'cpu ms':>9}"]
    for row in rows:
        lines.append(f"{row['layer'][:40]:<40} {row['status'][:12]:<12} {row['layer_type'][:18]:<18} "
                     f"{row['exec_type'][:24]:<24} {row['real_time_ms']:>9.3f} {row['cpu_time_ms']:>9.3f}")
    real = sum(row["real_time_ms"] for row in rows)
    cpu = sum(row["cpu_time_ms"] for row in rows)
    lines.append(f"Total time: {real:.3f} ms (real), {cpu:.3f} ms (cpu)")
    return "\n".join(lines)


def summarise(runs: list[LoopResult], batch: int, first_ms: float, read_ms: float, compile_ms: float) -> dict[str, Any]:
    """Figures over all repeats: FPS mean ± std across runs, latencies pooled."""
    fps_values = [batch * run.iterations / run.duration_s for run in runs]
    fps_mean, fps_std = mean_std(fps_values)
    pooled = [value for run in runs for value in run.latencies_ms]
    return {
        "throughput_fps": fps_mean,
        "throughput_fps_std": fps_std,
        "latency_ms": latency_summary(pooled),
        "latency_histogram": histogram(pooled),
        "latencies_ms_sample": thin(pooled),
        "first_inference_ms": first_ms,
        "read_ms": read_ms,
        "compile_ms": compile_ms,
        "iterations": sum(run.iterations for run in runs),
        "duration_s": sum(run.duration_s for run in runs),
        "repeats": [
            {
                "throughput_fps": fps,
                "latency_median_ms": latency_summary(run.latencies_ms)["median"],
                "iterations": run.iterations,
                "duration_s": run.duration_s,
            }
            for fps, run in zip(fps_values, runs)
        ],
    }
