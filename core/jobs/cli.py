"""`python -m core jobs` / `job ID` / `cancel ID`: the jobs view on the command line."""

from __future__ import annotations

import argparse
from typing import Any

from core.commands import add_command
from core.errors import UserError
from core.jobs.api import cancel_job, get_job, list_jobs, read_job_log
from core.store import Job
from core.store.models import utcnow


def job_to_dict(job: Job, with_log: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": job.id,
        "kind": job.kind,
        "target": job.target,
        "host": job.host or "",
        "state": job.state,
        "progress": round(job.progress or 0.0, 4),
        "message": job.message,
        "error": job.error,
        "hint": job.error_hint,
        "elapsed_s": None if job.elapsed_s(utcnow()) is None else round(job.elapsed_s(utcnow()) or 0, 2),
        "created_at": job.created_at.isoformat() if job.created_at else None,
        "result": job.result,
    }
    if with_log:
        data["log"] = read_job_log(job)
    return data


def _list(args: argparse.Namespace) -> Any:
    return [job_to_dict(j) for j in list_jobs(limit=args.limit)]


def _show(args: argparse.Namespace) -> Any:
    job = get_job(args.job_id)
    if job is None:
        raise UserError(f"There is no job {args.job_id}.", "List jobs with `python -m core jobs`.")
    return job_to_dict(job, with_log=True)


def _cancel(args: argparse.Namespace) -> Any:
    job = cancel_job(args.job_id)
    if job is None:
        raise UserError(f"There is no job {args.job_id}.")
    return job_to_dict(job)


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "jobs", "list recent jobs and their state", _list)
    parser.add_argument("--limit", type=int, default=50)
    parser = add_command(subparsers, "job", "one job with its log", _show)
    parser.add_argument("job_id", type=int)
    parser = add_command(subparsers, "cancel", "cancel a queued or running job", _cancel)
    parser.add_argument("job_id", type=int)
