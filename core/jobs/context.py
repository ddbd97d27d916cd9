"""What a job function sees while it runs in its child process."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import update

from core.store import Job, JobState, db_now, session_scope
from core.locks import file_lock

log = logging.getLogger("ovwb.job")

PROGRESS_WRITE_INTERVAL_S = 0.2  # the UI polls at 0.5 s; more writes would only load the DB


class JobCancelled(Exception):
    """Raised inside a job when the user pressed cancel."""


class JobContext:
    """Progress, log, cancel and exclusive resources for one running job."""

    def __init__(self, job_id: int, params: dict[str, Any]) -> None:
        self.job_id = job_id
        self.params = params
        self._last_write = 0.0
        self._last_cancel_check = 0.0
        self._last_step_shape: str | None = None

    def log(self, message: str, *args: object) -> None:
        """A line in the job's log (the child's stdout goes to the log file)."""
        log.info(message, *args)

    def progress(self, fraction: float | None, message: str | None = None, force: bool = False) -> None:
        """Report progress (0..1, None = unknown) and a step message; raises JobCancelled.

        Every message goes to the log. The database is written at most 5 times a second for
        repeats of one step ("sample 7/300", "sample 8/300"), but at once when the step
        changes, so a long step that follows never shows a stale message.
        """
        now = time.monotonic()
        step_shape = re.sub(r"\d+", "#", message) if message is not None else self._last_step_shape
        new_step = step_shape != self._last_step_shape
        if message:
            log.info("[%s] %s", f"{fraction:.0%}" if fraction is not None else "…", message)
        if force or new_step or fraction == 1.0 or now - self._last_write >= PROGRESS_WRITE_INTERVAL_S:
            values: dict[str, Any] = {}
            if fraction is not None:
                values["progress"] = min(1.0, max(0.0, float(fraction)))
            if message is not None:
                values["message"] = message
            if values:
                with session_scope() as s:
                    s.execute(update(Job).where(Job.id == self.job_id).values(**values))
            self._last_write = now
            self._last_step_shape = step_shape
        self.check_cancelled()

    def check_cancelled(self) -> None:
        """Raise JobCancelled if the user asked to cancel (checked at most 4 times a second)."""
        now = time.monotonic()
        if now - self._last_cancel_check < 0.25:
            return
        self._last_cancel_check = now
        with session_scope() as s:
            requested = s.get(Job, self.job_id).cancel_requested  # type: ignore[union-attr]
        if requested:
            raise JobCancelled()

    def _set_state(self, state: JobState, message: str) -> None:
        with session_scope() as s:
            s.execute(update(Job).where(Job.id == self.job_id).values(state=state.value, message=message))

    @contextmanager
    def exclusive(self, resource: str, waiting_message: str | None = None) -> Iterator[None]:
        """Hold a host-wide lock (e.g. "device-CPU") while measuring; wait queued until free."""
        waited = False

        def on_wait(_resource: str) -> None:
            nonlocal waited
            if not waited:
                waited = True
                self._set_state(JobState.QUEUED, waiting_message or f"Waiting for {resource}: another job is using it")
                log.info("waiting for lock %s", resource)
            self.check_cancelled()

        with file_lock(resource, on_wait=on_wait):
            if waited:
                self._set_state(JobState.RUNNING, f"{resource} is free, starting")
                with session_scope() as s:
                    s.execute(update(Job).where(Job.id == self.job_id).values(heartbeat_at=db_now(s)))
            yield
