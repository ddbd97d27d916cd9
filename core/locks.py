"""Host-wide exclusive resources (a device being measured), as file locks in the workspace.

Two measurements on one device corrupt each other's numbers. A file lock (not a Dask
lock) also serialises CLI runs, scripts and a second app on the same host.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from core.workspace import locks_dir

POLL_S = 0.5


def lock_path(resource: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in resource)
    return locks_dir() / f"{safe}.lock"


@contextmanager
def file_lock(
    resource: str,
    on_wait: Callable[[str], None] | None = None,
    timeout_s: float | None = None,
) -> Iterator[None]:
    """Hold `resource` exclusively; `on_wait(resource)` is called while another holder has it
    (it may raise, e.g. JobCancelled, to give up waiting)."""
    with open(lock_path(resource), "w") as handle:
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
