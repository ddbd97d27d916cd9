"""Long work (convert, quantize, benchmark, ...) as jobs outside the UI process.

A job is a database row plus a function `fn(ctx: JobContext, **params) -> dict` named by
its entrypoint "package.module:function". `submit_job` queues it on Dask (a LocalCluster the
app starts, or the scheduler in OVWB_DASK_SCHEDULER); the Dask task is only a supervisor
that runs the function in a child process of its own. So a crash, an out-of-memory kill or
a hung native call costs one child process, never the UI or the worker, and cancel and the
watchdog can always stop the work — even inside nncf.quantize, which cannot be interrupted.
Progress, logs and results flow back through the database and the job's log file.
"""

from core.jobs.api import (
    cancel_job,
    get_job,
    list_jobs,
    read_job_log,
    reconcile_interrupted_jobs,
    run_job_inline,
    run_request_inline,
    run_spec_inline,
    submit_job,
    wait_for_job,
)
from core.jobs.context import JobCancelled, JobContext

__all__ = [
    "JobCancelled",
    "JobContext",
    "cancel_job",
    "get_job",
    "list_jobs",
    "read_job_log",
    "reconcile_interrupted_jobs",
    "run_job_inline",
    "run_request_inline",
    "run_spec_inline",
    "submit_job",
    "wait_for_job",
]
