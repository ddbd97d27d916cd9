"""The host-wide device lock, usable with or without a job around it.

Two measurements on one device corrupt each other's numbers, and so does any heavy work of
ours beside a measurement: quantization, compression, accuracy and conversion jobs hold the
lock of the device they compute on (`compute_lock`) for as long as they compute, so a
benchmark waits for them (saying whom it waits for) instead of measuring beside them. Jobs take the lock with
`ctx.exclusive("device-CPU")`; code that measures outside a job (the fidelity script, a
library caller) takes the very same file lock (core.locks) here, so both kinds queue behind
each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from core.devices import physical_devices_of
from core.locks import file_lock


def lock_names(device: str) -> list[str]:
    """The physical devices a (possibly virtual) device name occupies, as lock names.

    "AUTO:GPU,CPU" and "HETERO:GPU,CPU" hold both devices; a bare "AUTO"/"MULTI" may pick
    any present device, so it holds all of them. Sorted, so two runs never deadlock.
    """
    return sorted({f"device-{name}" for name in physical_devices_of(device)})


@contextmanager
def device_lock(device: str, ctx: Any = None, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold every physical device `device` runs on: via the job's context inside a job,
    via the same file locks outside one (CLI library calls, scripts)."""
    with ExitStack() as stack:
        for name in lock_names(device):
            if ctx is not None:
                stack.enter_context(ctx.exclusive(name))
            else:
                stack.enter_context(file_lock(name, on_wait=on_wait))
        yield


# Heavy jobs of ours (NNCF, accuracy loops, conversion checks) compute on the CPU: OpenVINO
# runs their statistics/inference there whatever device the user measures later.
HEAVY_WORK_DEVICE = "CPU"


@contextmanager
def compute_lock(ctx: Any, device: str = HEAVY_WORK_DEVICE) -> Iterator[None]:
    """Hold `device` for a job's heavy computation (not a measurement, but it would disturb one)."""
    with device_lock(device, ctx):
        yield
