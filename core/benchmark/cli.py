"""`python -m core benchmark | profile | sweep | results` — the benchmark page on the command line.

Each measuring command builds the same request the page builds (its flags come from the
request's declaration: `add_options`, `from_args`), checks it once and runs its job in this
process's own supervisor (`run_job_inline`), so it takes the same device lock, is listed among
the jobs, and stores the same result row that `compare` reads.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from core.benchmark.engine import perf_count_table
from core.benchmark.requests import BenchmarkRequest, ProfileRequest, SweepRequest, model_context
from core.benchmark.results import KINDS, get_result, list_results, result_to_dict
from core.benchmark.settings import (BENCHMARK_APP_DEFAULT_DURATION_S, DEFAULT_DURATION_S, HINT_ALIASES, Api,
                                     BenchmarkSettings, Hint, parse_yes_no)
from core.commands import add_command
from core.errors import UserError
from core.jobs import run_spec_inline
from core.requests import Request, add_options, from_args

JOB_SLACK_S = 600.0
REQUESTS: dict[str, type[BenchmarkSettings]] = {"benchmark": BenchmarkRequest, "profile": ProfileRequest,
                                                "sweep": SweepRequest}

# benchmark_app's single-dash spellings (and our older long ones) are real option strings of the
# same destinations as the request's flags (not an argv rewrite): argparse matches an exact option
# string before any prefix rule, so `-nstreams 2` is -nstreams and no longer `-n streams`;
# `allow_abbrev=False` (core/cli.add_command) stops `--nstr` guesses. `-h` lists every spelling.
SPELLINGS = {
    "device": ("-d",), "hint": ("-hint",), "api": ("-api",), "nstreams": ("-nstreams",), "nireq": ("-nireq",),
    "batch": ("-b",), "nthreads": ("-nthreads",), "infer_precision": ("-infer_precision", "--compute-precision"),
    "cache_dir": ("-cdir",), "shape": ("-shape",), "data_shape": ("-data_shape",), "layout": ("-layout",),
    "duration_s": ("-t", "--time"), "iterations": ("-n", "-niter"),
    # a group run's lists keep the single-value spellings: `sweep -b 1,2 --nstreams 1,2 --nireq 2,4`
    "batches": ("-b", "--batch"), "nstreams_values": ("-nstreams", "--nstreams"), "nireq_values": ("-nireq", "--nireq"),
    "latency_limit_ms": ("--latency-limit",),
}
HINT_CHOICES = [*(hint.value for hint in Hint), *HINT_ALIASES]


def _yes_no(text: str) -> bool:
    try:
        return parse_yes_no(text, "this option")
    except UserError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def _help(request_type: type[Request], name: str) -> str:
    opt = request_type.option(name)
    return opt.info.help if opt.default is None else f"{opt.info.help} (default: {opt.default})"


def add_request_options(parser: argparse.ArgumentParser, request_type: type[BenchmarkSettings]) -> None:
    """The request's flags (`add_options`) plus benchmark_app's spellings of the same settings."""
    parser.add_argument("model", nargs="?", help="IR .xml file, or the id of a model variant in the workspace")
    parser.add_argument("-m", dest="model_flag", metavar="MODEL", help="the model, as benchmark_app's -m")
    names = {opt.name for opt in request_type.options() if opt.info.cli}
    # Two settings take benchmark_app's words rather than argparse's: --pin YES|NO and --input ID.
    add_options(parser, request_type, skip=("pin", "input"))
    parser.add_argument("-pin", "--pin", dest="pin", type=_yes_no, metavar="YES|NO", default=None,
                        help=_help(request_type, "pin"))
    if "input" in names:
        parser.add_argument("--input", dest="input", metavar="random|dataset|ID", default="random",
                            help=_help(request_type, "input"))
    for name, spellings in SPELLINGS.items():
        if name not in names:
            continue
        opt = request_type.option(name)
        kwargs: dict[str, Any] = {"dest": name, "default": argparse.SUPPRESS, "help": f"the same as {opt.flag}"}
        if opt.kind is list:
            kwargs.update(nargs="+", metavar=name.upper())
        elif name == "hint":
            kwargs["choices"] = HINT_CHOICES  # benchmark_app's tput / ctput too
        elif opt.choices is not None:
            kwargs["choices"] = opt.choices
        else:
            kwargs["type"] = opt.kind
        parser.add_argument(*spellings, **kwargs)


def request_from(args: argparse.Namespace) -> Any:
    """The command's request from its flags and model (not checked yet: `check()` does that, once)."""
    return from_args(REQUESTS[args.command], args, **model_context(_model_of(args)))


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
    if settings.hint == Hint.LATENCY and settings.api is Api.ASYNC:
        notes.append("uses the async API with -hint latency; benchmark_app uses -api sync there (add -api sync to match it)")
    return notes


def _note_differences(args: argparse.Namespace, settings: BenchmarkSettings) -> None:
    """Printed once, on stderr (never in --json output)."""
    for note in benchmark_app_differences(args, settings):
        print(f"note: this benchmark {note}", file=sys.stderr)


def _expected_s(settings: BenchmarkSettings, points: int = 1) -> float:
    per_run = settings.effective_duration_s or 600.0
    return points * (settings.repeats * per_run + 120.0) + JOB_SLACK_S


def _checked(args: argparse.Namespace) -> Any:
    request = request_from(args)
    request.check()  # fail before a job is even created
    return request


def _benchmark(args: argparse.Namespace) -> Any:
    request = _checked(args)
    _note_differences(args, request)
    summary = run_spec_inline(request.job(), args.verbose, _expected_s(request))
    perf_rows = (get_result(summary["id"]).metrics.get("perf_counts") or []) if request.perf_counts else []
    if request.perf_counts and not args.json:  # benchmark_app's -pc report: stored with the result, shown here
        print(perf_count_table(perf_rows))
    if not args.json:
        return summary
    document = _measurement(summary)
    if request.perf_counts:
        document["perf_counts"] = perf_rows
    return document


def _measurement(summary: dict[str, Any]) -> dict[str, Any]:
    """--json of a run: the stored result in the one measurement shape `results --id` prints."""
    return result_to_dict(get_result(summary["id"]))


def _profile(args: argparse.Namespace) -> Any:
    request = _checked(args)
    summary = run_spec_inline(request.job(), args.verbose, JOB_SLACK_S * 2 + 60.0 * request.repeats)
    if args.json:
        return _measurement(summary)
    stored = result_to_dict(get_result(summary["id"]))
    metrics = stored.pop("metrics")
    return {"id": summary["id"], "job_id": summary["job_id"], "precision_label": metrics.get("precision_label"),
            **metrics, "config": stored["config"]}


def _sweep(args: argparse.Namespace) -> Any:
    request = _checked(args)
    summary = run_spec_inline(request.job(), args.verbose, _expected_s(request, request.points))
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
    add_request_options(parser, BenchmarkRequest)
    parser.add_argument("-pc", dest="perf_counts", nargs="?", const=True, default=argparse.SUPPRESS, type=_yes_no,
                        metavar="true|false", help="the same as --perf-counts (benchmark_app -pc, an optional true/false)")

    parser = add_command(subparsers, "profile", "per-layer times in a separate run with performance counters",
                         _profile)
    add_request_options(parser, ProfileRequest)
    parser.add_argument("-pc", dest="perf_counts_flag", nargs="?", const=True, default=False, type=_yes_no,
                        help="accepted for benchmark_app habits: a profile always has per-layer counters")

    parser = add_command(subparsers, "sweep", "benchmark a batch x streams matrix and find the sweet spot", _sweep)
    add_request_options(parser, SweepRequest)

    parser = add_command(subparsers, "results", "stored benchmark, profile and sweep results", _results)
    parser.add_argument("--kind", choices=list(KINDS))
    parser.add_argument("--variant", type=int, help="only results of this variant")
    parser.add_argument("--id", type=int, help="one result with all its numbers")
    parser.add_argument("--limit", type=int, default=50)
