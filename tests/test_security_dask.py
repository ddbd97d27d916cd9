"""Issue 16 item 3 (Dask part): the scheduler the app starts runs submitted code as the app's
user, so a local process without the cluster's key must not be able to connect.

Real cluster (core.jobs.cluster), real clients, a real job through it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from distributed import Client
from distributed.security import Security

from core.jobs import submit_job, wait_for_job
from core.jobs.cluster import get_client


def _connect(address: str, **kwargs) -> Client:  # type: ignore[no-untyped-def]
    return Client(address, timeout="5s", set_as_default=False, **kwargs)


def test_scheduler_refuses_clients_without_the_clusters_key(workspace: Path) -> None:
    client = get_client()
    address = client.scheduler.address
    assert address.startswith("tls://127.0.0.1:"), address

    # jobs still run through it (the app's own client has the key)
    job = wait_for_job(submit_job("test", "tests.jobfns:count", {"steps": 2, "delay": 0.01}), timeout_s=120)
    assert job.state == "done", (job.error, job.error_hint)

    attempts = {
        "plain tcp to the same port": (address.replace("tls://", "tcp://"), {}),
        "tls without credentials": (address, {}),
        "tls with another key pair": (address, {"security": Security.temporary()}),
    }
    for label, (target, kwargs) in attempts.items():
        with pytest.raises(Exception) as caught:  # noqa: PT011 - each refusal has its own type
            intruder = _connect(target, **kwargs)
            intruder.submit(sum, [1, 2]).result(timeout=5)  # what an intruder would do: run code
        assert not isinstance(caught.value, AssertionError), label
    assert client.submit(sum, [1, 2]).result(timeout=30) == 3  # the app's client is unaffected
