"""Issue 16 item 3 (Dask part): the scheduler the app starts runs submitted code as the app's
user, so a local process without the cluster's key must not be able to connect.

Real cluster (core.jobs.cluster), real clients, a real job through it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from core.jobs import submit_job, wait_for_job
from core.jobs.cluster import get_client


# Each intruder is another process (as it would be): Dask's per-process client loop state is
# then not shared with the test's own client (a failed in-process client could leave the next
# one's loop thread unstarted: an AssertionError from distributed, not a refusal).
INTRUDER = """
import sys
from distributed import Client
from distributed.security import Security

address, mode = sys.argv[1], sys.argv[2]
kwargs = {"security": Security.temporary()} if mode == "other-key" else {}
try:
    client = Client(address, timeout="5s", set_as_default=False, **kwargs)
    print("RAN", client.submit(sum, [1, 2]).result(timeout=5))
except Exception as exc:
    print("REFUSED", type(exc).__name__, str(exc)[:200])
"""


def _intrude(address: str, mode: str) -> str:
    done = subprocess.run([sys.executable, "-c", INTRUDER, address, mode], capture_output=True, text=True, timeout=120)
    return done.stdout


def test_scheduler_refuses_clients_without_the_clusters_key(workspace: Path) -> None:
    client = get_client()
    address = client.scheduler.address
    assert address.startswith("tls://127.0.0.1:"), address

    # jobs still run through it (the app's own client has the key)
    job = wait_for_job(submit_job("test", "tests.jobfns:count", {"steps": 2, "delay": 0.01}), timeout_s=120)
    assert job.state == "done", (job.error, job.error_hint)

    attempts = {
        "plain tcp to the same port": (address.replace("tls://", "tcp://"), "none"),
        "tls without credentials": (address, "none"),
        "tls with another key pair": (address, "other-key"),
    }
    for label, (target, mode) in attempts.items():
        said = _intrude(target, mode)  # what an intruder would do: connect and run code
        assert "REFUSED" in said and "RAN" not in said and "AssertionError" not in said, (label, said)
    assert client.submit(sum, [1, 2]).result(timeout=30) == 3  # the app's client is unaffected
