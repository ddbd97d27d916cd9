"""Where a job's measurement runs: on this machine, or on the target the job names.

Why here and not in the job context: running on a target needs the cluster, the model
transfer and the target registry (this package), while the job machinery below must not know
about any of them. A measuring job calls `measure(ctx, adapter, xml_path, device=..., **kwargs)`;
the adapter (core/benchmark/measure.py, core/accuracy/measure.py) takes JSON-able arguments and
returns JSON-able metrics, so the same call runs in-process here or in a child process on the
target. A file the adapter needs besides the measured IR (a reference IR, a sample pack) is
passed as `Travels(path)`: here the adapter gets the path, on a target the file is sent first
(content-addressed, like the IR) and the adapter gets the path of the target's copy.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.device_lock import device_lock
from core.targets.remote import measure_remote
from core.targets.travels import Travels, local_arguments

__all__ = ["Travels", "measure"]


def measure(ctx: Any, function: Callable[..., dict[str, Any]], xml_path: str | Path, device: str,
            on_point: Callable[..., Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    """Run `function(xml_path, progress, **kwargs)` where job `ctx` measures.

    This machine (`ctx.host` ""): hold `device`'s lock and call it here (`on_point`, for group
    runs, is passed through so each point is stored as it is measured). A target: send the IR
    once, run it there with `device` reserved through Dask resources, relay progress, stop it on
    cancel (core/targets/remote.py). A remote group run returns its points for the caller to
    store in order (`core.benchmark.measure.replay_points`).
    """
    if not ctx.host:
        extra = {"on_point": on_point} if on_point is not None else {}
        with device_lock(device, ctx):
            return function(Path(xml_path), ctx.progress, **local_arguments(kwargs), **extra)
    return measure_remote(ctx, function, Path(xml_path), device, kwargs)
