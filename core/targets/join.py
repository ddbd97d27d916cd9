"""`python -m core target join ADDRESS --name NAME --certs DIR`: make this machine a target.

Runs a Dask worker in this process, named `ovwb-target:NAME`, holding one resource
`device-<DEV>` per OpenVINO device of this host: the app asks for that resource with each
measurement, so one measurement per device per host runs at a time (Dask queues the rest —
no file locks on a shared disk). The worker needs only the scheduler address and the
certificate bundle; its work folder (model cache, runs, logs) is its own, it never sees the
app's workspace or database. If the scheduler goes away (app restart) it keeps trying to
rejoin; SIGINT/SIGTERM leave cleanly.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from pathlib import Path
from typing import Any

from core.cluster.address import check_address
from core.cluster.certs import target_security
from core.cluster.guard import guard_target_worker
from core.cluster.names import WORKER_PREFIX, check_name
from core.errors import UserError
from core.ov_core import core_instance
from core.workspace import make_private_dir, private_files

log = logging.getLogger("ovwb.target")
REJOIN_S = 3.0


def default_work_dir(name: str) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ovwb-target" / name


def device_resources() -> dict[str, float]:
    """One unit per OpenVINO device of this host ("device-CPU", "device-GPU.0", ...)."""
    return {f"device-{name}": 1 for name in core_instance().available_devices}


def prepare(address: str, name: str, certs: str | Path | None, work_dir: str | Path | None,
            insecure: bool) -> tuple[Any, Path, Any]:
    """Check everything before any connection: (address, work folder, Dask Security or None)."""
    parsed = check_address(address, insecure, role="target")
    check_name(name)
    security = None
    if parsed.scheme == "tls":
        if not certs:
            raise UserError("A tls:// target needs the certificate bundle.",
                            "Copy the app's cluster/certs/target folder here and pass --certs FOLDER.")
        security = target_security(Path(certs).expanduser())
    folder = make_private_dir(Path(work_dir).expanduser().resolve() if work_dir else default_work_dir(name))
    return parsed, folder, security


def _isolate(folder: Path, name: str) -> None:
    """This process's environment as a target: its own folder, nothing of an app's."""
    for key in [k for k in os.environ if k.startswith(("OVWB_DATABASE", "OVWB_DASK", "OVWB_CLUSTER"))]:
        os.environ.pop(key)
    workspace = make_private_dir(folder / "workspace")
    os.environ.update(OVWB_TARGET_DIR=str(folder), OVWB_TARGET_NAME=name, OVWB_WORKSPACE=str(workspace),
                      OVWB_NO_SAMPLE="1", OVWB_DATABASE_URL="unavailable+on-a-target://")


async def _serve(address: str, name: str, folder: Path, security: Any, threads: int | None,
                 listen_host: str | None) -> None:
    from distributed import Worker

    resources = device_resources()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    while not stop.is_set():
        worker = Worker(
            address,
            name=f"{WORKER_PREFIX}{name}",
            nthreads=threads or max(1, len(resources)),
            resources=resources,
            security=security,
            local_directory=str(make_private_dir(folder / "dask")),
            host=listen_host,
            memory_limit=0,  # the measuring child owns the memory, not the worker
            dashboard=False,
            dashboard_address="127.0.0.1:0",  # its HTTP server (health, metrics) always starts: loopback only
            death_timeout=None,
        )
        try:
            await worker
            if security is not None:
                guard_target_worker(worker)  # only the app side may ask this worker anything
        except Exception as exc:  # noqa: BLE001 - refused (bad cert), name in use, scheduler down: retry
            log.warning("could not join %s: %s; retrying in %.0f s", address, exc, REJOIN_S)
            await worker.close(reason="join failed")
            if await _wait(stop, REJOIN_S):
                break
            continue
        print(f"joined {address} as target {name!r} (worker {worker.address}); devices: "
              f"{', '.join(r.removeprefix('device-') for r in resources)}", flush=True)
        finished = asyncio.ensure_future(worker.finished())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait([finished, stopping], return_when=asyncio.FIRST_COMPLETED)
        if stop.is_set():
            await worker.close(reason="target stopped")
            break
        stopping.cancel()
        print(f"lost the scheduler {address}; rejoining", flush=True)
        if await _wait(stop, REJOIN_S):
            break


async def _wait(stop: asyncio.Event, seconds: float) -> bool:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
        return True
    except asyncio.TimeoutError:
        return False


def join(address: str, name: str, certs: str | Path | None = None, work_dir: str | Path | None = None,
         insecure: bool = False, threads: int | None = None, listen_host: str | None = None,
         check_only: bool = False) -> dict[str, Any]:
    """Serve as target `name` until stopped (SIGINT/SIGTERM). Returns what it was, for --json.

    `check_only`: check the address, certificates and work folder, list the devices, and return
    without connecting (what `--check` prints before a user leaves it running)."""
    private_files()
    parsed, folder, security = prepare(address, name, certs, work_dir, insecure)
    if check_only:
        return {"name": name, "address": parsed.url, "work_dir": str(folder), "checked": True,
                "devices": [r.removeprefix("device-") for r in device_resources()]}
    _isolate(folder, name)
    import dask

    dask.config.set({
        "temporary-directory": str(make_private_dir(folder / "dask")),
        # Dask samples its worker's threads 100 times a second for its dashboard; a target has
        # no dashboard, and on a small machine those wake-ups take CPU from the measurement.
        "distributed.worker.profile.enabled": False,
    })
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(_serve(parsed.url, name, folder, security, threads, listen_host))
    return {"name": name, "address": parsed.url, "work_dir": str(folder), "stopped": True}
