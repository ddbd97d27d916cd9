"""Job functions used only by the tests of the job machinery (real processes, no mocks)."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

from core.errors import UserError
from core.jobs import JobContext


def count(ctx: JobContext, steps: int = 5, delay: float = 0.05) -> dict[str, Any]:
    for i in range(steps):
        ctx.progress(i / steps, f"step {i + 1}/{steps}")
        time.sleep(delay)
    ctx.log("counted to %s", steps)
    return {"counted": steps}


def fail_for_user(ctx: JobContext) -> dict[str, Any]:
    raise UserError("The input has 4 channels, the model wants 3.", "Convert the images to RGB.")


def crash(ctx: JobContext) -> dict[str, Any]:
    ctx.progress(0.5, "about to crash")
    os.kill(os.getpid(), signal.SIGSEGV)
    return {}


def sleep_forever(ctx: JobContext) -> dict[str, Any]:
    while True:
        ctx.progress(None, "sleeping")
        time.sleep(0.1)


def sleep_uninterruptibly(ctx: JobContext, seconds: float = 60) -> dict[str, Any]:
    ctx.progress(0.1, "in a native call that never checks for cancel")
    time.sleep(seconds)
    return {}


def hold_device(ctx: JobContext, seconds: float = 1.0, resource: str = "device-TEST") -> dict[str, Any]:
    with ctx.exclusive(resource):
        start = time.time()
        time.sleep(seconds)
        return {"start": start, "end": time.time()}


def write_then_hang(ctx: JobContext, marker: str) -> dict[str, Any]:
    """Writes a scratch file and removes it in `finally` — as quantize does with tmp/."""
    from pathlib import Path

    scratch = Path(marker)
    scratch.write_text("half-written")
    try:
        ctx.progress(0.1, "working")
        while True:
            time.sleep(0.1)
    finally:
        scratch.unlink()
