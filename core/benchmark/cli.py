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
from core.benchmark.settings import (API_MODES, BENCHMARK_APP_DEFAULT_DURATION_S, DEFAULT_DURATION_S, HINT_ALIASES,
                                     BenchmarkSettings, parse_yes_no, validate_settings)
from core.commands import add_command
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


# benchmark_app's single-dash spellings are real option strings of the same arguments (not an argv
# rewrite): argparse matches an exact option string before any prefix rule, so `-nstreams 2` is
# -nstreams and no longer `-n streams`; `allow_abbrev=False` (core/cli.add_command) stops `--nstr`
# guesses. `python -m core benchmark -h` lists both spellings, and there is one parser to trust.
HINT_CHOICES = [*HINTS, *HINT_ALIASES]


def _yes_no(text: str) -> bool:
    try:
        return parse_yes_no(text, "this option")
    except UserError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def _add_model_and_device(parser: argparse.ArgumentParser, matrix: bool = False) -> None:
    """Settings shared by the commands; in a sweep, batch/streams/requests are lists instead."""
    parser.add_argument("model", nargs="?", help="IR .xml file, or the id of a model variant in the workspace")
    parser.add_argument("-m", dest="model_flag", metavar="MODEL", help="the model, as benchmark_app's -m")
    parser.add_argument("-d", "--device", default="CPU", help="CPU, GPU.0, NPU, AUTO, MULTI:..., HETERO:... (CPU)")
    parser.add_argument("-hint", "--hint", choices=HINT_CHOICES, default="throughput",
                        help="performance hint (throughput); tput/ctput as benchmark_app")
    parser.add_argument("-api", "--api", choices=list(API_MODES), default=None,
                        help="async: AsyncInferQueue (default); sync: one request in a loop, like benchmark_app -api sync")
    if matrix:
        parser.add_argument("-b", "--batch", dest="batches", type=_int_list, help="batch sizes, e.g. 1,2,4")
        parser.add_argument("-nstreams", "--nstreams", dest="nstreams_values", type=_int_list, help="stream counts, e.g. 1,2")
        parser.add_argument("-nireq", "--nireq", dest="nireq_values", type=_int_list, help="request counts, e.g. 1,2,4")
    else:
        parser.add_argument("-nstreams", "--nstreams", type=int, help="number of streams (device default from the hint)")
        parser.add_argument("-nireq", "--nireq", type=int, help="number of infer requests (device's optimal number)")
        parser.add_argument("-b", "--batch", type=int, help="batch size (the model's own)")
    parser.add_argument("-nthreads", "--nthreads", type=int, help="inference threads (all cores)")
    parser.add_argument("-infer_precision", "--infer-precision", "--compute-precision", dest="infer_precision",
                        help="compute precision: f32 (exact), bf16 or f16 where the device has them natively; "
                             "default: the device's own default (see `python -m core info`)")
    parser.add_argument("--cache", action="store_true", help="use the workspace's model cache (faster compile next time)")
    parser.add_argument("-cdir", "--cache-dir", dest="cache_dir", help="model cache in this folder (benchmark_app -cdir)")
    parser.add_argument("-shape", "--shape", dest="shape",
                        help='reshape inputs before compile: "[1,3,224,224]" or "in1[1,3,224,224],in2[1,4]"; ? -1 1..8 allowed')
    parser.add_argument("-data_shape", "--data-shape", dest="data_shape",
                        help='shape of the tensors fed to a dynamic input: "[1,3,224,224]" or "in1[...],in2[...]"')
    parser.add_argument("-layout", "--layout", dest="layout", help='input layout: "[NCHW]" or "in1[NCHW],in2[NC]"')
    parser.add_argument("-pin", "--pin", dest="pin", type=_yes_no, metavar="YES|NO",
                        help="CPU thread pinning, ENABLE_CPU_PINNING (device default)")


def _settings(args: argparse.Namespace, **overrides: Any) -> BenchmarkSettings:
    values = {
        name: getattr(args, name, None)
        for name in ("device", "hint", "api", "nstreams", "nireq", "batch", "nthreads", "infer_precision", "cache",
                     "duration_s", "iterations", "repeats", "input", "cache_dir", "shape", "data_shape", "layout", "pin",
                     "perf_counts")
    }
    values = {k: v for k, v in values.items() if v is not None}
    values.update(overrides)
    settings = BenchmarkSettings.from_dict(values)
    validate_settings(settings)  # fail before a job is even created
    return settings


def _model_of(args: argparse.Namespace) -> str:
    """The model, given as our positional or as benchmark_app's -m (not both, unless the same)."""
    flag, positional = getattr(args, "model_flag", None), getattr(args, "model", None)
    if flag and positional and flag != positional:
        raise UserError(f"Two models given: {positional!r} and -m {flag!r}.", "Give the model once.")
    model = flag or positional
    if not model:
        raise UserError("No model given.", "Give the IR .xml (or a variant id) as the first argument or with -m.")
    return model


def benchmark_app_differences(args: argparse.Namespace, settings: BenchmarkSettings) -> list[str]:
    """Where this run, as typed, would differ from benchmark_app's defaults for the same line."""
    notes = []
    if settings.duration_s is None and settings.iterations is None and getattr(args, "command", "") == "benchmark":
        notes.append(f"runs {DEFAULT_DURATION_S:g} s; benchmark_app's default is {BENCHMARK_APP_DEFAULT_DURATION_S:g} s "
                     f"(add -t {BENCHMARK_APP_DEFAULT_DURATION_S:g} to match it)")
    if settings.hint == "latency" and getattr(args, "api", None) is None:
        notes.append("uses the async API with -hint latency; benchmark_app uses -api sync there (add -api sync to match it)")
    return notes


def _note_differences(args: argparse.Namespace, settings: BenchmarkSettings) -> None:
    """Printed once, on stderr (never in --json output)."""
    for note in benchmark_app_differences(args, settings):
        print(f"note: this benchmark {note}", file=sys.stderr)


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
    _note_differences(args, settings)
    params = {"settings": settings.to_config(), **_model_params(_model_of(args))}
    summary = _run("benchmark", BENCHMARK_ENTRYPOINT, params, args.verbose, _expected_s(settings))
    perf_rows = (get_result(summary["id"]).metrics.get("perf_counts") or []) if settings.perf_counts else []
    if settings.perf_counts and not args.json:  # benchmark_app's -pc report: stored with the result, shown here
        from core.benchmark.engine import perf_count_table

        print(perf_count_table(perf_rows))
    if not args.json:
        return summary
    document = _measurement(summary)
    if settings.perf_counts:
        document["perf_counts"] = perf_rows
    return document


def _measurement(summary: dict[str, Any]) -> dict[str, Any]:
    """--json of a run: the stored result in the one measurement shape `results --id` prints."""
    return result_to_dict(get_result(summary["id"]))


def _profile(args: argparse.Namespace) -> Any:
    if args.data_shape:
        raise UserError("-data_shape is for `benchmark` only; a profile needs a fixed shape.",
                        "Reshape with -shape to the shape you want profiled.")
    settings = _settings(args)
    params = {"settings": settings.to_config(), "iterations": args.iterations, "repeats": args.repeats,
              **_model_params(_model_of(args))}
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
        **_model_params(_model_of(args)),
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
    parser = add_command(subparsers, "benchmark", "measure FPS and latency like benchmark_app, and store the result",
                         _benchmark)
    _add_model_and_device(parser)
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("-t", "--time", dest="duration_s", type=float,
                        help=f"seconds per run ({DEFAULT_DURATION_S:g}; benchmark_app: {BENCHMARK_APP_DEFAULT_DURATION_S:g})")
    budget.add_argument("-n", "-niter", "--iterations", type=int, help="inferences per run instead of a duration")
    parser.add_argument("--repeats", type=int, default=1, help="run K times and report mean ± std (1)")
    parser.add_argument("--input", default="random", help="'random' or a dataset id (random)")
    parser.add_argument("-pc", dest="perf_counts", nargs="?", const=True, default=False, type=_yes_no,
                        metavar="true|false", help="as benchmark_app -pc (an optional true/false)")
    parser.add_argument("--perf-counts", dest="perf_counts", action="store_true", default=False,
                        help="per-layer counters during the run, printed and stored (benchmark_app -pc)")

    parser = add_command(subparsers, "profile", "per-layer times in a separate run with performance counters",
                         _profile)
    _add_model_and_device(parser)
    parser.set_defaults(hint="latency")
    parser.add_argument("-niter", "--iterations", type=int, default=50, help="profiled inferences per run (50)")
    parser.add_argument("-pc", dest="perf_counts_flag", nargs="?", const=True, default=False, type=_yes_no,
                        help="accepted for benchmark_app habits: a profile always has per-layer counters")
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
