"""Measurement adapters: the part of a benchmark/profile/sweep job that runs on the measuring host.

`core.targets.measure.measure(ctx, adapter, xml_path, device=..., **json_kwargs)` calls one of these either
here (holding the device lock) or on a remote target (core/targets/remote.py, in a child
process there). So each takes only JSON-able arguments and returns JSON-able metrics, opens
no database and no workspace path, and reads device facts (for the notes) on the host that
measured: `metrics["device_capabilities"]`.

    adapter(xml_path: Path, progress: Callable[[fraction | None, message], None], **kwargs) -> dict
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.benchmark.devices import precision_notes
from core.benchmark.engine import run_benchmark
from core.benchmark.profile import profile_model
from core.benchmark.settings import BenchmarkSettings
from core.benchmark.sweep import run_sweep
from core.devices import device_ranges, physical_devices_of
from core.progress import Progress


def _capabilities(device: str) -> dict[str, list[str]]:
    """OPTIMIZATION_CAPABILITIES of each physical device `device` ran on, read here."""
    found = {}
    for name in physical_devices_of(device):
        try:
            found[name] = list(device_ranges(name)["capabilities"])
        except Exception:  # noqa: BLE001 - an odd plugin: no capability facts, no notes from them
            found[name] = []
    return found


def benchmark(xml_path: Path, progress: Progress, settings: dict[str, Any], samples: str | None = None) -> dict[str, Any]:
    """One benchmark (core.benchmark.engine.run_benchmark) with `settings` (BenchmarkSettings params).
    Checked again here: on a target, against the devices that target has. `samples`: the pack of
    the dataset's samples when a dataset input is measured on a target."""
    options = BenchmarkSettings.from_params(settings)
    options.check()
    metrics = run_benchmark(Path(xml_path), options, progress=progress, samples=Path(samples) if samples else None)
    metrics["device_capabilities"] = _capabilities(options.device)
    return metrics


def profile(xml_path: Path, progress: Progress, settings: dict[str, Any], iterations: int,
            repeats: int) -> dict[str, Any]:
    """A per-layer profile (core.benchmark.profile.profile_model)."""
    options = BenchmarkSettings.from_params(settings)
    options.repeats = int(repeats)
    options.check()
    metrics = profile_model(Path(xml_path), options, progress=progress, iterations=int(iterations),
                            repeats=int(repeats))
    metrics["device_capabilities"] = _capabilities(options.device)
    return metrics


def sweep(xml_path: Path, progress: Progress, settings: dict[str, Any], batches: list[int] | None = None,
          nstreams: list[int] | None = None, nireqs: list[int] | None = None,
          latency_limit_ms: float | None = None,
          on_point: Callable[[BenchmarkSettings, dict[str, Any]], int] | None = None,
          samples: str | None = None) -> dict[str, Any]:
    """A group of benchmarks (core.benchmark.sweep.run_sweep).

    `on_point(settings, metrics)` stores each point as it is measured (here, on the app host).
    On a target there is no store: without `on_point` each point's settings and metrics are
    kept in `metrics["point_runs"]`, and `replay_points` stores them on the app host after.
    """
    base = BenchmarkSettings.from_params(settings)
    base.check()
    capabilities = _capabilities(base.device)
    runs: list[dict[str, Any]] = []

    def record(point_settings: BenchmarkSettings, metrics: dict[str, Any]) -> int | None:
        metrics["device_capabilities"] = capabilities
        if on_point is not None:
            return on_point(point_settings, metrics)
        runs.append({"settings": point_settings.to_params(), "metrics": metrics})
        return None

    result = run_sweep(Path(xml_path), base, list(batches or []), list(nstreams or []), list(nireqs or []),
                       latency_limit_ms, progress=progress, on_point=record, samples=Path(samples) if samples else None)
    result["device_capabilities"] = capabilities
    if on_point is None:
        result["point_runs"] = runs
    return result


def replay_points(metrics: dict[str, Any], on_point: Callable[[BenchmarkSettings, dict[str, Any]], int]) -> None:
    """Store the points a remote sweep measured (see `sweep`), in order, as a local sweep would have."""
    runs = metrics.pop("point_runs", None) or []
    for point, run in zip(metrics.get("points", []), runs):
        point_metrics = dict(run["metrics"])
        if "target" in metrics:
            point_metrics["target"] = metrics["target"]
        point["result_id"] = on_point(BenchmarkSettings.from_params(run["settings"]), point_metrics)


def measured_notes(weights: str | None, metrics: dict[str, Any], device: str) -> list[str]:
    """core.benchmark.devices.precision_notes, with the device facts of the host that measured.

    A remote target's CPU may differ from this one (or have a GPU this host lacks): its own
    capabilities travel in `metrics["device_capabilities"]`; without them, this host's are read.
    """
    measured = metrics.get("device_capabilities")
    capabilities = None if measured is None else [cap for caps in measured.values() for cap in caps]
    return precision_notes(weights, metrics.get("compute_precision"), device, metrics.get("runtime_precisions"),
                           capabilities)
