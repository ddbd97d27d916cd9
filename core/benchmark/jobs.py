"""Job functions: benchmark, profile and sweep, each holding the device lock while measuring.

Pages submit these with `submit_job`; the CLI runs the same functions with `run_job_inline`,
so a run from either place takes the same lock and stores the same rows.

Every stored result carries both precision axes: `weight_precision` (the variant's IR) and
`compute_precision` (read back from the compiled model), with `precision_label` —
"FP32 weights · bf16 compute" — the words every number is shown with.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from core.benchmark import measure as adapters
from core.benchmark.measure import measured_notes
from core.benchmark.profile_summary import variant_hints
from core.benchmark.requests import BenchmarkRequest, ProfileRequest, SweepRequest, resolve_model
from core.benchmark.results import latest_profile, save_result
from core.benchmark.inputs import BENCHMARK_PACK_SAMPLES, benchmark_source
from core.benchmark.settings import BenchmarkSettings, InputSource
from core.datasets.packs import packed_samples
from core.jobs import JobContext
from core.ov_core import core_instance, read_model
from core.precision import ir_weight_precision, precision_label, weight_precision
from core.targets.measure import Travels, measure
from core.variants import get_variant

BENCHMARK_ENTRYPOINT = BenchmarkRequest.ENTRYPOINT
PROFILE_ENTRYPOINT = ProfileRequest.ENTRYPOINT
SWEEP_ENTRYPOINT = SweepRequest.ENTRYPOINT
__all__ = ["BENCHMARK_ENTRYPOINT", "PROFILE_ENTRYPOINT", "SWEEP_ENTRYPOINT", "benchmark_job", "profile_job",
           "resolve_model", "sweep_job"]


def _variant_precision(variant_id: int | None, xml_path: Path | None = None) -> str | None:
    """The weight axis: the variant's precision, or (a plain IR file) what the IR itself holds."""
    if variant_id is None:
        if xml_path is None:
            return None
        try:
            return ir_weight_precision(core_instance().read_model(str(xml_path)))
        except Exception:  # unreadable here: the label says "?" rather than guess
            return None
    return get_variant(variant_id).precision


def label_precisions(metrics: dict[str, Any], weights: str | None) -> None:
    """Add the weight axis and the label beside the compute axis the measurement read back."""
    metrics["weight_precision"] = weight_precision(weights) if weights else None
    metrics["precision_label"] = precision_label(weights, metrics.get("compute_precision"))


@contextmanager
def travelling_samples(ctx: JobContext, options: BenchmarkSettings, xml_path: Path) -> Iterator[dict[str, Any]]:
    """The adapter's extra arguments: for a dataset input measured on a target, the dataset's first
    samples packed (checked for the model here, as a local run checks them) to travel with the IR."""
    if not ctx.host or options.input is not InputSource.DATASET:
        yield {}
        return
    source = benchmark_source(int(options.dataset_id or 0), read_model(xml_path))
    with packed_samples(source, range(min(len(source), BENCHMARK_PACK_SAMPLES))) as pack:
        yield {"samples": Travels(pack)}


def _config(settings: BenchmarkSettings, xml_path: Path) -> dict[str, Any]:
    config = settings.to_config()
    config["model_path"] = str(xml_path)
    return config


def benchmark_job(ctx: JobContext, **params: Any) -> dict[str, Any]:
    """A BenchmarkRequest's job (checked before it was submitted): measure, label, store."""
    options = BenchmarkRequest.from_params(params)
    xml_path, variant_id = options.model()
    with travelling_samples(ctx, options, xml_path) as samples:
        metrics = measure(ctx, adapters.benchmark, xml_path, device=options.device,
                          settings=options.measured().to_params(), **samples)
    weights = _variant_precision(variant_id, xml_path)
    label_precisions(metrics, weights)
    metrics["notes"] = measured_notes(weights, metrics, options.device)
    result_id = save_result("benchmark", _config(options, xml_path), metrics, variant_id, ctx.job_id, options.device)
    ctx.log("stored benchmark result %s: %.2f FPS (%s)", result_id, metrics["throughput_fps"], metrics["precision_label"])
    return {
        "id": result_id,
        "precision_label": metrics["precision_label"],
        "weight_precision": metrics["weight_precision"],
        "compute_precision": metrics["compute_precision"],
        "inference_precision": metrics["inference_precision"],
        "runtime_precisions": metrics["runtime_precisions"],
        "throughput_fps": metrics["throughput_fps"],
        "throughput_fps_std": metrics["throughput_fps_std"],
        "latency_ms": metrics["latency_ms"],
        "first_inference_ms": metrics["first_inference_ms"],
        "compile_ms": metrics["compile_ms"],
        "read_ms": metrics["read_ms"],
        "peak_rss_mb": metrics["peak_rss_mb"],
        "nstreams_actual": metrics["nstreams_actual"],
        "nireq_actual": metrics["nireq_actual"],
        "iterations": metrics["iterations"],
        "config": _config(options, xml_path),
        "notes": metrics["notes"],
        "noisy": metrics["noisy"],
        "machine_load": metrics["machine_load"],
    }


def profile_job(ctx: JobContext, **params: Any) -> dict[str, Any]:
    """A ProfileRequest's job: `repeats` runs of `iterations` inferences with counters, stored."""
    options = ProfileRequest.from_params(params)
    xml_path, variant_id = options.model()
    metrics = measure(ctx, adapters.profile, xml_path, device=options.device, settings=options.measured().to_params(),
                      iterations=options.iterations, repeats=options.repeats)
    weights = _variant_precision(variant_id, xml_path)
    label_precisions(metrics, weights)
    metrics["notes"] = measured_notes(weights, metrics, options.device)
    parent = _parent_profile(variant_id, options.device, metrics.get("compute_precision"), metrics.get("batch_actual"))
    metrics["summary"]["hints"] += variant_hints(weights, options.device, metrics.get("compute_precision"),
                                                 metrics.get("runtime_precisions") or {}, metrics["total_ms"], parent)
    if parent is not None:
        metrics["parent_profile"] = parent
    config = _config(options, xml_path)
    config.pop("duration_s", None)  # a profile is bounded by its inference count, not by time
    config["iterations"] = options.iterations
    config["profile_iterations"] = metrics["iterations"]
    result_id = save_result("profile", config, metrics, variant_id, ctx.job_id, options.device)
    ctx.log("stored profile result %s: %d layers, %.3f ms (%s)", result_id, len(metrics["layers"]), metrics["total_ms"],
            metrics["precision_label"])
    return {"id": result_id, "precision_label": metrics["precision_label"], "total_ms": metrics["total_ms"],
            "total": metrics["total"], "repeats": metrics["repeats"], "layers": len(metrics["layers"]),
            "unstable_layers": metrics["summary"]["unstable_layers"], "hints": metrics["summary"]["hints"],
            "notes": metrics["notes"], "noisy": metrics["noisy"]}


def _parent_profile(variant_id: int | None, device: str, compute: str | None, batch: int | None) -> dict[str, Any] | None:
    """The parent variant's latest profile on the same device, compute precision and batch."""
    if variant_id is None:
        return None
    variant = get_variant(variant_id)
    if variant.parent_id is None:
        return None
    row = latest_profile(variant.parent_id, device, compute, batch)
    if row is None:
        return None
    return {"id": row.id, "variant_id": variant.parent_id, "weights": get_variant(variant.parent_id).precision,
            "total_ms": row.metrics.get("total_ms"), "compute_precision": compute}


def sweep_job(ctx: JobContext, **params: Any) -> dict[str, Any]:
    """A SweepRequest's job: every point benchmarked and stored, then the matrix and its sweet spot."""
    base = SweepRequest.from_params(params)
    xml_path, variant_id = base.model()
    weights = _variant_precision(variant_id, xml_path)

    def store_point(point_settings: BenchmarkSettings, metrics: dict[str, Any]) -> int:
        label_precisions(metrics, weights)
        metrics["notes"] = measured_notes(weights, metrics, point_settings.device)
        config = _config(point_settings, xml_path)
        config["sweep_job_id"] = ctx.job_id
        return save_result("benchmark", config, metrics, variant_id, ctx.job_id, point_settings.device)

    with travelling_samples(ctx, base, xml_path) as samples:
        metrics = measure(ctx, adapters.sweep, xml_path, device=base.device, settings=base.measured().to_params(),
                          batches=base.batches, nstreams=base.nstreams_values, nireqs=base.nireq_values,
                          latency_limit_ms=base.latency_limit_ms, on_point=store_point, **samples)
    if ctx.host:  # measured on a target: its points come back together, stored here in order
        adapters.replay_points(metrics, store_point)
    for point in metrics["points"]:
        point["precision_label"] = precision_label(weights, point.get("compute_precision"))
    computes = sorted({p.get("compute_precision") or "?" for p in metrics["points"]})
    metrics["compute_precision"] = computes[0] if len(computes) == 1 else None
    label_precisions(metrics, weights)
    config = _config(base, xml_path)
    config.update(batches=base.batches, nstreams_values=base.nstreams_values, nireq_values=base.nireq_values)
    result_id = save_result("sweep", config, metrics, variant_id, ctx.job_id, base.device)
    return {"id": result_id, "precision_label": metrics["precision_label"], "points": len(metrics["points"]),
            "sweet_spot": metrics["sweet_spot"], "noisy_points": sum(1 for p in metrics["points"] if p.get("noisy"))}
