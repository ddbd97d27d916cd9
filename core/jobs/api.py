"""Submit, watch, cancel and list jobs — the same calls from pages, CLI and tests.

Every read of job state (`get_job`, `list_jobs`, `wait_for_job`, `cancel_job`) first checks
that the queued/running jobs it returns still have a live process behind them
(core/jobs/liveness.py) and writes a verdict for those that do not. So a killed worker or a
restarted app shows within seconds on every page and in the CLI, not only on the Jobs page.
"""

from __future__ import annotations

import os
import socket
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update

from core.config import DatabaseUrl, get_settings
from core.errors import UserError
from core.jobs import liveness
from core.store import Job, JobState, db_now, session_scope
from core.workspace import resolve

STALE_HEARTBEAT_S = liveness.STALE_HEARTBEAT_S
ACTIVE_STATES = (JobState.QUEUED.value, JobState.RUNNING.value)
# Futures of the jobs this process submitted: holding them keeps the task alive (like
# fire_and_forget) and tells us when Dask gave up on one (its workers kept dying).
_futures: dict[int, Any] = {}


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
    host: str = "",
) -> int:
    """Record a job as queued (without starting it). `host`: the target that measures ("" = this machine)."""
    host = "" if host in ("", "local", None) else host  # "local" is this machine, as list_targets names it
    with session_scope() as s:
        job = Job(
            host=host or None,
            kind=kind,
            entrypoint=entrypoint,
            params=params or {},
            target=target,
            variant_id=variant_id,
            session_id=session_id,
            timeout_s=timeout_s,
            owner=_owner(),
            process={"owner": liveness.identity()},
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
    host: str = "",
) -> int:
    """Queue a job on the Dask cluster; returns its id at once.

    `host` names the target (core/targets) its measurement runs on; "" = this machine. The job
    itself (supervisor, child, database writes) always runs here; only `ctx.measure` travels.
    """
    from dask.distributed import fire_and_forget

    from core.jobs.cluster import get_client, supervisor_restrictions
    from core.jobs.supervisor import supervise

    job_id = create_job(kind, entrypoint, params, target, variant_id, session_id, timeout_s, host)
    settings = get_settings()
    client = get_client()
    future = client.submit(
        supervise,
        job_id,
        str(settings.workspace),
        DatabaseUrl(settings.database_url),  # masked in Dask's logs of a failed task
        key=f"ovwb-job-{job_id}-{uuid.uuid4().hex[:8]}", pure=False, **supervisor_restrictions())
    fire_and_forget(future)  # the job must run even if nobody holds the future
    _futures[job_id] = future
    return job_id


def run_job_inline(
    kind: str,
    entrypoint: str,
    params: dict[str, Any] | None = None,
    target: str = "",
    variant_id: int | None = None,
    on_poll: Callable[[Job], None] | None = None,
    timeout_s: float | None = None,
    host: str = "",
) -> Job:
    """Run a job in this process's own supervisor (the CLI): same row, same child, same log."""
    from core.jobs.supervisor import supervise

    job_id = create_job(kind, entrypoint, params, target, variant_id, None, timeout_s, host)
    supervise(job_id, on_poll=on_poll)
    job = get_job(job_id)
    assert job is not None
    return job


def run_request_inline(request: Any, verbose: bool = False, timeout_s: float = 3600.0) -> dict[str, Any]:
    """The CLI's way to run a feature request (core/requests.py): check it once, then its job
    (`run_spec_inline`)."""
    request.check()
    return run_spec_inline(request.job(), verbose, timeout_s)


def run_spec_inline(spec: Any, verbose: bool = False, timeout_s: float = 3600.0) -> dict[str, Any]:
    """Run a checked request's job (a `JobSpec`) in this process's supervisor — same row, child,
    log and stored result as from a page; progress to stderr when `verbose`; the job's own error
    raised if it did not finish. Returns its result with its job id."""
    last = [""]

    def on_poll(job: Job) -> None:
        if verbose and job.message and job.message != last[0]:
            last[0] = job.message
            print(f"[{(job.progress or 0):.0%}] {job.message}", file=sys.stderr, flush=True)

    job = run_job_inline(spec.kind, spec.entrypoint, spec.params, target=spec.target, variant_id=spec.variant_id,
                         on_poll=on_poll, timeout_s=timeout_s, host=spec.host)
    if job.state != JobState.DONE.value:
        raise UserError(job.error or f"The {spec.kind} job ended as {job.state}.",
                        job.error_hint or f"See `python -m core job {job.id}` for its log.")
    return {**(job.result or {}), "job_id": job.id}


def get_job(job_id: int) -> Job | None:
    """The job as it is now; a queued/running one whose process is gone gets its verdict first."""
    with session_scope() as s:
        job = s.get(Job, job_id)
        if job is None or job.state not in ACTIVE_STATES:
            return job
    reconcile_interrupted_jobs(job_ids=[job_id])
    with session_scope() as s:
        return s.get(Job, job_id)


def list_jobs(limit: int = 50, states: list[JobState] | None = None) -> list[Job]:
    """The newest jobs, after checking the queued/running ones are still alive."""
    reconcile_interrupted_jobs()
    with session_scope() as s:
        query = select(Job).order_by(Job.id.desc()).limit(limit)
        if states:
            query = query.where(Job.state.in_([st.value for st in states]))
        return list(s.scalars(query))


def cancel_job(job_id: int) -> Job | None:
    """Stop a job. A queued one, or one whose process is already gone, ends at once; a
    running one within seconds (its supervisor stops the child, SIGKILL after a grace)."""
    with session_scope() as s:
        job = s.get(Job, job_id)
        if job is None or JobState(job.state).finished:
            return job
        job.cancel_requested = True
        if job.state == JobState.QUEUED.value and job.started_at is None:
            job.state, job.finished_at, job.message = JobState.CANCELLED.value, db_now(s), "Cancelled"
            return job
    reconcile_interrupted_jobs(job_ids=[job_id])  # nobody left to act on the request: end it here
    with session_scope() as s:
        return s.get(Job, job_id)


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


def _future_failure(job_id: int) -> str | None:
    """Why Dask gave up on a job this process submitted, or None."""
    future = _futures.get(job_id)
    if future is None:
        return None
    status = getattr(future, "status", "pending")
    if status == "finished":
        _futures.pop(job_id, None)
        return None
    if status in ("error", "cancelled", "lost"):
        _futures.pop(job_id, None)
        try:
            exc = future.exception(timeout=0) if status == "error" else None
        except Exception:  # noqa: BLE001 - the reason is only decoration
            exc = None
        detail = f": {type(exc).__name__}: {str(exc)[:300]}" if exc is not None else ""
        return f"Dask gave up running this job ({status}{detail})."
    return None


def reconcile_interrupted_jobs(job_ids: list[int] | None = None) -> int:
    """Give every queued/running job that can no longer finish its verdict; returns how many.

    Cheap enough for every read (a query over the few active jobs and a `kill(pid, 0)` per
    process). The verdict names the cause (liveness.lost_verdict) and is written only if the
    row is still active, so the job's own verdict, written a moment earlier, always wins.
    """
    for done_id in [i for i, f in _futures.items() if getattr(f, "status", "") == "finished"]:
        _futures.pop(done_id, None)  # its supervisor returned: the job's row tells the rest
    changed = 0
    with session_scope() as s:
        query = select(Job).where(Job.state.in_(ACTIVE_STATES))
        if job_ids is not None:
            query = query.where(Job.id.in_(job_ids))
        candidates = list(s.scalars(query))
        if not candidates:
            return 0
        now = db_now(s)
    for job in candidates:
        verdict = liveness.lost_verdict(job, now)
        if verdict is None:
            dask_failure = _future_failure(job.id)
            if dask_failure is not None:
                verdict = ("Worker lost", dask_failure, liveness.HINT)
        if verdict is None:
            continue
        message, error, hint = verdict
        liveness.kill_if_ours((job.process or {}).get("child"))  # an orphan nobody can cancel
        values: dict[str, Any] = {}
        if job.cancel_requested:
            values.update(state=JobState.CANCELLED.value, message="Cancelled", error=None, error_hint=None)
        else:
            values.update(state=JobState.INTERRUPTED.value, message=message, error=error, error_hint=hint)
        with session_scope() as s:
            values["finished_at"] = db_now(s)  # the clock started_at and heartbeats are on
            result = s.execute(
                update(Job).where(Job.id == job.id, Job.state.in_(ACTIVE_STATES)).values(**values)
            )
            changed += result.rowcount or 0
    return changed
