"""Jobs: every job's kind, target, state, progress, elapsed time, log, and cancel."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.jobs import get_job, list_jobs, reconcile_interrupted_jobs
from core.store import JobState
from pages.ui.frame import page_setup
from pages.ui.jobs import format_elapsed, render_job

page_setup("Jobs", "Long work runs outside the browser: close the tab, come back, it is still here.")


@st.fragment(run_every=1.0)
def jobs_table() -> None:
    reconcile_interrupted_jobs()
    jobs = list_jobs(limit=200)
    if not jobs:
        st.info("No jobs yet. Converting, quantizing, benchmarking and profiling all run as jobs.")
        return
    frame = pd.DataFrame(
        [
            {
                "Job": j.id,
                "Kind": j.kind,
                "Target": j.target,
                "State": j.state,
                "Progress": j.progress or 0.0,
                "Step": j.message,
                "Elapsed": format_elapsed(j),
                "Started": j.started_at,
                "Error": j.error or "",
            }
            for j in jobs
        ]
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={"Progress": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0)},
    )
    active = [j for j in jobs if not JobState(j.state).finished]
    st.caption(f"{len(active)} queued or running · {len(jobs)} shown")


jobs_table()

st.subheader("Job details")
all_jobs = list_jobs(limit=200)
if all_jobs:
    job_id = st.selectbox(
        "Job",
        [j.id for j in all_jobs],
        format_func=lambda i: next(f"#{j.id} {j.kind} · {j.target} · {j.state}" for j in all_jobs if j.id == i),
    )

    @st.fragment(run_every=1.0)
    def details() -> None:
        job = get_job(job_id)
        if job is not None:
            render_job(job, key="jobs-page")
            if job.result:
                with st.expander("Result"):
                    st.json(job.result)

    details()
