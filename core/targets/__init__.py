"""Remote targets: measure on the machines (and devices) a model will be deployed on.

How it fits together
--------------------
* The app's LocalCluster listens for targets when OVWB_CLUSTER_LISTEN is set
  (e.g. `tls://0.0.0.0:8786`; core/jobs/cluster.py). Mutual TLS with the certificates of
  `python -m core cluster certs` (certs.py): nobody without a CA-signed certificate connects.
  Plain tcp:// is refused off loopback unless OVWB_CLUSTER_INSECURE=1 (address.py), and the
  insecure state is recorded (`cluster_state()["insecure"]`) so the page can warn.
* A lab machine joins with one command (join.py), needing only the address and the bundle:
      python -m core target join tls://APP-HOST:8786 --name edge-box --certs ./target
  It runs a Dask worker `ovwb-target:edge-box` with one resource `device-<DEV>` per OpenVINO
  device, and its own work folder; it never sees the app's workspace or database.
* Jobs stay on the app host (supervisor, child, database). A job with `host="edge-box"`
  (`submit_job(..., host=...)`, `run_job_inline(..., host=...)`) measures there:
  `core.targets.measure.measure(ctx, adapter, xml_path, device=..., **json_kwargs)` sends the IR
  once (content-addressed) with any `Travels(path)` argument (a reference IR, a sample pack of
  core/datasets/packs.py), runs the adapter (core/benchmark/measure.py, core/accuracy/measure.py)
  in a child process on the target, relays progress, stops it on cancel, and fails with "Target
  NAME lost at TIME" if the target leaves (remote.py, on_target.py, runner.py, travels.py).
  Which machine a request measures on: its `target` option (choice.py). The stored Result's `machine` is the
  target's machine summary plus {"target": NAME}; its metrics carry `target` too. A local
  result has no "target" key in `machine`: read it as `machine.get("target", "local")`.

API for pages and the CLI
-------------------------
    list_targets(refresh: bool = True) -> list[dict]
        "local" first, then every target ever joined: {"name", "state": "online"|"busy"|"lost",
        "address", "insecure", "joined_at", "last_seen", "lost_at" (text, UTC, DB clock),
        "info": host report {"machine", "hostname", "cpu_flags", "usable_cpus", "memory_mb",
        "devices": [core.system_info.device_info(...) of that host], "resources"}, "devices": [names]}.
    start_listening() -> dict | None
        The app calls this at startup (and the Targets page before listing): with
        OVWB_CLUSTER_LISTEN set it starts the app's cluster now, so targets can join before the
        first job; returns cluster_state() (None when not configured to listen).
    refresh_targets(client=None) -> list[Target]      sync the `targets` table with the scheduler
    forget_target(name) -> {"name", "forgotten": bool} remove a lost target from the list (UserError if connected)
    cluster_state() -> dict | None                     listening? {"listen", "insecure", "loopback_only", ...}
    join_command(name="NAME") -> str                   the command to show for adding a target
    create_certs(folder=None, force=False) -> dict     the CA, scheduler cert and target bundle
    core.cluster.certs.create_target_bundle(name, folder=None) -> dict
        a bundle for one target only (`cluster certs --target NAME`): it joins as NAME, nothing else
    LOCAL_NAME = "local"                               the app's own machine (host "" in jobs)

    core.jobs.submit_job(kind, entrypoint, params, ..., host="edge-box")
    core.jobs.run_job_inline(..., host="edge-box")
    Job.host: the target name (None/"" = this machine).

Roles (guard.py): a target's certificate may register a worker named ovwb-target:* with device
resources and nothing else on the scheduler (no client, no tasks, no run/broadcast); a target's
worker answers only the app side.

CLI: `python -m core cluster certs [--dir D] [--force] [--target NAME]`, `python -m core cluster status`,
`python -m core target join ADDRESS --name NAME [--certs DIR] [--dir WORKDIR] [--insecure]
[--threads N]`, `python -m core target list [--json]`, `python -m core target forget NAME`.
"""

from __future__ import annotations

from typing import Any

from core.cluster.certs import create_certs
from core.cluster.names import LOCAL_NAME
from core.config import get_settings
from core.jobs.cluster import get_client
from core.targets.cli import join_command
from core.targets.registry import cluster_state, forget_target, list_targets, refresh_targets


def start_listening() -> dict[str, Any] | None:
    """Start the app's cluster now when it should listen for targets (so they can join before the
    first job); its state, or None when it does not listen here."""
    settings = get_settings()
    if not settings.cluster_listen or settings.dask_scheduler:
        return None
    get_client()
    return cluster_state()


__all__ = ["LOCAL_NAME", "cluster_state", "create_certs", "forget_target", "join_command", "list_targets",
           "refresh_targets", "start_listening"]
