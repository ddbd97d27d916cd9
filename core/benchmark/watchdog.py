"""A side thread that reports progress and stops a stalled measurement.

The measurement loop must stay as lean as benchmark_app's, so it only bumps a counter and
reads a stop flag; everything else (database progress writes, cancel checks, stall
detection) happens here, twice a second, off the hot path. AsyncInferQueue's blocking calls
have no timeout and one hung here once: if no request completes for `stall_s`, the requests
are cancelled; if even that does not free the loop, the process exits with a message rather
than hang forever (in a job, the supervisor then records the failure).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable

log = logging.getLogger("ovwb.benchmark")

STALL_EXIT_CODE = 70
TICK_S = 2.0  # progress every 2 s (each DB write disturbs a latency run); stalls take tens of seconds
CANCEL_GRACE_S = 10.0


class LoopWatch(threading.Thread):
    """Shared state between the measurement loop (writer of `iterations`) and this thread."""

    def __init__(self, stall_s: float, report: Callable[[int], None] | None, requests: list) -> None:  # type: ignore[type-arg]
        super().__init__(name="benchmark-watchdog", daemon=True)
        self.iterations = 0
        self.stop = False  # read by the loop: leave as soon as possible
        self.stalled = False
        self.error: BaseException | None = None  # e.g. JobCancelled raised by `report`
        self._stall_s = stall_s
        self._report = report
        self._requests = requests
        self._finished = threading.Event()

    def run(self) -> None:
        last_count, last_change = -1, time.monotonic()
        while not self._finished.wait(TICK_S):
            now = time.monotonic()
            if self.iterations != last_count:
                last_count, last_change = self.iterations, now
            elif now - last_change > self._stall_s and not self.stalled:
                self._on_stall()
                last_change = now
            elif self.stalled and now - last_change > CANCEL_GRACE_S:
                message = (
                    f"benchmark stalled: no inference request completed for {self._stall_s + CANCEL_GRACE_S:.0f} s "
                    "and cancelling did not free them; stopping the process."
                )
                log.error(message)
                print(message, file=sys.stderr, flush=True)
                os._exit(STALL_EXIT_CODE)
            if self._report is not None and self.error is None:
                try:
                    self._report(self.iterations)
                except BaseException as exc:  # noqa: BLE001 - handed to the loop's thread
                    self.error = exc
                    self.stop = True

    def _on_stall(self) -> None:
        log.error("no inference request completed for %.0f s: cancelling the requests", self._stall_s)
        self.stalled = True
        self.stop = True
        for request in self._requests:
            try:
                request.cancel()
            except Exception:  # noqa: BLE001 - best effort; the exit above is the backstop
                pass

    def finish(self) -> None:
        self._finished.set()
        if self.is_alive():
            self.join(timeout=2 * TICK_S)
