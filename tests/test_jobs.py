"""Jobs on a real Dask LocalCluster with real child processes: progress, results, user errors,
crashes, cancel (also mid native call), watchdog, device lock, interrupted jobs — on SQLite and
on a real PostgreSQL server (tests/postgres.py)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from core.jobs import cancel_job, get_job, read_job_log, reconcile_interrupted_jobs, run_job_inline, submit_job, wait_for_job
from core.jobs.api import create_job
from core.store import Job, JobState, session_scope
from core.store.models import utcnow

pytestmark = pytest.mark.both_stores


def test_job_runs_on_the_cluster_with_progress_log_and_result(workspace: Path) -> None:
    job_id = submit_job("test", "tests.jobfns:count", {"steps": 4}, target="counting")
    job = wait_for_job(job_id, timeout_s=120)
    assert job.state == "done", job.error
    assert job.result == {"counted": 4}
    assert job.progress == 1.0 and job.started_at and job.finished_at
    log = read_job_log(job)
    assert "step 4/4" in log and "counted to 4" in log
    assert (workspace / job.log_path).is_file()


def test_user_error_is_stored_in_words(workspace: Path) -> None:
    job = wait_for_job(submit_job("test", "tests.jobfns:fail_for_user"), timeout_s=120)
    assert job.state == "failed"
    assert job.error == "The input has 4 channels, the model wants 3."
    assert job.error_hint == "Convert the images to RGB."


def test_a_crashing_job_fails_with_a_reason_and_the_cluster_lives_on(workspace: Path) -> None:
    crashed = wait_for_job(submit_job("test", "tests.jobfns:crash"), timeout_s=120)
    assert crashed.state == "failed"
    assert "segmentation fault" in crashed.error
    assert "about to crash" in read_job_log(crashed)
    after = wait_for_job(submit_job("test", "tests.jobfns:count", {"steps": 1}), timeout_s=120)
    assert after.state == "done"


def test_cancel_stops_a_job_stuck_in_a_call_that_never_checks(workspace: Path) -> None:
    job_id = submit_job("test", "tests.jobfns:sleep_uninterruptibly", {"seconds": 120})
    deadline = time.monotonic() + 60
    while get_job(job_id).state != "running":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    started = time.monotonic()
    cancel_job(job_id)
    job = wait_for_job(job_id, timeout_s=30)
    assert job.state == "cancelled"
    assert time.monotonic() - started < 10


def test_cancel_of_a_queued_job_is_immediate(workspace: Path) -> None:
    job_id = create_job("test", "tests.jobfns:count")  # never submitted
    assert cancel_job(job_id).state == "cancelled"


def test_watchdog_stops_a_hung_job(workspace: Path) -> None:
    job_id = submit_job("test", "tests.jobfns:sleep_forever", timeout_s=2.0)
    job = wait_for_job(job_id, timeout_s=60)
    assert job.state == "failed" and "watchdog" in job.error


def test_inline_run_uses_the_same_rows_and_log(workspace: Path) -> None:
    seen: list[str] = []
    job = run_job_inline("test", "tests.jobfns:count", {"steps": 2}, on_poll=lambda j: seen.append(j.state))
    assert job.state == "done" and job.result == {"counted": 2}
    assert "done" in seen


def test_device_lock_serialises_measurements(workspace: Path) -> None:
    ids = [submit_job("test", "tests.jobfns:hold_device", {"seconds": 1.5}) for _ in range(2)]
    first, second = (wait_for_job(i, timeout_s=120) for i in ids)
    assert first.state == second.state == "done"
    spans = sorted([(first.result["start"], first.result["end"]), (second.result["start"], second.result["end"])])
    assert spans[1][0] >= spans[0][1] - 0.01  # no overlap


def test_two_sessions_submitting_at_once_keep_their_own_jobs(workspace: Path) -> None:
    results: dict[int, int] = {}

    def session(steps: int) -> None:
        job_id = submit_job("test", "tests.jobfns:count", {"steps": steps, "delay": 0.01}, session_id=f"s{steps}")
        results[steps] = wait_for_job(job_id, timeout_s=120).result["counted"]

    threads = [threading.Thread(target=session, args=(n,)) for n in (3, 7)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {3: 3, 7: 7}


def test_jobs_orphaned_by_a_stopped_app_show_as_interrupted(workspace: Path) -> None:
    running = create_job("test", "tests.jobfns:count")
    queued = create_job("test", "tests.jobfns:count")
    with session_scope() as s:
        for job in s.query(Job).all():
            job.owner = "this-host-is-gone:1"
        job = s.get(Job, running)
        job.state, job.started_at, job.heartbeat_at = "running", utcnow(), None
        s.get(Job, queued).owner = f"{__import__('socket').gethostname()}:999999999"
    assert reconcile_interrupted_jobs() == 2
    for job_id in (running, queued):
        job = get_job(job_id)
        assert job.state == JobState.INTERRUPTED.value and "stopped" in job.error


def test_jobs_go_to_an_existing_dask_cluster_when_told(workspace: Path, monkeypatch, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from core.jobs.cluster import get_client
    from tests.conftest import free_port

    port = free_port()
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    scheduler = subprocess.Popen([str(bin_dir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                  "--no-dashboard"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = subprocess.Popen([str(bin_dir / "dask"), "worker", f"tcp://127.0.0.1:{port}", "--nworkers", "1",
                               "--no-dashboard", "--name", "external-worker"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        monkeypatch.setenv("OVWB_DASK_SCHEDULER", f"tcp://127.0.0.1:{port}")
        deadline = time.monotonic() + 60
        while True:
            try:
                client = get_client()
                client.wait_for_workers(1, timeout=30)
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.5)
        assert client.scheduler.address == f"tcp://127.0.0.1:{port}"
        job = wait_for_job(submit_job("test", "tests.jobfns:count", {"steps": 2}), timeout_s=120)
        assert job.state == "done" and job.result == {"counted": 2}
    finally:
        monkeypatch.delenv("OVWB_DASK_SCHEDULER")
        from core.jobs.cluster import shutdown_client

        shutdown_client()
        worker.terminate()
        scheduler.terminate()
        worker.wait(timeout=30)
        scheduler.wait(timeout=30)


def test_cancel_lets_the_job_clean_up_its_scratch_files(workspace: Path) -> None:
    marker = workspace / "scratch.txt"
    job_id = submit_job("test", "tests.jobfns:write_then_hang", {"marker": str(marker)})
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert time.monotonic() < deadline
        time.sleep(0.1)
    cancel_job(job_id)
    assert wait_for_job(job_id, timeout_s=30).state == "cancelled"
    assert not marker.exists()


def test_old_scratch_folders_are_swept(workspace: Path) -> None:
    import os

    from core.workspace import new_artifact_dir, sweep_tmp

    old, fresh = new_artifact_dir("tmp"), new_artifact_dir("tmp")
    os.utime(old, (time.time() - 7 * 3600,) * 2)
    assert sweep_tmp() == 1
    assert not old.exists() and fresh.exists()


def test_heartbeats_are_written_and_judged_by_the_database_clock(workspace: Path) -> None:
    """A running job's heartbeat is the database's now (PostgreSQL's test server runs at UTC+14:
    a local-time or aware timestamp would be hours off); a runner on another host is judged only
    by that heartbeat's age on the same clock. The database URL's password is in no row or log."""
    import os

    from core.jobs import liveness
    from core.store import db_now

    job_id = submit_job("test", "tests.jobfns:sleep_uninterruptibly", {"seconds": 120})
    deadline = time.monotonic() + 60
    while True:
        with session_scope() as s:
            row = s.get(Job, job_id)
            beat, now = row.heartbeat_at, db_now(s)
        if row.state == "running" and beat is not None:
            break
        assert time.monotonic() < deadline
        time.sleep(0.2)
    time.sleep(4.5)  # a couple of heartbeats (every 2 s)
    with session_scope() as s:
        row = s.get(Job, job_id)
        later, now = row.heartbeat_at, db_now(s)
        stored = repr((row.params, row.process, row.target, row.message, row.owner))
    assert later > beat and 0 <= (now - later).total_seconds() < 5
    assert abs((row.started_at - beat).total_seconds()) < 5
    assert get_job(job_id).state == "running"

    remote = create_job("test", "tests.jobfns:count")
    with session_scope() as s:
        job = s.get(Job, remote)
        far = {"host": "another-machine", "boot": "x", "pid": 1, "start": 1}
        job.state, job.started_at, job.heartbeat_at = "running", utcnow(), db_now(s)
        job.process, job.owner = {"owner": far, "supervisor": far}, "another-machine:1"
    assert reconcile_interrupted_jobs(job_ids=[remote]) == 0  # fresh by the database's clock
    with session_scope() as s:
        s.get(Job, remote).heartbeat_at = db_now(s) - timedelta(
            seconds=liveness.STALE_HEARTBEAT_S + 5)
    assert reconcile_interrupted_jobs(job_ids=[remote]) == 1
    assert get_job(remote).message == "Worker lost"

    cancel_job(job_id)
    finished = wait_for_job(job_id, timeout_s=30)
    assert finished.state == "cancelled"
    with session_scope() as s:
        now = db_now(s)
    assert finished.started_at <= finished.finished_at <= now  # every job time on the one clock
    assert 0 <= (now - finished.finished_at).total_seconds() < 30
    url = os.environ.get("OVWB_DATABASE_URL", "")
    if "@" in url:
        password = url.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
        assert password not in stored and password not in read_job_log(get_job(job_id))
