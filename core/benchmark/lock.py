"""The host-wide device lock, usable with or without a job around it.

Two measurements on one device corrupt each other's numbers. Jobs take the lock with
`ctx.exclusive("device-CPU")`; code that measures outside a job (the fidelity script, a
library caller) takes the very same file lock here, so both kinds queue behind each other.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from core.workspace import locks_dir

POLL_S = 0.5


def lock_names(device: str) -> list[str]:
    """The physical devices a (possibly virtual) device name occupies, as lock names.

    "AUTO:GPU,CPU" and "HETERO:GPU,CPU" hold both devices; a bare "AUTO"/"MULTI" may pick
    any present device, so it holds all of them. Sorted, so two runs never deadlock.
    """
    from core.benchmark.devices import physical_devices_of

    return sorted({f"device-{name}" for name in physical_devices_of(device)})


def _lock_path(resource: str):  # type: ignore[no-untyped-def]
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in resource)
    return locks_dir() / f"{safe}.lock"  # the same file JobContext.exclusive uses


@contextmanager
def file_lock(
    resource: str,
    on_wait: Callable[[str], None] | None = None,
    timeout_s: float | None = None,
) -> Iterator[None]:
    """Hold `resource` exclusively; `on_wait` is called while another holder has it."""
    with open(_lock_path(resource), "w") as handle:
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if on_wait is not None:
                    on_wait(resource)
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError(f"{resource} stayed busy for {timeout_s:.0f} s") from None
                time.sleep(POLL_S)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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
