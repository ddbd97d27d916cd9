"""Issue 16, item 1: a job whose process is gone never stays "running".

Real faults only: `kill -9` of the Dask worker that parents `core.jobs.child N`, and an app
(a process with its own LocalCluster) killed mid-job and its workspace read again at once —
by the API every page uses, by the CLI, and by the Home page. The killed-worker and stopped-app
cases run on SQLite and on a real PostgreSQL server (tests/postgres.py).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.jobs import cancel_job, get_job, list_jobs, submit_job, wait_for_job
from core.store import Job, session_scope

ROOT = Path(__file__).resolve().parents[1]


def _job_child(job_id: int) -> tuple[int, int] | None:
    """(pid, parent pid) of the live `python -m core.jobs.child JOB_ID` process of this
    test's workspace (other workspaces on this machine have a job JOB_ID too), from /proc."""
    from core.config import get_settings

    workspace = f"OVWB_WORKSPACE={get_settings().workspace}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            if b"core.jobs.child" not in argv or str(job_id).encode() not in argv:
                continue
            if workspace not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state = stat[stat.rfind(")") + 2:].split()
        if state[0] != "Z":
            return int(entry.name), int(state[1])
    return None


def _start_and_find_child(job_id: int, timeout: float = 90) -> tuple[int, int]:
    deadline = time.monotonic() + timeout
    while True:
        with session_scope() as s:
            state = s.get(Job, job_id).state  # type: ignore[union-attr]
        found = _job_child(job_id) if state == "running" else None
        if found is not None:
            return found
        assert time.monotonic() < deadline, f"job {job_id} never started ({state})"
        time.sleep(0.2)


def _row(job_id: int) -> Job:
    """The row as stored, without the liveness check every API read does."""
    with session_scope() as s:
        job = s.get(Job, job_id)
        assert job is not None
        return job


def _cli(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, OVWB_WORKSPACE=str(workspace), PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "core", *args], env=env, cwd=str(ROOT),
                          capture_output=True, text=True, timeout=120)


def _gone(pid: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _job_child_pid_alive(pid) is False:
            return True
        time.sleep(0.1)
    return False


def _job_child_pid_alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2:].split()[0] != "Z"


@pytest.mark.both_stores
def test_kill_9_of_the_worker_shows_worker_lost_within_seconds(workspace: Path) -> None:
    job_id = submit_job("test", "tests.jobfns:sleep_uninterruptibly", {"seconds": 300}, target="victim")
    child_pid, worker_pid = _start_and_find_child(job_id)
    assert worker_pid != os.getpid()  # a Dask worker, not this process
    os.kill(worker_pid, signal.SIGKILL)
    killed_at = time.monotonic()
    while get_job(job_id).state in ("queued", "running"):  # type: ignore[union-attr]
        assert time.monotonic() - killed_at < 10, "the job still shows as running 10 s after its worker died"
        time.sleep(0.2)
    job = get_job(job_id)
    assert job is not None and job.state == "interrupted"
    assert job.message == "Worker lost" and "worker" in (job.error or "")
    assert _gone(child_pid), "the job's child outlived its worker"
    shown = json.loads(_cli(workspace, "job", str(job_id), "--json").stdout)
    assert shown["state"] == "interrupted" and shown["message"] == "Worker lost"
    listed = {j["id"]: j for j in json.loads(_cli(workspace, "jobs", "--json").stdout)["items"]}
    assert listed[job_id]["state"] == "interrupted"
    # The cluster lives on (the nanny restarted the worker) and a new job runs.
    after = wait_for_job(submit_job("test", "tests.jobfns:count", {"steps": 1}), timeout_s=120)
    assert after.state == "done"
    assert _row(job_id).state == "interrupted"  # Dask's re-run of the task did not revive it


@pytest.mark.both_stores
def test_a_re_run_task_never_adopts_the_job_of_a_killed_worker(workspace: Path) -> None:
    """Nobody reads the job here: the supervisor Dask re-runs after the worker died must
    itself write the verdict instead of finding a fresh heartbeat and waiting forever."""
    job_id = submit_job("test", "tests.jobfns:sleep_uninterruptibly", {"seconds": 300})
    _child, worker_pid = _start_and_find_child(job_id)
    os.kill(worker_pid, signal.SIGKILL)
    deadline = time.monotonic() + 90
    while _row(job_id).state in ("queued", "running"):
        assert time.monotonic() < deadline, "the re-run supervisor left the dead job running"
        time.sleep(0.5)
    row = _row(job_id)
    assert row.state == "interrupted" and row.message == "Worker lost"
    assert _job_child(job_id) is None  # and it started no second child


@pytest.mark.both_stores
def test_cancel_ends_a_job_whose_worker_was_killed(workspace: Path) -> None:
    job_id = submit_job("test", "tests.jobfns:sleep_uninterruptibly", {"seconds": 300})
    _child, worker_pid = _start_and_find_child(job_id)
    os.kill(worker_pid, signal.SIGKILL)
    started = time.monotonic()
    while _job_child(job_id) is not None and time.monotonic() - started < 5:
        time.sleep(0.05)
    job = cancel_job(job_id)
    assert job is not None
    if job.state in ("queued", "running"):
        job = wait_for_job(job_id, timeout_s=10)
    assert time.monotonic() - started < 10
    if job.state == "interrupted":
        # The supervisor Dask re-ran found the worker lost before the cancel arrived: the job
        # had already ended, so the cancel leaves that verdict as it was (it is the true one).
        assert job.message == "Worker lost" and not _row(job_id).cancel_requested
    else:
        assert job.state == "cancelled"


APP = """
import sys, time
from core.store import init_db
from core.jobs import get_job, submit_job
init_db()
job_id = submit_job("test", "tests.jobfns:sleep_uninterruptibly", {"seconds": 300}, target="restart victim")
while get_job(job_id).state != "running":
    time.sleep(0.2)
print(job_id, flush=True)
time.sleep(600)
"""


@pytest.mark.both_stores
@pytest.mark.parametrize("stop_signal", [signal.SIGKILL, signal.SIGTERM], ids=["kill", "stop"])
def test_a_job_of_a_stopped_app_shows_app_restarted_at_once_everywhere(workspace: Path, stop_signal: int) -> None:
    """The app (with its LocalCluster, workers and job child) is killed, or stopped like a
    server (SIGTERM to its process group), and its workspace is read again within seconds —
    well inside the old 60 s heartbeat window."""
    env = dict(os.environ, OVWB_WORKSPACE=str(workspace), PYTHONPATH=str(ROOT), OVWB_NO_SAMPLE="1")
    app = subprocess.Popen([sys.executable, "-c", APP], env=env, cwd=str(ROOT), stdout=subprocess.PIPE,
                           text=True, start_new_session=True)
    try:
        job_id = int(app.stdout.readline())  # type: ignore[union-attr]
        assert _row(job_id).state == "running"
    finally:
        os.killpg(app.pid, stop_signal)
        app.wait(timeout=30)
    stopped = time.monotonic()
    while _job_child(job_id) is not None and time.monotonic() - stopped < 10:
        time.sleep(0.1)  # the child dies with its worker (PR_SET_PDEATHSIG)
    # Killed: nobody is left to say more than "App restarted". Stopped (SIGTERM to the group):
    # a supervisor that outlives its child a moment may write "Stopped" (from outside) first.
    causes = {"App restarted"} if stop_signal == signal.SIGKILL else {"App restarted", "Stopped"}
    while True:  # a stopping worker may still be writing its own verdict for a second or two
        listed = {j.id: j for j in list_jobs()}
        if listed[job_id].state not in ("queued", "running") or time.monotonic() - stopped > 15:
            break
        time.sleep(0.2)
    assert listed[job_id].state == "interrupted", (listed[job_id].state, listed[job_id].error)
    assert listed[job_id].message in causes, listed[job_id].message
    assert time.monotonic() - stopped < 15
    shown = json.loads(_cli(workspace, "job", str(job_id), "--json").stdout)
    assert shown["state"] == "interrupted" and shown["message"] in causes


def test_home_page_shows_a_lost_job_as_interrupted(workspace: Path) -> None:
    """The Home page reads jobs through the same call: no visit to the Jobs page needed."""
    from tests.conftest import open_page

    env = dict(os.environ, OVWB_WORKSPACE=str(workspace), PYTHONPATH=str(ROOT), OVWB_NO_SAMPLE="1")
    app = subprocess.Popen([sys.executable, "-c", APP], env=env, cwd=str(ROOT), stdout=subprocess.PIPE,
                           text=True, start_new_session=True)
    try:
        job_id = int(app.stdout.readline())  # type: ignore[union-attr]
    finally:
        os.killpg(app.pid, signal.SIGKILL)
        app.wait(timeout=30)
    time.sleep(1)
    at = open_page("pages/home.py")
    table = at.dataframe[0].value
    row = table[table["Job"] == job_id].iloc[0]
    assert row["State"] == "interrupted" and row["Step"] == "App restarted"


def test_a_database_from_before_gets_the_new_job_column(tmp_path: Path, monkeypatch) -> None:
    """An existing workspace (jobs table without `process`) keeps working after the upgrade."""
    import sqlite3

    from core.jobs.api import create_job
    from core.store import init_db, reset_engine

    workspace = tmp_path / "old-workspace"
    monkeypatch.setenv("OVWB_WORKSPACE", str(workspace))
    monkeypatch.delenv("OVWB_DATABASE_URL", raising=False)
    init_db()
    reset_engine()
    with sqlite3.connect(workspace / "ovwb.sqlite") as db:
        db.execute("ALTER TABLE jobs DROP COLUMN process")
        db.execute("INSERT INTO jobs (kind, entrypoint, target, params, state, progress, message, cancel_requested,"
                   " owner, created_at) VALUES ('test', 'x:y', '', '{}', 'running', 0, '', 0, 'gone-host:1',"
                   " '2026-01-01 00:00:00.000000')")
    init_db()
    assert get_job(1).state == "interrupted"  # an old row without process info is still judged
    assert get_job(create_job("test", "tests.jobfns:count")).process["owner"]["pid"] == os.getpid()
    reset_engine()


def test_a_job_stopped_from_outside_is_interrupted_not_crashed(workspace: Path) -> None:
    """A server stop sends SIGTERM to the whole process group, the job's child included;
    its supervisor must not report that as a crash of the job."""
    import threading

    from core.jobs import run_job_inline

    outcome: dict[str, Job] = {}
    runner = threading.Thread(target=lambda: outcome.update(job=run_job_inline(
        "test", "tests.jobfns:sleep_uninterruptibly", {"seconds": 300})))
    runner.start()
    deadline = time.monotonic() + 30
    while True:
        with session_scope() as s:
            newest = s.query(Job).order_by(Job.id.desc()).first()
        if newest is not None:
            break
        assert time.monotonic() < deadline
        time.sleep(0.05)
    job_id = newest.id
    child_pid, _parent = _start_and_find_child(job_id)
    while "native call" not in (_row(job_id).message or ""):  # the job function runs
        assert time.monotonic() < deadline + 60
        time.sleep(0.1)
    os.kill(child_pid, signal.SIGTERM)
    runner.join(timeout=30)
    job = outcome["job"]
    assert job.state == "interrupted" and job.message == "Stopped", (job.state, job.error)
    assert "SIGTERM" in (job.error or "")
