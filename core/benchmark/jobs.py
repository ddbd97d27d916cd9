"""Job functions: benchmark, profile and sweep, each holding the device lock while measuring.

Pages submit these with `submit_job`; the CLI runs the same functions with `run_job_inline`,
so a run from either place takes the same lock and stores the same rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.benchmark.devices import precision_notes
from core.benchmark.engine import run_benchmark
from core.benchmark.lock import device_lock
from core.benchmark.profile import DEFAULT_PROFILE_ITERATIONS, profile_model
from core.benchmark.results import save_result, variant_for_path
from core.benchmark.settings import BenchmarkSettings, validate_settings
from core.benchmark.sweep import run_sweep
from core.errors import UserError
from core.jobs import JobContext

BENCHMARK_ENTRYPOINT = "core.benchmark.jobs:benchmark_job"
PROFILE_ENTRYPOINT = "core.benchmark.jobs:profile_job"
SWEEP_ENTRYPOINT = "core.benchmark.jobs:sweep_job"


def resolve_model(variant_id: int | None, model_path: str | None) -> tuple[Path, int | None]:
    """(IR path, variant id) for a variant or a plain IR file."""
    from core.variants import get_variant, variant_xml
    from core.workspace import resolve

    if variant_id is not None:
        variant = get_variant(int(variant_id))
        return variant_xml(variant), variant.id
    if not model_path:
        raise UserError("No model given.", "Pick a model variant, or pass an IR .xml file.")
    path = resolve(model_path)
    if path.suffix.lower() != ".xml":
        raise UserError(f"{path.name} is not an OpenVINO IR (.xml).", "Convert the model first (import page).")
    if not path.is_file() or not path.with_suffix(".bin").is_file():
        raise UserError(f"The IR {path} is missing its .xml or .bin file.")
    return path, variant_for_path(path)


def _variant_precision(variant_id: int | None) -> str | None:
    if variant_id is None:
        return None
    from core.variants import get_variant

    return get_variant(variant_id).precision


def _config(settings: BenchmarkSettings, xml_path: Path) -> dict[str, Any]:
    config = settings.to_config()
    config["model_path"] = str(xml_path)
    return config


def benchmark_job(ctx: JobContext, settings: dict[str, Any], variant_id: int | None = None,
                  model_path: str | None = None) -> dict[str, Any]:
    xml_path, variant_id = resolve_model(variant_id, model_path)
    options = BenchmarkSettings.from_dict(settings)
    validate_settings(options)
    with device_lock(options.device, ctx):
        metrics = run_benchmark(xml_path, options, progress=ctx.progress)
    metrics["notes"] = precision_notes(_variant_precision(variant_id), metrics.get("inference_precision"),
                                       options.device)
    result_id = save_result("benchmark", _config(options, xml_path), metrics, variant_id, ctx.job_id, options.device)
    ctx.log("stored benchmark result %s: %.2f FPS", result_id, metrics["throughput_fps"])
    return {
        "id": result_id,
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
    }


def profile_job(ctx: JobContext, settings: dict[str, Any], variant_id: int | None = None,
                model_path: str | None = None, iterations: int = DEFAULT_PROFILE_ITERATIONS) -> dict[str, Any]:
    xml_path, variant_id = resolve_model(variant_id, model_path)
    options = BenchmarkSettings.from_dict(settings)
    validate_settings(options)
    with device_lock(options.device, ctx):
        metrics = profile_model(xml_path, options, progress=ctx.progress, iterations=int(iterations))
    config = _config(options, xml_path)
    config.pop("duration_s", None)  # a profile is bounded by its inference count, not by time
    config["iterations"] = int(iterations)
    config["profile_iterations"] = metrics["iterations"]
    result_id = save_result("profile", config, metrics, variant_id, ctx.job_id, options.device)
    ctx.log("stored profile result %s: %d layers, %.3f ms", result_id, len(metrics["layers"]), metrics["total_ms"])
    return {"id": result_id, "total_ms": metrics["total_ms"], "layers": len(metrics["layers"]),
            "hints": metrics["summary"]["hints"]}


def sweep_job(ctx: JobContext, settings: dict[str, Any], batches: list[int] | None = None,
              nstreams: list[int] | None = None, nireqs: list[int] | None = None,
              latency_limit_ms: float | None = None, variant_id: int | None = None,
              model_path: str | None = None) -> dict[str, Any]:
    xml_path, variant_id = resolve_model(variant_id, model_path)
    base = BenchmarkSettings.from_dict(settings)
    validate_settings(base)

    def store_point(point_settings: BenchmarkSettings, metrics: dict[str, Any]) -> int:
        config = _config(point_settings, xml_path)
        config["sweep_job_id"] = ctx.job_id
        return save_result("benchmark", config, metrics, variant_id, ctx.job_id, point_settings.device)

    with device_lock(base.device, ctx):
        metrics = run_sweep(xml_path, base, list(batches or []), list(nstreams or []), list(nireqs or []),
                            latency_limit_ms, progress=ctx.progress, on_point=store_point)
    config = _config(base, xml_path)
    config.update(batches=batches or [], nstreams_values=nstreams or [], nireq_values=nireqs or [])
    result_id = save_result("sweep", config, metrics, variant_id, ctx.job_id, base.device)
    return {"id": result_id, "points": len(metrics["points"]), "sweet_spot": metrics["sweet_spot"]}
