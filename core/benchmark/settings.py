"""Benchmark settings: what one measurement uses, declared once and checked against the device
before anything is compiled.

`BenchmarkSettings` is the measured-settings record `run_benchmark` / `profile_model` /
`run_sweep` read (device and benchmark_app's options). It is a `core.requests.Request`, so each
setting is declared once — label, help, default, bounds, choices (StrEnums) — and the page form,
the CLI flags, the job params and the stored config all come from that declaration. The
measuring requests (core/benchmark/requests.py) are this record plus the model to measure.

Bad settings fail in `check()`, once, before a job exists, in a sentence the user understands
(streams beyond what the device allows, a device not present) rather than as a plugin exception
halfway through a run.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from core.benchmark.devices import HINTS, check_device
from core.devices import PRECISION_CAPABILITY, device_ranges, physical_devices_of
from core.errors import UserError
from core.precision import compute_precision, device_compute
from core.requests import Request, choice, option

DEFAULT_DURATION_S = 10.0
MAX_REPEATS = 20
# benchmark_app's -hint spellings; stored under our canonical names (core/benchmark/devices.HINTS).
HINT_ALIASES = {"tput": "throughput", "ctput": "cumulative_throughput"}
# benchmark_app's own defaults where ours differ (printed once by the CLI, never applied silently).
BENCHMARK_APP_DEFAULT_DURATION_S = 60.0
# Settings that exist only as benchmark_app options: stored only when set, so older results keep their keys.
BENCHMARK_APP_ONLY = ("cache_dir", "shape", "data_shape", "layout", "pin")

Hint = StrEnum("Hint", {name.upper(): name for name in HINTS})  # type: ignore[misc]
Hint.__doc__ = "Performance hints (our names; core/benchmark/devices.HINTS says how OpenVINO spells them)."


class Api(StrEnum):
    """benchmark_app's -api: a queue of requests, or one request in a loop."""

    ASYNC = "async"
    SYNC = "sync"


class InputSource(StrEnum):
    """What the requests are fed: random data (like benchmark_app) or a dataset's samples."""

    RANDOM = "random"
    DATASET = "dataset"


API_MODES = tuple(mode.value for mode in Api)


def _blank(value: Any) -> Any:
    """'' and 'None' (text from old JSON or a form) mean: not set."""
    return None if value in ("", "None") else value


@dataclass(kw_only=True)
class BenchmarkSettings(Request):
    """What one benchmark run uses; `to_config()` is what a stored result records."""

    device: str = option("CPU", label="Device",
                         help="CPU, GPU.0, NPU, AUTO, MULTI:..., HETERO:...; virtual devices run on the devices "
                              "listed after ':'")
    hint: Hint = option(Hint.THROUGHPUT, label="Performance hint",
                        help="throughput: many parallel streams; latency: one request as fast as possible; "
                             "cumulative_throughput: every device of AUTO at once; none: the device default "
                             "(benchmark_app's tput/ctput are accepted)")
    api: Api = option(Api.ASYNC, label="API",
                      help="async: a queue of requests (AsyncInferQueue, benchmark_app's default); sync: one "
                           "request at a time with infer() (benchmark_app's default with the latency hint)")
    nstreams: int | None = option(None, label="Streams", help="number of streams (not given, or 0 in the form: from the hint)",
                                  minimum=0)
    nireq: int | None = option(None, label="Requests",
                               help="number of infer requests (not given, or 0 in the form: the device's optimal number)", minimum=0)
    batch: int | None = option(None, label="Batch", help="batch size (not given, or 0 in the form: the model's own)", minimum=0)
    nthreads: int | None = option(None, label="Threads", help="inference threads (not given, or 0 in the form: all cores)", minimum=0)
    infer_precision: str | None = option(
        None, label="Compute precision",
        help="What the device computes in (INFERENCE_PRECISION_HINT), whatever the IR's weights are stored in: "
             "f32 is exact; bf16 or f16 where the device has them natively; empty or 'default': the device's own "
             "default, read back and shown with the result (see `python -m core info`)")
    duration_s: float | None = option(
        None, label="Duration (s)",
        help=f"seconds per run (not given, or 0 in the form: {DEFAULT_DURATION_S:g} s, a group run 5 s per point; benchmark_app: "
             f"{BENCHMARK_APP_DEFAULT_DURATION_S:g} s)", minimum=0)
    iterations: int | None = option(None, label="Iterations",
                                    help="inferences per run instead of a duration (not given, or 0 in the form: run for the duration)",
                                    minimum=0)
    repeats: int = option(1, label="Repeats", help="run K times and report mean ± std", minimum=1, maximum=MAX_REPEATS)
    cache: bool = option(False, label="Model cache",
                         help="use the workspace's model cache: compile once, load from the cache next time")
    input: InputSource = option(InputSource.RANDOM, label="Input data",
                                help="random: random data like benchmark_app; dataset: the samples of --dataset-id "
                                     "(a dataset id alone also works: --input 3)")
    dataset_id: int | None = option(None, label="Dataset", help="the dataset fed with input 'dataset'", minimum=1,
                                    page=False)  # the page picks the dataset in its Input data list
    # benchmark_app options, kept in its own syntax so the reproduce line can repeat them verbatim;
    # command-line options (the page leaves them at benchmark_app's defaults):
    cache_dir: str | None = option(None, label="Cache folder",
                                   help="model cache in this folder (benchmark_app -cdir)", page=False)
    shape: str | None = option(
        None, label="Shape", page=False,
        help='reshape inputs before compile: "[1,3,224,224]" or "in1[1,3,224,224],in2[1,4]"; ? -1 1..8 allowed')
    data_shape: str | None = option(
        None, label="Data shape", page=False,
        help='shape of the tensors fed to a dynamic input: "[1,3,224,224]" or "in1[...],in2[...]"')
    layout: str | None = option(None, label="Layout", help='input layout: "[NCHW]" or "in1[NCHW],in2[NC]"',
                                page=False)
    pin: bool | None = option(None, label="CPU pinning",
                              help="CPU thread pinning, ENABLE_CPU_PINNING: YES or NO (device default)", page=False)
    perf_counts: bool = option(False, label="Per-layer counters", page=False,
                               help="per-layer counters during the run, printed and stored (benchmark_app -pc)")

    def __post_init__(self) -> None:
        # Values arrive as text from a form, argparse, old job params or a stored config: one place
        # turns them into the typed record (benchmark_app spellings included).
        if self.hint is not None and not isinstance(self.hint, Hint):
            text = str(self.hint).lower()
            self.hint = choice(Hint, HINT_ALIASES.get(text, text), "performance hint")  # type: ignore[assignment]
        if self.api is not None and not isinstance(self.api, Api):
            self.api = choice(Api, str(self.api).lower(), "API mode")  # type: ignore[assignment]
        if not isinstance(self.input, InputSource):
            text = str(_blank(self.input) or InputSource.RANDOM)
            if text.isdigit():  # a dataset id alone, as the CLI and stored configs have always written it
                self.input, self.dataset_id = InputSource.DATASET, int(text)
            else:
                self.input = choice(InputSource, text, "input")  # type: ignore[assignment]
        for name in BENCHMARK_APP_ONLY:
            setattr(self, name, _blank(getattr(self, name)))
        if isinstance(self.pin, str):
            self.pin = parse_yes_no(self.pin, "-pin")
        precision = _blank(self.infer_precision)
        self.infer_precision = None if precision in (None, "default") else compute_precision(precision)
        super().__post_init__()

    # --- the stored record -----------------------------------------------------------------
    def to_config(self) -> dict[str, Any]:
        """The stored `config` of a result (a fixed set of keys other features read).

        Only the measured settings (no model, no sweep lists); `input` keeps its stored form
        ("random" or the dataset id as text); benchmark_app-only options appear only when set,
        so older results and their readers keep the same keys."""
        config = {f.name: getattr(self, f.name) for f in dataclasses.fields(BenchmarkSettings)}
        config = {key: (str(value) if isinstance(value, StrEnum) else value) for key, value in config.items()}
        config.pop("dataset_id")
        config["input"] = str(self.dataset_id) if self.input is InputSource.DATASET else InputSource.RANDOM.value
        for name in BENCHMARK_APP_ONLY:
            if config[name] is None:
                config.pop(name)
        if not config["perf_counts"]:
            config.pop("perf_counts")
        if self.iterations:
            config.pop("duration_s")
        else:
            config.pop("iterations")
            config["duration_s"] = self.effective_duration_s
        return config

    def measured(self) -> BenchmarkSettings:
        """Only the measured settings (a request's model and lists left behind): one point of a group run."""
        return BenchmarkSettings(**{f.name: getattr(self, f.name) for f in dataclasses.fields(BenchmarkSettings)})

    @property
    def effective_duration_s(self) -> float | None:
        if self.iterations:
            return None
        return self.duration_s or DEFAULT_DURATION_S

    # --- checked once, before a job exists ---------------------------------------------------
    def check(self) -> None:
        """Everything that can be checked without the model: the settings, then the device here."""
        self.check_settings()
        self.check_device_here()

    def check_settings(self) -> None:
        """The checks that need no device: all a remote target's settings get on the app host (the
        target checks its own devices when it measures, core/benchmark/measure.py)."""
        if self.api is Api.SYNC and self.nireq not in (None, 1):
            raise UserError("The sync API runs one request at a time; it cannot use several requests.",
                            "Use the async API for several requests, or leave requests empty.")
        for name in ("nstreams", "nireq", "batch", "nthreads", "duration_s", "iterations"):
            _positive(name, getattr(self, name))
        if self.duration_s and self.iterations:
            raise UserError("Give either a duration or an iteration count, not both.")
        if not 1 <= self.repeats <= MAX_REPEATS:
            raise UserError(f"Repeats must be between 1 and {MAX_REPEATS}, got {self.repeats}.")
        if self.input is InputSource.DATASET and self.dataset_id is None:
            raise UserError("Input 'dataset' needs a dataset.", "Give --dataset-id N (or --input N), or use random input.")
        super().check()
        if self.pin is not None and not self.device.upper().startswith("CPU"):
            raise UserError(f"-pin (CPU thread pinning) is supported here only with -d CPU, not {self.device}.",
                            "Pinning is a CPU setting; run on CPU, or leave -pin out.")

    def check_device_here(self) -> None:
        """The device exists on this machine and accepts these streams and this precision."""
        check_device(self.device)
        for device in physical_devices_of(self.device):
            self._check_on(device)

    def _check_on(self, device: str) -> None:
        ranges = device_ranges(device)
        streams = ranges["streams"]
        if self.nstreams and streams and not streams[0] <= self.nstreams <= streams[1]:
            raise UserError(
                f"{device} accepts {streams[0]} to {streams[1]} streams; {self.nstreams} is out of range.",
                "Streams run in parallel on separate cores; more streams than the device allows cannot be made.",
            )
        if self.infer_precision:
            wanted = PRECISION_CAPABILITY.get(self.infer_precision)
            if wanted is None:
                raise UserError(
                    f"Unknown inference precision {self.infer_precision!r}.",
                    f"Use one of: {', '.join(PRECISION_CAPABILITY)}.",
                )
            if not ranges["supports_precision_hint"] or wanted not in ranges["capabilities"]:
                raise UserError(
                    f"{device} cannot run inference in {self.infer_precision}: it reports "
                    f"{', '.join(ranges['capabilities']) or 'no capabilities'}.",
                    _precision_hint(device),
                )


def parse_yes_no(value: str | bool, option: str) -> bool:
    """benchmark_app's YES/NO (and its str2bool spellings) as a bool."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("yes", "y", "true", "t", "1", "on"):
        return True
    if text in ("no", "n", "false", "f", "0", "off"):
        return False
    raise UserError(f"{option} takes YES or NO, got {value!r}.")


def int_list(values: Any, what: str) -> list[int]:
    """Whole positive numbers from "1,2,4", ["1", "2"], ["1,2"] or [1, 2] — the one reading of a
    comma list, for the CLI (`--batches 1,2 4`) and the page's text field alike."""
    if values is None:
        return []
    items = [values] if isinstance(values, (str, int)) else list(values)
    text = ",".join(str(item) for item in items)
    try:
        numbers = [int(part) for part in text.replace(" ", ",").split(",") if part.strip()]
    except ValueError:
        raise UserError(f"{what}: expected whole numbers separated by commas, got {text!r}.") from None
    if any(number <= 0 for number in numbers):
        raise UserError(f"{what}: every value must be positive, got {text!r}.")
    return numbers


def _positive(name: str, value: int | float | None) -> None:
    if value is not None and value <= 0:
        raise UserError(f"{name} must be a positive number, got {value}.")


def compile_config(settings: BenchmarkSettings, cache_dir: str | None, perf_count: bool = False) -> dict[str, Any]:
    """The properties passed to compile_model, built the way benchmark_app builds them."""
    config: dict[str, Any] = {}
    hint = HINTS[settings.hint]
    if hint is not None:
        config["PERFORMANCE_HINT"] = hint
    if settings.nireq:
        config["PERFORMANCE_HINT_NUM_REQUESTS"] = str(settings.nireq)
    config["PERF_COUNT"] = perf_count
    if settings.nstreams:
        config["NUM_STREAMS"] = str(settings.nstreams)
    if settings.nthreads:
        config["INFERENCE_NUM_THREADS"] = str(settings.nthreads)
    if settings.infer_precision:
        config["INFERENCE_PRECISION_HINT"] = settings.infer_precision
    if settings.batch:
        config["ALLOW_AUTO_BATCHING"] = False  # as benchmark_app: an explicit batch disables auto-batching
    if settings.pin is not None:
        config["ENABLE_CPU_PINNING"] = settings.pin  # benchmark_app's -pin (CPU only, checked above)
    if settings.cache_dir:
        cache_dir = settings.cache_dir  # -cdir: the user's folder wins over the workspace cache
    if cache_dir:
        config["CACHE_DIR"] = cache_dir
    return config


def _precision_hint(device: str) -> str:
    """What the device does offer, in its own words (never a guess about its hardware)."""
    facts = device_compute(device)
    return (f"{device} computes natively in {', '.join(facts['native']) or 'nothing it reports'}; its default is "
            f"{facts['default'] or 'not reported'}. Pick one of those, or leave the precision at the default.")
