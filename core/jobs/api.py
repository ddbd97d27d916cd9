"""Submit, watch, cancel and list jobs — the same calls from pages, CLI and tests."""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from core.config import get_settings
from core.store import Job, JobState, session_scope
from core.store.models import utcnow
from core.workspace import resolve

STALE_HEARTBEAT_S = 60.0


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def create_job(
    kind: str,
    entrypoint: str,
    params: dict[str, Any] | None = None,
    target: str = "",
    variant_id: int | None = None,
    session_id: str | None = None,
    timeout_s: float | None = None,
) -> int:
    """Record a job as queued (without starting it)."""
    with session_scope() as s:
        job = Job(
            kind=kind,
            entrypoint=entrypoint,
            params=params or {},
            target=target,
            variant_id=variant_id,
            session_id=session_id,
            timeout_s=timeout_s,
            owner=_owner(),
            state=JobState.QUEUED.value,
            message="Queued",
        )
        s.add(job)
        s.flush()
        return job.id


def submit_job(
    kind: str,
    entrypoint: str,
    params: dict[str, Any] | None = None,
    target: str = "",
    variant_id: int | None = None,
    session_id: str | None = None,
    timeout_s: float | None = None,
) -> int:
    """Queue a job on the Dask cluster; returns its id at once."""
    from dask.distributed import fire_and_forget

    from core.jobs.cluster import get_client
    from core.jobs.supervisor import supervise

    job_id = create_job(kind, entrypoint, params, target, variant_id, session_id, timeout_s)
    settings = get_settings()
    client = get_client()
    future = client.submit(
        supervise,
        job_id,
        str(settings.workspace),
        settings.database_url,
        key=f"ovwb-job-{job_id}-{uuid.uuid4().hex[:8]}", pure=False)
    fire_and_forget(future)  # the job must run even if nobody holds the future
    return job_id


def run_job_inline(
    kind: str,
    entrypoint: str,
    params: dict[str, Any] | None = None,
    target: str = "",
    variant_id: int | None = None,
    on_poll: Callable[[Job], None] | None = None,
    timeout_s: float | None = None,
) -> Job:
    """Run a job in this process's own supervisor (the CLI): same row, same child, same log."""
    from core.jobs.supervisor import supervise

    job_id = create_job(kind, entrypoint, params, target, variant_id, None, timeout_s)
    supervise(job_id, on_poll=on_poll)
    job = get_job(job_id)
    assert job is not None
    return job


def get_job(job_id: int) -> Job | None:
    with session_scope() as s:
        return s.get(Job, job_id)


def list_jobs(limit: int = 50, states: list[JobState] | None = None) -> list[Job]:
    with session_scope() as s:
        query = select(Job).order_by(Job.id.desc()).limit(limit)
        if states:
            query = query.where(Job.state.in_([st.value for st in states]))
        return list(s.scalars(query))


def cancel_job(job_id: int) -> Job | None:
    """Ask a job to stop. A queued job is cancelled at once; a running one within seconds."""
    with session_scope() as s:
        job = s.get(Job, job_id)
        if job is None or JobState(job.state).finished:
            return job
        job.cancel_requested = True
        if job.state == JobState.QUEUED.value and job.started_at is None:
            job.state, job.finished_at, job.message = JobState.CANCELLED.value, utcnow(), "Cancelled"
        return job


def wait_for_job(job_id: int, timeout_s: float = 600.0, poll_s: float = 0.2) -> Job:
    """Block until the job finishes; raise TimeoutError rather than wait forever."""
    deadline = time.monotonic() + timeout_s
    while True:
        job = get_job(job_id)
        if job is None:
            raise KeyError(job_id)
        if JobState(job.state).finished:
            return job
        if time.monotonic() > deadline:
            raise TimeoutError(f"job {job_id} still {job.state} after {timeout_s:.0f} s")
        time.sleep(poll_s)


def read_job_log(job: Job, tail_bytes: int | None = None) -> str:
    if not job.log_path:
        return ""
    path = resolve(job.log_path)
    if not path.exists():
        return ""
    with open(path, "rb") as handle:
        if tail_bytes is not None:
            handle.seek(max(0, path.stat().st_size - tail_bytes))
        return handle.read().decode("utf-8", errors="replace")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reconcile_interrupted_jobs() -> int:
    """Mark jobs that can no longer finish as interrupted; returns how many.

    A job is orphaned when its heartbeat stopped (the app, a worker or the machine went
    down while it ran), or when it never started and the process that queued it on our own
    LocalCluster is gone. It must show as interrupted, never stay "running" forever.
    """
    host = socket.gethostname()
    stale_before = utcnow() - timedelta(seconds=STALE_HEARTBEAT_S)
    changed = 0
    with session_scope() as s:
        candidates = s.scalars(
            select(Job).where(Job.state.in_([JobState.QUEUED.value, JobState.RUNNING.value]))
        ).all()
        for job in candidates:
            owner_host, _, owner_pid = job.owner.rpartition(":")
            owner_gone = owner_host == host and owner_pid.isdigit() and not _pid_alive(int(owner_pid))
            heartbeat_stale = job.heartbeat_at is None or job.heartbeat_at < stale_before
            recently_beat = job.heartbeat_at is not None and not heartbeat_stale
            if (job.state == JobState.RUNNING.value and heartbeat_stale) or (owner_gone and not recently_beat):
                job.state = JobState.INTERRUPTED.value
                job.finished_at = utcnow()
                job.message = "Interrupted"
                job.error = "The app or its worker stopped while this job was queued or running."
                job.error_hint = "Start it again; results it had already stored are kept."
                changed += 1
    return changed

