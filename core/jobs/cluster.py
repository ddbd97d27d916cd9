"""The Dask client jobs are submitted to: our own LocalCluster, or an existing scheduler."""

from __future__ import annotations

import logging
import threading

from core.config import get_settings
from core.workspace import make_private_dir

log = logging.getLogger("ovwb.jobs")
_client = None
_client_target: str | None = None  # the scheduler address the client was made for ("" = local)
_lock = threading.Lock()


def get_client():  # type: ignore[no-untyped-def]
    """One client per process, created on first use (starting a cluster takes ~2 s).

    Worker processes (not threads): a job supervisor that dies takes one worker with it,
    never the UI. Each worker runs two supervisors at a time; the heavy work is in their
    child processes, and measuring jobs serialise themselves with device locks.
    """
    global _client, _client_target
    settings = get_settings()
    target = settings.dask_scheduler or ""
    with _lock:
        if _client is not None and _client.status == "running" and _client_target == target:
            return _client
        if _client is not None:
            _close(_client)
        from dask.distributed import Client, LocalCluster

        _client_target = target
        if settings.dask_scheduler:
            log.info("connecting to Dask scheduler %s", settings.dask_scheduler)
            _client = Client(settings.dask_scheduler, timeout="10s")
        else:
            import dask
            from distributed.security import Security

            # Dask's scratch (worker folders, file locks, spill) goes to the system temp dir
            # unless told: keep it in the workspace, which is private and cleaned with it.
            scratch = make_private_dir(settings.workspace / "scratch" / "dask")
            dask.config.set({"temporary-directory": str(scratch)})
            # Mutual TLS with a key pair made for this cluster only (in memory, never on disk):
            # the scheduler runs tasks as this user, so a local process without the key must
            # not be able to connect and submit code (plain tcp:// accepted any local client).
            cluster = LocalCluster(
                security=Security.temporary(),
                local_directory=str(scratch),
                n_workers=settings.dask_workers,
                threads_per_worker=2,
                processes=True,
                host="127.0.0.1",
                dashboard_address="127.0.0.1:0",  # its HTTP server always starts: loopback, free port
                memory_limit=0,  # the job children own the memory; the supervisors use little
            )
            _client = Client(cluster)
            log.info("started LocalCluster %s", cluster.scheduler_address)
        return _client


def _close(client) -> None:  # type: ignore[no-untyped-def]
    cluster = getattr(client, "cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


def shutdown_client() -> None:
    global _client
    with _lock:
        if _client is not None:
            _close(_client)
            _client = None
