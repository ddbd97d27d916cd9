"""Benchmark settings, checked against the device before anything is compiled.

Bad settings must fail in a sentence the user understands (streams beyond what the device
allows, a device not present, a batch the model cannot take) rather than as a plugin
exception halfway through a run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from core.benchmark.devices import HINTS, check_device
from core.devices import PRECISION_CAPABILITY, device_ranges, physical_devices_of
from core.errors import UserError

DEFAULT_DURATION_S = 10.0
MAX_REPEATS = 20
API_MODES = ("async", "sync")
# benchmark_app's -hint spellings; stored under our canonical names (core/benchmark/devices.HINTS).
HINT_ALIASES = {"tput": "throughput", "ctput": "cumulative_throughput"}
# benchmark_app's own defaults where ours differ (printed once by the CLI, never applied silently).
BENCHMARK_APP_DEFAULT_DURATION_S = 60.0


@dataclass
class BenchmarkSettings:
    """What one benchmark run uses; stored verbatim in the result's config."""

    device: str = "CPU"
    hint: str = "throughput"
    api: str = "async"  # benchmark_app's -api: async (AsyncInferQueue) or sync (one request, infer())
    nstreams: int | None = None
    nireq: int | None = None
    batch: int | None = None
    nthreads: int | None = None
    infer_precision: str | None = None
    cache: bool = False
    duration_s: float | None = None
    iterations: int | None = None
    input: str = "random"  # "random" or a dataset id as text
    repeats: int = 1
    # benchmark_app options, stored in its own syntax so the reproduce line can repeat them verbatim:
    cache_dir: str | None = None  # -cdir: model cache in this folder (instead of the workspace's with `cache`)
    shape: str | None = None  # -shape "in1[1,3,224,224],in2[1,4]" or "[1,3,224,224]": reshape before compile
    data_shape: str | None = None  # -data_shape: the tensor shape fed to a dynamic model input
    layout: str | None = None  # -layout "in1[NCHW]" or "[NCHW]": how the inputs' dims are read (batch, image)
    pin: bool | None = None  # -pin YES|NO: ENABLE_CPU_PINNING (None: the device's default)
    perf_counts: bool = False  # -pc: per-layer counters during the run, stored beside the figures
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BenchmarkSettings:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        settings = cls(**known)
        settings.input = str(settings.input)
        settings.hint = HINT_ALIASES.get(str(settings.hint).lower(), str(settings.hint).lower())
        if isinstance(settings.pin, str):
            settings.pin = parse_yes_no(settings.pin, "-pin")
        for name in ("cache_dir", "shape", "data_shape", "layout"):
            if getattr(settings, name) in ("", "None"):
                setattr(settings, name, None)
        if settings.infer_precision in ("", "default", "None"):
            settings.infer_precision = None  # the device default
        elif settings.infer_precision:  # "BF16", "fp32", "float32" -> "bf16", "f32"
            from core.precision import compute_precision

            settings.infer_precision = compute_precision(settings.infer_precision)
        return settings

    def to_config(self) -> dict[str, Any]:
        """The stored `config` of a result (a fixed set of keys other features read).

        benchmark_app-only options appear only when set, so older results and their
        readers keep the same keys."""
        config = asdict(self)
        config.pop("extra")
        for name in ("cache_dir", "shape", "data_shape", "layout", "pin"):
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

    @property
    def effective_duration_s(self) -> float | None:
        if self.iterations:
            return None
        return self.duration_s or DEFAULT_DURATION_S


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


def _positive(name: str, value: int | float | None) -> None:
    if value is not None and value <= 0:
        raise UserError(f"{name} must be a positive number, got {value}.")


def validate_settings(settings: BenchmarkSettings) -> None:
    """Everything that can be checked without the model: device, ranges, precision."""
    if settings.hint not in HINTS:
        raise UserError(
            f"Unknown performance hint {settings.hint!r}.", f"Use one of: {', '.join(HINTS)}."
        )
    if settings.api not in API_MODES:
        raise UserError(f"Unknown API mode {settings.api!r}.", "Use async (the default) or sync.")
    if settings.api == "sync" and settings.nireq not in (None, 1):
        raise UserError("The sync API runs one request at a time; it cannot use several requests.",
                        "Use the async API for several requests, or leave requests empty.")
    for name in ("nstreams", "nireq", "batch", "nthreads", "duration_s", "iterations"):
        _positive(name, getattr(settings, name))
    if settings.duration_s and settings.iterations:
        raise UserError("Give either a duration or an iteration count, not both.")
    if not 1 <= settings.repeats <= MAX_REPEATS:
        raise UserError(f"Repeats must be between 1 and {MAX_REPEATS}, got {settings.repeats}.")
    if settings.pin is not None and not settings.device.upper().startswith("CPU"):
        raise UserError(f"-pin (CPU thread pinning) is supported here only with -d CPU, not {settings.device}.",
                        "Pinning is a CPU setting; run on CPU, or leave -pin out.")
    check_device(settings.device)
    for device in physical_devices_of(settings.device):
        ranges = device_ranges(device)
        streams = ranges["streams"]
        if settings.nstreams and streams and not streams[0] <= settings.nstreams <= streams[1]:
            raise UserError(
                f"{device} accepts {streams[0]} to {streams[1]} streams; {settings.nstreams} is out of range.",
                "Streams run in parallel on separate cores; more streams than the device allows cannot be made.",
            )
        if settings.infer_precision:
            wanted = PRECISION_CAPABILITY.get(settings.infer_precision)
            if wanted is None:
                raise UserError(
                    f"Unknown inference precision {settings.infer_precision!r}.",
                    f"Use one of: {', '.join(PRECISION_CAPABILITY)}.",
                )
            if not ranges["supports_precision_hint"] or wanted not in ranges["capabilities"]:
                raise UserError(
                    f"{device} cannot run inference in {settings.infer_precision}: it reports "
                    f"{', '.join(ranges['capabilities']) or 'no capabilities'}.",
                    _precision_hint(device),
                )


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
    from core.precision import device_compute

    facts = device_compute(device)
    return (f"{device} computes natively in {', '.join(facts['native']) or 'nothing it reports'}; its default is "
            f"{facts['default'] or 'not reported'}. Pick one of those, or leave the precision at the default.")
