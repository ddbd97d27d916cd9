"""Start a job from a page and follow it: progress, state, cancel, error and log.

The page keeps only the job id (in session_state); the job itself lives in the database
and a Dask worker, so a page switch, a second browser tab or a server restart loses nothing.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from core.errors import UserError
from core.jobs import cancel_job, get_job, read_job_log, submit_job
from core.requests import Request
from core.store import Job, JobState
from core.store.models import utcnow
from pages.ui.text import error_text, md_text

# Words, not emoji: the labs we serve often have no emoji font (boxes instead of icons).
STATE_BADGES = {
    "queued": ":gray-badge[queued]",
    "running": ":blue-badge[running]",
    "done": ":green-badge[done]",
    "failed": ":red-badge[failed]",
    "cancelled": ":orange-badge[cancelled]",
    "interrupted": ":orange-badge[interrupted]",
}


def _session_id() -> str | None:
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        return ctx.session_id if ctx else None
    except Exception:
        return None


def start_job(
    kind: str,
    entrypoint: str,
    params: dict[str, Any],
    target: str,
    key: str,
    variant_id: int | None = None,
    host: str = "",
) -> int:
    """Submit a job and remember its id under `key` for `job_panel(key)`. `host`: the remote target
    that measures ("" = this machine)."""
    job_id = submit_job(kind, entrypoint, params, target=target, variant_id=variant_id, session_id=_session_id(),
                        host=host)
    st.session_state[key] = job_id
    return job_id


def show_error(exc: UserError) -> None:
    """A UserError as the page shows it: the message and its hint, as text (never markdown)."""
    st.error(error_text(exc.message, exc.hint))


def submit_request(request: Request, key: str) -> int | None:
    """Check a request once and start the job it becomes (its id remembered under `key` for
    `job_panel(key)`); a bad request is explained on the page and nothing starts."""
    try:
        request.check()
        spec = request.job()
    except UserError as exc:
        show_error(exc)
        return None
    return start_job(spec.kind, spec.entrypoint, spec.params, target=spec.target, key=key, variant_id=spec.variant_id,
                     host=spec.host)


def format_elapsed(job: Job) -> str:
    seconds = job.elapsed_s(utcnow())
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.1f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60)} s"


def jobs_table(jobs: list[Job], detailed: bool = False) -> None:
    """The jobs as a table with in-cell progress bars (home: recent; jobs page: detailed)."""
    rows = []
    for job in jobs:
        row: dict[str, Any] = {
            "Job": job.id,
            "Kind": job.kind,
            "Target": job.target,
            "State": job.state,
            "Progress": job.progress or 0.0,
            "Step": job.message,
            "Elapsed": format_elapsed(job),
        }
        if detailed:
            row.update(Started=job.started_at, Error=job.error or "")
        rows.append(row)
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        width="stretch",
        column_config={"Progress": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0)},
    )


def render_job(job: Job, key: str, show_log: bool = True) -> None:
    """One job's status block (no polling)."""
    state = JobState(job.state)
    st.markdown(f"**Job {job.id}** · {job.kind} · {md_text(job.target)} · {STATE_BADGES[job.state]} · {format_elapsed(job)}")
    if state in (JobState.QUEUED, JobState.RUNNING):
        st.progress(min(1.0, max(0.0, job.progress or 0.0)), text=md_text(job.message or job.state))
        if st.button("Cancel", key=f"{key}-cancel-{job.id}", help="Stops the job within seconds, even mid-calculation"):
            cancel_job(job.id)
            st.rerun()
    elif state is JobState.FAILED:
        st.error(error_text(job.error or "The job failed.", job.error_hint))
    elif state is JobState.INTERRUPTED:
        st.warning(error_text(job.error, job.error_hint))
    elif state is JobState.CANCELLED:
        st.info("Cancelled.")
    if show_log and job.log_path:
        with st.expander("Full log", expanded=False):
            st.code(read_job_log(job, tail_bytes=200_000) or "(empty)", language="log")


def job_panel(key: str, show_log: bool = True) -> Job | None:
    """Show the job remembered under `key`; polls twice a second while it runs.

    Returns the Job once it finished (so the page can show its result), else None.
    """
    job_id = st.session_state.get(key)
    if job_id is None:
        return None
    job = get_job(job_id)
    if job is None:
        return None
    running = not JobState(job.state).finished

    @st.fragment(run_every=0.5 if running else None)
    def _poll() -> None:
        current = get_job(job_id)
        if current is None:
            return
        render_job(current, key, show_log=show_log)
        if running and JobState(current.state).finished:
            st.rerun()  # whole page: the caller now shows the result

    _poll()
    return job if not running else None
