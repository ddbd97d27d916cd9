"""Which targets exist and how they are: the `targets` table kept in step with the scheduler.

The app's cluster writes `<workspace>/cluster/scheduler.json` when it starts listening
(address, insecure or not, where its certificates are), so any process of the app — a job's
child, the CLI — can reach the same scheduler with the app's certificates.
"""

from __future__ import annotations

import logging
import socket
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from core.cluster.certs import app_security
from core.cluster.names import LOCAL_NAME, WORKER_PREFIX
from core.cluster.state import read_state
from core.errors import UserError
from core.jobs import cluster
from core.jobs.context import lock_holder
from core.jobs.liveness import pid_exists
from core.store import db_now, session_scope
from core.store.models import Target
from core.targets.on_target import host_report

log = logging.getLogger("ovwb.targets")
CONNECT_TIMEOUT_S = 5.0
_client = None
_client_address: str | None = None
_client_lock = threading.Lock()
_local_report: dict[str, Any] | None = None


def cluster_state() -> dict[str, Any] | None:
    """The app's listening scheduler, or None when targets cannot join (not listening, app stopped).

    {"listen": "tls://0.0.0.0:8786", "dial": ..., "insecure": bool, "loopback_only": bool,
    "certs": folder or None, "host", "pid"}. `insecure` True means plain tcp: the page warns.
    """
    data = read_state()
    if data is None:
        return None
    if data.get("host") == socket.gethostname() and not pid_exists(int(data.get("pid") or 0)):
        return None
    return data


def cluster_client():  # type: ignore[no-untyped-def]
    """A client of the app's listening scheduler: this process's own (the app) or a new one
    with the app's certificates (a job's child, the CLI). UserError when nobody listens."""
    global _client, _client_address
    own = cluster._client
    if own is not None and own.status == "running" and cluster.get_settings().cluster_listen:
        return own
    state = cluster_state()
    if state is None:
        raise UserError("The app is not listening for targets.",
                        "Start the app with OVWB_CLUSTER_LISTEN=tls://0.0.0.0:8786 (see `python -m core cluster certs`).")
    with _client_lock:
        if _client is not None and _client.status == "running" and _client_address == state["dial"]:
            return _client
        from distributed import Client

        security = app_security(Path(state["certs"])) if state.get("certs") else None
        try:
            _client = Client(state["dial"], security=security, timeout=f"{CONNECT_TIMEOUT_S}s", set_as_default=False)
        except OSError as exc:
            raise UserError(f"Could not reach the app's scheduler at {state['dial']}: {exc}",
                            "Is the app running?") from None
        _client_address = state["dial"]
        return _client


def target_workers(client: Any) -> dict[str, dict[str, Any]]:
    """The connected targets: {name: {"address", "resources", "nthreads"}}."""
    found = {}
    for address, worker in client.scheduler_info(n_workers=-1)["workers"].items():
        name = str(worker.get("name", ""))
        if name.startswith(WORKER_PREFIX):
            found[name.removeprefix(WORKER_PREFIX)] = {"address": address, "resources": worker.get("resources") or {},
                                                        "nthreads": worker.get("nthreads")}
    return found


def worker_address(client: Any, name: str) -> str | None:
    entry = target_workers(client).get(name)
    return entry["address"] if entry else None


def refresh_targets(client: Any = None) -> list[Target]:
    """Bring the table in step with the scheduler: new workers get a host report, absent ones
    are marked lost (database clock). Returns every stored target."""
    client = client or cluster_client()
    connected = target_workers(client)
    with session_scope() as s:
        now = db_now(s)
        rows = {row.name: row for row in s.scalars(select(Target))}
    for name, worker in connected.items():
        row = rows.get(name)
        if row is not None and row.address == worker["address"] and row.lost_at is None and row.info:
            with session_scope() as s:
                s.execute(update(Target).where(Target.name == name).values(last_seen=now))
            continue
        try:
            report = client.run(host_report, workers=[worker["address"]])[worker["address"]]
        except Exception as exc:  # noqa: BLE001 - it may be leaving right now: report next time
            log.warning("no host report from %s: %s", name, exc)
            continue
        report["resources"] = worker["resources"]
        with session_scope() as s:
            target = s.scalars(select(Target).where(Target.name == name)).first()
            if target is None:
                target = Target(name=name)
                s.add(target)
            target.address, target.info, target.insecure = worker["address"], report, worker["address"].startswith("tcp://")
            target.joined_at, target.last_seen, target.lost_at = now, now, None
    for name, row in rows.items():
        if name not in connected and row.lost_at is None:
            mark_lost(name)
    with session_scope() as s:
        return list(s.scalars(select(Target).order_by(Target.name)))


def mark_lost(name: str) -> datetime:
    """Record that target `name` left (once); returns when, by the database clock."""
    with session_scope() as s:
        now = db_now(s)
        s.execute(update(Target).where(Target.name == name, Target.lost_at.is_(None)).values(lost_at=now))
        row = s.scalars(select(Target).where(Target.name == name)).first()
        return row.lost_at if row is not None and row.lost_at is not None else now


def local_report() -> dict[str, Any]:
    """This machine's host report (computed once per process)."""
    global _local_report
    if _local_report is None:
        _local_report = host_report()
        _local_report["target_name"] = LOCAL_NAME
    return _local_report


def _local_busy() -> bool:
    return any(lock_holder(f"device-{d['device']}") for d in local_report().get("devices", []))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(sep=" ", timespec="seconds") if value else None


def list_targets(refresh: bool = True) -> list[dict[str, Any]]:
    """Every target the page shows, "local" (this machine) first.

    Each: {"name", "state": "online"|"busy"|"lost", "address", "insecure", "joined_at",
    "last_seen", "lost_at", "info": host report, "devices": [names]}. Busy = a measurement
    runs on it now. When the app is not listening, remote targets are listed as lost.
    """
    client = None
    if refresh:
        try:
            client = cluster_client()
            refresh_targets(client)
        except UserError:
            client = None
    busy: set[str] = set()
    if client is not None:
        addresses = {w["address"]: n for n, w in target_workers(client).items()}
        for address, keys in client.processing().items():
            if address in addresses and any(str(k).startswith("ovwb-measure-") for k in keys):
                busy.add(addresses[address])
    report = local_report()
    items = [{"name": LOCAL_NAME, "state": "busy" if _local_busy() else "online", "address": "", "insecure": False,
              "joined_at": None, "last_seen": None, "lost_at": None, "info": report,
              "devices": [d["device"] for d in report.get("devices", [])]}]
    with session_scope() as s:
        rows = list(s.scalars(select(Target).order_by(Target.name)))
    for row in rows:
        lost = row.lost_at is not None or client is None
        items.append({
            "name": row.name,
            "state": "lost" if lost else "busy" if row.name in busy else "online",
            "address": row.address, "insecure": bool(row.insecure),
            "joined_at": _iso(row.joined_at), "last_seen": _iso(row.last_seen), "lost_at": _iso(row.lost_at),
            "info": row.info or {}, "devices": [d.get("device") for d in (row.info or {}).get("devices", [])],
        })
    return items


def forget_target(name: str) -> dict[str, Any]:
    """Remove a target that is gone for good from the list (its results keep its name).

    A connected target cannot be forgotten: it would only reappear at the next refresh."""
    try:
        connected = name in target_workers(cluster_client())
    except UserError:
        connected = False
    if connected:
        raise UserError(f"Target {name} is connected.", "Stop `target join` on that machine first, then forget it.")
    with session_scope() as s:
        row = s.scalars(select(Target).where(Target.name == name)).first()
        if row is not None:
            s.delete(row)
    return {"name": name, "forgotten": row is not None}
