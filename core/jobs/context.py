"""What a job function sees while it runs in its child process."""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import update

from core.jobs.liveness import pid_exists
from core.locks import file_lock, lock_path
from core.store import Job, JobState, db_now, session_scope
from core.store.models import Result

log = logging.getLogger("ovwb.job")

PROGRESS_WRITE_INTERVAL_S = 0.2  # the UI polls at 0.5 s; more writes would only load the DB
# What a job of each kind is called when it holds a resource others wait for.
KIND_NOUNS = {"quantize": "quantization", "compress": "compression", "convert": "conversion",
              "accuracy": "accuracy", "benchmark": "benchmark", "profile": "profile", "sweep": "group run",
              "sample": "sample preparation"}


def holder_path(resource: str) -> Path:
    """Beside the lock file: who holds it (a job id and kind), so waiters can say whom they wait for."""
    path = lock_path(resource)
    return path.with_name(path.name + ".holder.json")


def lock_holder(resource: str) -> dict[str, Any] | None:
    """The live holder of `resource` as written by `exclusive`, or None (free, a script, or stale)."""
    try:
        holder = json.loads(holder_path(resource).read_text())
        # A cancelled job is killed without cleanup: check it lives (and is no unreaped zombie).
        alive = pid_exists(int(holder["pid"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return holder if alive else None


def resource_device(resource: str) -> str:
    return resource.removeprefix("device-")


class JobCancelled(Exception):
    """Raised inside a job when the user pressed cancel."""


class JobContext:
    """Progress, log, cancel and exclusive resources for one running job."""

    def __init__(self, job_id: int, params: dict[str, Any], host: str = "") -> None:
        self.job_id = job_id
        self.params = params
        self.host = host or ""  # the target measurements run on ("" = this machine)
        self.measured_on: dict[str, Any] | None = None  # a remote target's machine summary, once it measured
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

    def wait_queued(self, message: str) -> None:
        """Back to queued with a visible reason (waiting for a device), as `exclusive` does."""
        self._set_state(JobState.QUEUED, message)
        log.info("%s", message)
        self.check_cancelled()

    def resume_running(self, message: str) -> None:
        self._set_state(JobState.RUNNING, message)
        with session_scope() as s:
            s.execute(update(Job).where(Job.id == self.job_id).values(heartbeat_at=db_now(s)))

    def record_machine(self) -> None:
        """Results this job stored name the machine that measured them (save_result writes this host's)."""
        if not self.measured_on:
            return
        with session_scope() as s:
            s.execute(update(Result).where(Result.job_id == self.job_id).values(machine=self.measured_on))

    def _set_state(self, state: JobState, message: str) -> None:
        with session_scope() as s:
            s.execute(update(Job).where(Job.id == self.job_id).values(state=state.value, message=message))

    @contextmanager
    def exclusive(self, resource: str, waiting_message: str | None = None) -> Iterator[None]:
        """Hold a host-wide lock (e.g. "device-CPU") while measuring or computing; wait queued until free.

        While waiting, the job's message names the holder when it is one of our jobs
        ("Waiting for device-CPU: quantization job 7 is using CPU"); while holding, this job
        writes itself as the holder for the others.
        """
        waited = False
        said = [""]

        def on_wait(_resource: str) -> None:
            nonlocal waited
            holder = lock_holder(resource)
            if holder is not None and holder.get("pid") != os.getpid():
                message = f"Waiting for {resource}: {holder['what']} is using {resource_device(resource)}"
            else:
                message = waiting_message or f"Waiting for {resource}: another job is using it"
            if not waited or message != said[0]:
                waited = True
                said[0] = message
                self._set_state(JobState.QUEUED, message)
                log.info("%s", message)
            self.check_cancelled()

        with file_lock(resource, on_wait=on_wait):
            if waited:
                self._set_state(JobState.RUNNING, f"{resource} is free, starting")
                with session_scope() as s:
                    s.execute(update(Job).where(Job.id == self.job_id).values(heartbeat_at=db_now(s)))
            self._write_holder(resource)
            try:
                yield
            finally:
                try:
                    holder_path(resource).unlink()
                except OSError:
                    pass

    def _write_holder(self, resource: str) -> None:
        with session_scope() as s:
            job = s.get(Job, self.job_id)
            kind = job.kind if job is not None else "job"
        what = f"{KIND_NOUNS.get(kind, kind)} job {self.job_id}"
        data = json.dumps({"job_id": self.job_id, "kind": kind, "pid": os.getpid(), "what": what}).encode()
        try:
            # The lock folder is shared by every user (core/locks.py): never follow a link
            # planted at this name, and leave the file readable for other users' waiters.
            fd = os.open(holder_path(resource), os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
                         | getattr(os, "O_NOFOLLOW", 0), 0o644)
            try:
                os.fchmod(fd, 0o644)
                os.write(fd, data)
            finally:
                os.close(fd)
        except OSError:  # the lock still holds; only the waiters' message is less precise
            log.warning("could not record the holder of %s", resource)
