"""`python -m core benchmark | profile | sweep | results` — the benchmark page on the command line.

Each measuring command runs the same job function the page submits (in this process's own
supervisor, `run_job_inline`), so it takes the same device lock, is listed among the jobs,
and stores the same result row that `compare` reads.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from core.benchmark.devices import HINTS
from core.benchmark.profile import DEFAULT_PROFILE_REPEATS
from core.benchmark.jobs import BENCHMARK_ENTRYPOINT, PROFILE_ENTRYPOINT, SWEEP_ENTRYPOINT, resolve_model
from core.benchmark.results import KINDS, get_result, list_results, result_to_dict
from core.benchmark.settings import API_MODES, BenchmarkSettings, validate_settings
from core.errors import UserError

JOB_SLACK_S = 600.0


def _int_list(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated whole numbers, got {text!r}") from None
    if not values or any(v <= 0 for v in values):
        raise argparse.ArgumentTypeError(f"expected positive whole numbers, got {text!r}")
    return values


def _add_model_and_device(parser: argparse.ArgumentParser, matrix: bool = False) -> None:
    """Settings shared by the commands; in a sweep, batch/streams/requests are lists instead."""
    parser.add_argument("model", help="IR .xml file, or the id of a model variant in the workspace")
    parser.add_argument("-d", "--device", default="CPU", help="CPU, GPU.0, NPU, AUTO, MULTI:..., HETERO:... (CPU)")
    parser.add_argument("--hint", choices=list(HINTS), default="throughput", help="performance hint (throughput)")
    parser.add_argument("--api", choices=list(API_MODES), default="async",
                        help="async: AsyncInferQueue (default); sync: one request in a loop, like benchmark_app -api sync")
    if matrix:
        parser.add_argument("-b", "--batch", dest="batches", type=_int_list, help="batch sizes, e.g. 1,2,4")
        parser.add_argument("--nstreams", dest="nstreams_values", type=_int_list, help="stream counts, e.g. 1,2")
        parser.add_argument("--nireq", dest="nireq_values", type=_int_list, help="request counts, e.g. 1,2,4")
    else:
        parser.add_argument("--nstreams", type=int, help="number of streams (device default from the hint)")
        parser.add_argument("--nireq", type=int, help="number of infer requests (device's optimal number)")
        parser.add_argument("-b", "--batch", type=int, help="batch size (the model's own)")
    parser.add_argument("--nthreads", type=int, help="inference threads (all cores)")
    parser.add_argument("--infer-precision", "--compute-precision", dest="infer_precision",
                        help="compute precision: f32 (exact), bf16 or f16 where the device has them natively; "
                             "default: the device's own default (see `python -m core info`)")
    parser.add_argument("--cache", action="store_true", help="use the model cache (faster compile next time)")


def _settings(args: argparse.Namespace, **overrides: Any) -> BenchmarkSettings:
    values = {
        name: getattr(args, name, None)
        for name in ("device", "hint", "api", "nstreams", "nireq", "batch", "nthreads", "infer_precision", "cache",
                     "duration_s", "iterations", "repeats", "input")
    }
    values = {k: v for k, v in values.items() if v is not None}
    values.update(overrides)
    settings = BenchmarkSettings.from_dict(values)
    validate_settings(settings)  # fail before a job is even created
    return settings


def _model_params(model: str) -> dict[str, Any]:
    if model.isdigit() and not Path(model).exists():
        resolve_model(int(model), None)
        return {"variant_id": int(model)}
    resolve_model(None, str(Path(model).resolve()))
    return {"model_path": str(Path(model).resolve())}


def _run(kind: str, entrypoint: str, params: dict[str, Any], verbose: bool, timeout_s: float) -> dict[str, Any]:
    from core.jobs import run_job_inline

    last = [""]

    def on_poll(job: Any) -> None:
        if verbose and job.message and job.message != last[0]:
            last[0] = job.message
            print(f"[{(job.progress or 0):.0%}] {job.message}", file=sys.stderr, flush=True)

    target = str(params.get("model_path") or f"variant {params.get('variant_id')}")
    job = run_job_inline(kind, entrypoint, params, target=target, variant_id=params.get("variant_id"),
                         on_poll=on_poll, timeout_s=timeout_s)
    if job.state != "done":
        raise UserError(job.error or f"The {kind} job ended as {job.state}.",
                        job.error_hint or f"See `python -m core job {job.id}` for its log.")
    result = dict(job.result or {})
    result["job_id"] = job.id
    return result


def _expected_s(settings: BenchmarkSettings, points: int = 1) -> float:
    per_run = settings.effective_duration_s or 600.0
    return points * (settings.repeats * per_run + 120.0) + JOB_SLACK_S


def _benchmark(args: argparse.Namespace) -> Any:
    settings = _settings(args)
    params = {"settings": settings.to_config(), **_model_params(args.model)}
    summary = _run("benchmark", BENCHMARK_ENTRYPOINT, params, args.verbose, _expected_s(settings))
    return _measurement(summary) if args.json else summary


def _measurement(summary: dict[str, Any]) -> dict[str, Any]:
    """--json of a run: the stored result in the one measurement shape `results --id` prints."""
    return result_to_dict(get_result(summary["id"]))


def _profile(args: argparse.Namespace) -> Any:
    settings = _settings(args)
    params = {"settings": settings.to_config(), "iterations": args.iterations, "repeats": args.repeats,
              **_model_params(args.model)}
    summary = _run("profile", PROFILE_ENTRYPOINT, params, args.verbose, JOB_SLACK_S * 2 + 60.0 * args.repeats)
    if args.json:
        return _measurement(summary)
    stored = result_to_dict(get_result(summary["id"]))
    metrics = stored.pop("metrics")
    return {"id": summary["id"], "job_id": summary["job_id"], "precision_label": metrics.get("precision_label"),
            **metrics, "config": stored["config"]}


def _sweep(args: argparse.Namespace) -> Any:
    settings = _settings(args)
    params = {
        "settings": settings.to_config(),
        "batches": args.batches or [],
        "nstreams": args.nstreams_values or [],
        "nireqs": args.nireq_values or [],
        "latency_limit_ms": args.latency_limit,
        **_model_params(args.model),
    }
    points = len(args.batches or [1]) * len(args.nstreams_values or [1]) * len(args.nireq_values or [1])
    summary = _run("sweep", SWEEP_ENTRYPOINT, params, args.verbose, _expected_s(settings, points))
    if args.json:
        return _measurement(summary)
    stored = result_to_dict(get_result(summary["id"]))
    return {"id": summary["id"], "job_id": summary["job_id"], "precision_label": stored["metrics"].get("precision_label"),
            **stored["metrics"], "config": stored["config"]}


def _results(args: argparse.Namespace) -> Any:
    if args.id is not None:
        return result_to_dict(get_result(args.id))
    return [result_to_dict(row, full=False) for row in list_results(args.kind, args.variant, args.limit)]


def register(subparsers: Any) -> None:
    from core.cli import add_command

    parser = add_command(subparsers, "benchmark", "measure FPS and latency like benchmark_app, and store the result",
                         _benchmark)
    _add_model_and_device(parser)
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("-t", "--time", dest="duration_s", type=float, help="seconds per run (10)")
    budget.add_argument("-n", "--iterations", type=int, help="inferences per run instead of a duration")
    parser.add_argument("--repeats", type=int, default=1, help="run K times and report mean ± std (1)")
    parser.add_argument("--input", default="random", help="'random' or a dataset id (random)")

    parser = add_command(subparsers, "profile", "per-layer times in a separate run with performance counters",
                         _profile)
    _add_model_and_device(parser)
    parser.set_defaults(hint="latency")
    parser.add_argument("--iterations", type=int, default=50, help="profiled inferences per run (50)")
    parser.add_argument("--repeats", type=int, default=DEFAULT_PROFILE_REPEATS,
                        help=f"profile runs; each layer keeps the median and spread ({DEFAULT_PROFILE_REPEATS})")

    parser = add_command(subparsers, "sweep", "benchmark a batch x streams matrix and find the sweet spot", _sweep)
    _add_model_and_device(parser, matrix=True)
    parser.add_argument("--latency-limit", type=float, help="sweet spot: best FPS with median latency ≤ MS")
    parser.add_argument("-t", "--time", dest="duration_s", type=float, help="seconds per point (5)")

    parser = add_command(subparsers, "results", "stored benchmark, profile and sweep results", _results)
    parser.add_argument("--kind", choices=list(KINDS))
    parser.add_argument("--variant", type=int, help="only results of this variant")
    parser.add_argument("--id", type=int, help="one result with all its numbers")
    parser.add_argument("--limit", type=int, default=50)
