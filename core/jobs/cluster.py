"""The Dask client jobs are submitted to: our own LocalCluster, or an existing scheduler.

With OVWB_CLUSTER_LISTEN the LocalCluster's scheduler also listens for remote targets
(core/targets): on that address, mutual TLS with the certificates of `python -m core cluster
certs`. The local workers keep listening on loopback and carry the resource APP_RESOURCE:
job supervisors (which open the database) ask for it, so they never land on a target.
"""

from __future__ import annotations

import logging
import threading

from core.cluster.address import check_address
from core.cluster.certs import AppCerts, app_security, create_certs, default_certs_dir
from core.cluster.guard import guard_scheduler
from core.cluster.state import write_state
from core.config import get_settings
from core.workspace import make_private_dir

log = logging.getLogger("ovwb.jobs")
_client = None
_client_target: str | None = None  # the scheduler address the client was made for ("" = local)
_lock = threading.Lock()
# Every local worker holds this many units; a job supervisor takes one (so only local workers
# run supervisors). Large: the thread count, not this, bounds how many run at once.
APP_RESOURCE = "ovwb-app"
APP_RESOURCE_UNITS = 1000


def supervisor_restrictions() -> dict[str, object]:
    """Extra `client.submit` arguments for a job supervisor: local workers only, when targets may join."""
    settings = get_settings()
    if settings.cluster_listen and not settings.dask_scheduler:
        return {"resources": {APP_RESOURCE: 1}}
    return {}


def get_client():  # type: ignore[no-untyped-def]
    """One client per process, created on first use (starting a cluster takes ~2 s).

    Worker processes (not threads): a job supervisor that dies takes one worker with it,
    never the UI. Each worker runs two supervisors at a time; the heavy work is in their
    child processes, and measuring jobs serialise themselves with device locks.
    """
    global _client, _client_target
    settings = get_settings()
    # Reuse the client only for the same cluster: an external scheduler, or ours (listening or not).
    target = settings.dask_scheduler or f"local|{settings.cluster_listen or ''}"
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
        elif settings.cluster_listen:
            _client = _start_listening_cluster(settings)
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


def _start_listening_cluster(settings):  # type: ignore[no-untyped-def]
    """Our LocalCluster with a scheduler that remote targets can join (see module docstring)."""
    import dask
    from dask.distributed import Client, LocalCluster

    listen = check_address(settings.cluster_listen, settings.cluster_insecure, role="scheduler")
    security = None
    certs_dir = settings.cluster_certs or default_certs_dir()
    if listen.scheme == "tls":
        if not AppCerts(certs_dir).ca.exists():
            log.info("no cluster certificates in %s: making them", certs_dir)
            create_certs(certs_dir)
        security = app_security(certs_dir)
    else:
        log.warning("the cluster listens on plain %s: anyone who reaches it can run code", listen.url)
    scratch = make_private_dir(settings.workspace / "scratch" / "dask")
    dask.config.set({"temporary-directory": str(scratch)})
    cluster = LocalCluster(
        security=security,
        local_directory=str(scratch),
        n_workers=settings.dask_workers,
        threads_per_worker=2,
        processes=True,
        host="127.0.0.1",  # the local workers (they hold the database) stay on loopback
        protocol=f"{listen.scheme}://",
        scheduler_port=listen.port,
        scheduler_kwargs={"host": listen.host},
        dashboard_address="127.0.0.1:0",
        memory_limit=0,
        resources={APP_RESOURCE: APP_RESOURCE_UNITS},
    )
    if security is not None:
        guard_scheduler(cluster.scheduler)  # a target's certificate may register a worker, not submit code
    client = Client(cluster)
    if listen.port == 0:  # "any free port": record the one the scheduler got
        from dataclasses import replace

        listen = replace(listen, port=int(cluster.scheduler_address.rsplit(":", 1)[1]))
    write_state(listen, certs_dir if security is not None else None)
    log.info("started LocalCluster %s, listening for targets on %s", cluster.scheduler_address, listen.url)
    return client


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
