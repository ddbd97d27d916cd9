"""Benchmark and per-layer profiling of model variants, measured the way benchmark_app measures.

- settings.py / devices.py: the measured settings (declared once, checked before a job exists) and
  what can be asked of which device (the devices themselves: core/devices.py)
- requests.py: BenchmarkRequest, ProfileRequest, SweepRequest — the settings plus the model, as jobs
- inputs.py: read the IR, set the batch, input data (random or a dataset)
- engine.py: the measurement loop (benchmark_app's), repeats, figures; watchdog.py guards it
- profile.py / profile_summary.py: per-layer runs with counters (repeated: median and spread per
  layer, unstable layers), summaries and hints that fire on the numbers
- hygiene.py: machine load before/after, other processes' CPU time, the "noisy" verdict
- sweep.py: batch x streams matrix and the sweet spot under a latency limit
- results.py: stored rows; jobs.py: job functions (both precision axes on every result),
  holding the host-wide device lock (core/device_lock.py) that our heavy jobs hold too
- cli.py: `python -m core benchmark | profile | sweep | results`
"""

from core.benchmark.engine import run_benchmark
from core.benchmark.profile import profile_model
from core.benchmark.results import get_result, list_results, result_to_dict, save_result
from core.benchmark.settings import BenchmarkSettings
from core.benchmark.sweep import run_sweep, sweet_spot

__all__ = [
    "BenchmarkSettings",
    "get_result",
    "list_results",
    "profile_model",
    "result_to_dict",
    "run_benchmark",
    "run_sweep",
    "save_result",
    "sweet_spot",
]
