"""The measuring requests: benchmark, per-layer profile and group run (sweep) of one model.

Each is the measured settings (`BenchmarkSettings`, declared once with label, help, default and
bounds) plus the model to measure, so one typed record travels from the page form or the CLI
flags through the job params to `run_benchmark` / `profile_model` / `run_sweep`: `check()` runs
once before a job exists, `job()` says which job it becomes, and the job function rebuilds the
request with `from_params` (unknown keys refused).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.benchmark.profile import DEFAULT_PROFILE_ITERATIONS, DEFAULT_PROFILE_REPEATS, MAX_PROFILE_REPEATS
from core.benchmark.results import variant_for_path
from core.benchmark.settings import Api, BenchmarkSettings, Hint, InputSource, int_list
from core.benchmark.sweep import DEFAULT_POINT_DURATION_S, sweep_settings
from core.errors import UserError
from core.requests import JobSpec, option
from core.targets.choice import check_target, device_on, is_remote, target_option
from core.variants import get_variant, variant_xml
from core.workspace import resolve


def resolve_model(variant_id: int | None, model_path: str | None) -> tuple[Path, int | None]:
    """(IR path, variant id) for a variant or a plain IR file."""
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


def model_context(model: str) -> dict[str, Any]:
    """A command line's model (a variant id, or an IR file) as the request's context fields."""
    if model.isdigit() and not Path(model).exists():
        return {"variant_id": int(model)}
    return {"model_path": str(Path(model).resolve())}


@dataclass(kw_only=True)
class _Measure(BenchmarkSettings):
    """The measured settings plus the model they are measured on (a variant, or an IR file)."""

    variant_id: int | None = None
    model_path: str | None = None
    target: str = target_option()

    def model(self) -> tuple[Path, int | None]:
        return resolve_model(self.variant_id, self.model_path)

    def on_target(self) -> bool:
        return is_remote(self.target)

    def check(self) -> None:
        if self.on_target():
            self.check_settings()  # the target checks its own devices when it measures
            self.check_target()
        else:
            super().check()
        self.model()

    def check_target(self) -> None:
        """The target is connected and has the device (its samples, for dataset input, travel with the job)."""
        check_target(self.target, self.device)

    def job_title(self, what: str = "") -> str:
        """How the jobs list names this run: the variant (or file), the device and the machine."""
        if self.variant_id is not None:
            variant = get_variant(int(self.variant_id))
            model = variant.model.name if variant.model is not None else f"model {variant.model_id}"
            name = f"{model} · {variant.name} · {variant.precision} · #{variant.id}"
        else:
            name = str(self.model_path)
        return f"{name}{f' ({what})' if what else ''} on {device_on(self.device, self.target)}"

    def job(self) -> JobSpec:
        return JobSpec(kind=self.KIND, entrypoint=self.ENTRYPOINT, params=self.to_params(), target=self.job_title(),
                       variant_id=self.variant_id, host=self.target if self.on_target() else "")


@dataclass(kw_only=True)
class BenchmarkRequest(_Measure):
    """FPS and latency of one configuration, measured like benchmark_app (repeated `repeats` times)."""

    KIND = "benchmark"
    ENTRYPOINT = "core.benchmark.jobs:benchmark_job"


@dataclass(kw_only=True)
class ProfileRequest(_Measure):
    """Per-layer times in a separate run with performance counters (repeated; median and spread)."""

    KIND = "profile"
    ENTRYPOINT = "core.benchmark.jobs:profile_job"

    hint: Hint = option(Hint.LATENCY, label="Performance hint",
                        help="latency (the default here): one request as fast as possible; throughput, "
                             "cumulative_throughput, none as for a benchmark (benchmark_app's tput/ctput accepted)")
    iterations: int = option(DEFAULT_PROFILE_ITERATIONS, label="Profiled inferences",
                             help="profiled inferences per run", minimum=1)
    repeats: int = option(DEFAULT_PROFILE_REPEATS, label="Runs",
                          help="profile runs; each layer keeps the median and the spread", minimum=1,
                          maximum=MAX_PROFILE_REPEATS)
    # Not settings of a profile: it keeps its requests busy asynchronously on random data, bounded
    # by its inference count, counters always on, at one fixed shape.
    api: Api = Api.ASYNC
    duration_s: float | None = None
    input: InputSource = InputSource.RANDOM
    dataset_id: int | None = None
    data_shape: str | None = None
    perf_counts: bool = False


@dataclass(kw_only=True)
class SweepRequest(_Measure):
    """A batch x streams (x requests) matrix, each point a full benchmark, and the best point
    under a latency limit."""

    KIND = "sweep"
    ENTRYPOINT = "core.benchmark.jobs:sweep_job"

    batches: list[int] = option(label="Batch sizes", default_factory=list,
                                help="batch sizes, e.g. 1,2,4 (empty: the model's own)")
    nstreams_values: list[int] = option(label="Streams", default_factory=list,
                                        help="stream counts, e.g. 1,2 (empty: from the hint); set streams make the "
                                             "hint none for those points")
    nireq_values: list[int] = option(label="Requests", default_factory=list,
                                     help="request counts, e.g. 1,2,4 (empty: the device's optimal number)")
    latency_limit_ms: float | None = option(None, label="Latency limit (ms)", minimum=0,
                                            help="sweet spot: best FPS with median latency ≤ this (not given, or 0 in the form: no limit)")
    duration_s: float | None = option(None, label="Duration (s)", minimum=0,
                                      help=f"seconds per point (not given, or 0 in the form: {DEFAULT_POINT_DURATION_S:g} s)")
    # Set per point by the matrix, or not a group-run setting:
    batch: int | None = None
    nstreams: int | None = None
    nireq: int | None = None
    repeats: int = 1
    perf_counts: bool = False

    def __post_init__(self) -> None:
        self.batches = int_list(self.batches, "Batch sizes")
        self.nstreams_values = int_list(self.nstreams_values, "Streams")
        self.nireq_values = int_list(self.nireq_values, "Requests")
        if not self.latency_limit_ms:
            self.latency_limit_ms = None  # 0 on the page: no limit
        super().__post_init__()

    def check(self) -> None:
        super().check()
        for point in sweep_settings(self, self.batches, self.nstreams_values, self.nireq_values):
            point.check_settings() if self.on_target() else point.check()

    @property
    def points(self) -> int:
        return len(self.batches or [1]) * len(self.nstreams_values or [1]) * len(self.nireq_values or [1])


MEASURE_REQUESTS: tuple[type[_Measure], ...] = (BenchmarkRequest, ProfileRequest, SweepRequest)
__all__ = ["BenchmarkRequest", "ProfileRequest", "SweepRequest", "model_context", "resolve_model"]
