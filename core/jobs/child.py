"""The child process that runs one job function: `python -m core.jobs.child JOB_ID`.

It writes the outcome (done / failed / cancelled, result, user-facing error) to the job
row itself; if it dies before that, the supervisor writes why.
"""

from __future__ import annotations

import importlib
import logging
import signal
import sys
import traceback
from typing import Any, Callable

from sqlalchemy import update

from core.errors import UserError
from core.jobs.context import JobCancelled, JobContext
from core.store import Job, JobState, db_now, session_scope
from core.telemetry import disable_telemetry
from core.workspace import private_files


def resolve_entrypoint(entrypoint: str) -> Callable[..., Any]:
    module_name, _, function_name = entrypoint.partition(":")
    if not module_name or not function_name:
        raise ValueError(f"entrypoint must be 'module:function', got {entrypoint!r}")
    return getattr(importlib.import_module(module_name), function_name)


def _finish(job_id: int, state: JobState, **values: Any) -> None:
    with session_scope() as s:
        s.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(state=state.value, finished_at=db_now(s), **values)  # one clock for every job time
        )


def explain_unexpected(exc: BaseException) -> tuple[str, str]:
    """Words for an error we did not foresee: what happened, and where to look."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, MemoryError):
        return "The job ran out of memory.", "Try a smaller batch, subset or model."
    return (
        f"The job stopped with an unexpected error: {type(exc).__name__}: {text[:500]}",
        "The full log below has the details; please report it if the input looks right.",
    )


class StoppedBySupervisor(BaseException):
    """SIGTERM from the supervisor (cancel or watchdog): unwind, but leave the verdict to it."""


def _unwind_on_sigterm() -> None:
    """The supervisor stops a job with SIGTERM (SIGKILL 3 s later): raise, so `finally`
    blocks remove half-written files as soon as Python gets control. The supervisor knows
    why it stopped the job (cancel or watchdog) and writes the state itself."""

    def handler(_signum: int, _frame: object) -> None:
        raise StoppedBySupervisor()

    signal.signal(signal.SIGTERM, handler)


def run(job_id: int) -> int:
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stdout,
        force=True,
    )
    disable_telemetry()
    private_files()
    _unwind_on_sigterm()
    with session_scope() as s:
        job = s.get(Job, job_id)
        if job is None:
            print(f"job {job_id} does not exist", file=sys.stderr)
            return 2
        entrypoint, params, host = job.entrypoint, dict(job.params or {}), job.host or ""
    logging.getLogger("ovwb.job").info("job %s: %s %s", job_id, entrypoint, params)
    ctx = JobContext(job_id, params, host=host)
    try:
        function = resolve_entrypoint(entrypoint)
        try:
            result = function(ctx, **params)
        finally:
            ctx.record_machine()
    except StoppedBySupervisor:
        logging.getLogger("ovwb.job").info("stopped by the supervisor (cancel or watchdog)")
        return 143
    except JobCancelled:
        logging.getLogger("ovwb.job").info("cancelled by the user")
        _finish(job_id, JobState.CANCELLED, message="Cancelled")
        return 0
    except UserError as exc:
        logging.getLogger("ovwb.job").error("failed: %s", exc)
        _finish(job_id, JobState.FAILED, error=exc.message, error_hint=exc.hint, message="Failed")
        return 1
    except BaseException as exc:  # noqa: BLE001 - every failure must reach the user
        traceback.print_exc(file=sys.stdout)
        message, hint = explain_unexpected(exc)
        _finish(job_id, JobState.FAILED, error=message, error_hint=hint, message="Failed")
        return 1
    _finish(job_id, JobState.DONE, result=result or {}, progress=1.0, message="Done")
    return 0


def main(job_id: int) -> int:
    try:
        return run(job_id)
    except StoppedBySupervisor:  # SIGTERM before or after the job function: still "stopped"
        return 143


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
