"""Runs on a Dask worker (or inline for the CLI): starts the job's child process and
watches it — heartbeat, cancel, watchdog timeout, and a verdict when it dies."""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from core.config import DatabaseUrl, get_settings
from core.jobs import liveness
from core.store import Job, JobState, db_now, session_scope
from core.workspace import make_private_dir, private_files

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Every 2 s: in latency mode on a small CPU each wake-up of this process steals a core from
# the measured inference. Polling 5x a second cost ~15 % FPS against benchmark_app on 2 cores
# (ResNet-50, latency hint: ratio 0.83); at 1 s ResNet-50 was at 0.99-1.03 but a 3 ms model
# still lost ~3 %; at 2 s (with the benchmark's progress tick also at 2 s) it is 0.99-1.03.
POLL_S = 2.0
HEARTBEAT_S = 2.0
CANCEL_GRACE_S = 3.0
STOPPED_BY_SIGTERM = 143  # core.jobs.child's exit code when SIGTERM stopped it


def _die_with_parent() -> None:
    """Linux: the child gets SIGKILL if its supervisor dies, so no orphan keeps a device."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def crash_reason(returncode: int) -> tuple[str, str]:
    """A returncode the child did not explain, in a user's words."""
    if returncode < 0:
        sig = -returncode
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        if sig == signal.SIGKILL:
            return (
                "The job's process was killed (SIGKILL) — most often the system ran out of memory.",
                "Try a smaller model, batch or calibration subset; the app itself is unaffected.",
            )
        if sig == signal.SIGSEGV:
            return (
                "The job crashed inside native code (segmentation fault).",
                "This is a bug in a library (often a plugin); the log shows the last step reached.",
            )
        return (f"The job's process ended on signal {name}.", "See the full log.")
    return (f"The job's process exited with code {returncode} without a result.", "See the full log.")


def supervise(
    job_id: int,
    workspace: str | None = None,
    database_url: str | DatabaseUrl | None = None,
    on_poll: Callable[[Job], None] | None = None,
) -> str:
    """Run job `job_id` to its end; returns the final state. Safe to call again (retries).

    `workspace` and `database_url` come from the submitter: a Dask worker's own environment
    was fixed when the cluster started (or belongs to another machine). The URL comes wrapped
    (DatabaseUrl) so that Dask never logs its password.
    """
    settings = get_settings()
    workspace_dir = Path(workspace) if workspace else settings.workspace
    if isinstance(database_url, DatabaseUrl):
        database_url = database_url.reveal()
    database_url = database_url or settings.database_url
    private_files()
    with session_scope(database_url) as s:
        job = s.get(Job, job_id)
        if job is None:
            return "missing"
        process = dict(job.process or {})
        if job.started_at is not None or process.get("supervisor"):
            # Started by an earlier attempt: Dask re-runs a task whose worker died, and that
            # worker's child died with it (PR_SET_PDEATHSIG). Never adopt or wait for it: if
            # that attempt is verifiably alive (another worker that only lost touch) leave it,
            # else the job was lost — say so now.
            if job.state in (JobState.QUEUED.value, JobState.RUNNING.value):
                previous = liveness.look(process.get("supervisor"))
                if not (previous.local and previous.alive):
                    liveness.kill_if_ours(process.get("child"))
                    if job.cancel_requested:
                        job.state, job.message = JobState.CANCELLED.value, "Cancelled"
                    else:
                        job.state, job.message = JobState.INTERRUPTED.value, "Worker lost"
                        job.error = "The worker process running this job stopped (it was killed or crashed), so the job stopped too."
                        job.error_hint = liveness.HINT
                    job.finished_at = db_now(s)
            return job.state
        if job.state != JobState.QUEUED.value:
            return job.state  # cancelled or interrupted while it waited
        if job.cancel_requested:
            job.state, job.finished_at, job.message = JobState.CANCELLED.value, db_now(s), "Cancelled"
            return job.state
        log_dir = make_private_dir(workspace_dir / "logs" / "jobs")
        log_file = log_dir / f"job-{job_id}.log"
        now = db_now(s)  # the database's clock: heartbeats are compared on it (core/jobs/liveness.py)
        job.state, job.started_at, job.heartbeat_at = JobState.RUNNING.value, now, now
        job.log_path, job.message = log_file.relative_to(workspace_dir).as_posix(), "Starting"
        process["supervisor"] = liveness.identity()
        job.process = process
        timeout_s = job.timeout_s or get_settings().job_timeout_s

    # The child's temporary files (tempfile, libraries' scratch) stay in the private
    # workspace and go when the job ends, even if it was killed mid-write.
    scratch = make_private_dir(workspace_dir / "tmp" / f"job-{job_id}-{os.getpid()}")
    env = dict(os.environ)
    env.update(
        OVWB_WORKSPACE=str(workspace_dir),
        OVWB_DATABASE_URL=database_url,
        PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")])),
        PYTHONUNBUFFERED="1",
        TMPDIR=str(scratch),
    )
    with open(log_file, "ab") as log_handle:
        child = subprocess.Popen(
            [sys.executable, "-m", "core.jobs.child", str(job_id)],
            stdout=log_handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=str(PROJECT_ROOT),
            env=env,
            preexec_fn=_die_with_parent,
        )
        with session_scope(database_url) as s:
            job = s.get(Job, job_id)
            assert job is not None
            job.process = {**(job.process or {}), "child": liveness.identity(child.pid)}
        started = time.monotonic()
        last_beat = 0.0
        kill_reason: tuple[str, str, JobState] | None = None
        term_sent_at: float | None = None
        while child.poll() is None:
            time.sleep(POLL_S)
            now = time.monotonic()
            with session_scope(database_url) as s:
                job = s.get(Job, job_id)
                assert job is not None
                if now - last_beat >= HEARTBEAT_S:
                    job.heartbeat_at = db_now(s)
                    last_beat = now
                cancel = job.cancel_requested
                if on_poll is not None:
                    on_poll(job)
            if kill_reason is None and cancel:
                kill_reason = ("Cancelled", "", JobState.CANCELLED)
            if kill_reason is None and now - started > timeout_s:
                kill_reason = (
                    f"The job exceeded its watchdog limit of {timeout_s:.0f} s and was stopped.",
                    "A run this long usually means a hang; raise OVWB_JOB_TIMEOUT_S if it is genuine.",
                    JobState.FAILED,
                )
            if kill_reason is not None:
                if term_sent_at is None:
                    child.send_signal(signal.SIGTERM)
                    term_sent_at = now
                elif now - term_sent_at > CANCEL_GRACE_S:
                    child.kill()
        returncode = child.wait()
    shutil.rmtree(scratch, ignore_errors=True)

    with session_scope(database_url) as s:
        job = s.get(Job, job_id)
        assert job is not None
        if job.state in (JobState.RUNNING.value, JobState.QUEUED.value):  # child wrote no verdict
            if kill_reason is not None:
                message, hint, state = kill_reason
                job.state = state.value
                job.message = "Cancelled" if state is JobState.CANCELLED else "Stopped by watchdog"
                if state is JobState.FAILED:
                    job.error, job.error_hint = message, hint
            elif returncode in (STOPPED_BY_SIGTERM, -signal.SIGTERM):
                # SIGTERM we did not send: the app or the machine is shutting down (a server
                # stop signals the whole process group). Not the job's fault, not a crash.
                job.state, job.message = JobState.INTERRUPTED.value, "Stopped"
                job.error = "The job was stopped from outside (SIGTERM), usually because the app or the machine shut down."
                job.error_hint = liveness.HINT
            else:
                job.error, job.error_hint = crash_reason(returncode)
                job.state, job.message = JobState.FAILED.value, "Crashed"
            job.finished_at = db_now(s)
        if on_poll is not None:
            on_poll(job)
        return job.state
