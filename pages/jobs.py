"""Jobs: every job's kind, target, state, progress, elapsed time, log, and cancel."""

from __future__ import annotations

import streamlit as st

from core.jobs import get_job, list_jobs, reconcile_interrupted_jobs
from core.store import Job, JobState
from pages.ui.frame import page_setup
from pages.ui.jobs import jobs_table, render_job

page_setup("Jobs", "Long work runs outside the browser: close the tab, come back, it is still here.")

SHOWN = 200  # newest jobs listed


@st.fragment(run_every=1.0)
def jobs_overview(limit: int) -> None:
    reconcile_interrupted_jobs()
    jobs = list_jobs(limit=limit)
    if not jobs:
        st.info("No jobs yet. Converting, quantizing, benchmarking and profiling all run as jobs.")
        return
    jobs_table(jobs, detailed=True)
    active = [j for j in jobs if not JobState(j.state).finished]
    st.caption(f"{len(active)} queued or running · {len(jobs)} shown")


def pick_job(jobs: list[Job]) -> int:
    labels = {j.id: f"#{j.id} {j.kind} · {j.target} · {j.state}" for j in jobs}
    return st.selectbox("Job", list(labels), format_func=labels.get)


@st.fragment(run_every=1.0)
def job_details(job_id: int) -> None:
    job = get_job(job_id)
    if job is not None:
        render_job(job, key="jobs-page")
        if job.result:
            with st.expander("Result"):
                st.json(job.result)


jobs_overview(SHOWN)
st.subheader("Job details")
listed = list_jobs(limit=SHOWN)
if listed:
    job_details(pick_job(listed))
