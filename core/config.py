"""Where the workbench keeps its state, read once from the environment.

Environment variables (all optional):
- OVWB_WORKSPACE: folder for artifacts, logs and the default SQLite database (./workspace).
- OVWB_DATABASE_URL: any SQLAlchemy URL; default sqlite:///<workspace>/ovwb.sqlite.
- OVWB_DASK_SCHEDULER: address of an existing Dask scheduler (tcp://host:8786); default: the
  app starts a LocalCluster of its own. Workers of a remote cluster must see the same
  workspace path and database.
- OVWB_DASK_WORKERS: worker processes of the LocalCluster (2).
- OVWB_CLUSTER_LISTEN: let remote targets join (core/targets): the app's scheduler listens on this
  address (tls://0.0.0.0:8786) with the certificates of `python -m core cluster certs`.
  Plain tcp:// is refused off loopback unless OVWB_CLUSTER_INSECURE=1.
- OVWB_CLUSTER_CERTS: folder of those certificates (default <workspace>/cluster/certs).
- OVWB_MAX_UPLOAD_MB: browser upload limit (2048).
- OVWB_JOB_TIMEOUT_S: watchdog for one job (7200).
- OVWB_LOCK_DIR: folder of the host-wide device locks (default /run/ovwb, /var/lock/ovwb or
  <temp>/ovwb-locks: shared by every workspace and user on the machine; see core/locks.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    workspace: Path
    database_url: str
    dask_scheduler: str | None
    dask_workers: int
    max_upload_mb: int
    job_timeout_s: float
    cluster_listen: str | None = None
    cluster_insecure: bool = False
    cluster_certs: Path | None = None

    @property
    def logs_dir(self) -> Path:
        return self.workspace / "logs"


def disable_telemetry() -> None:
    """No telemetry from OpenVINO, NNCF or ONNX Runtime, and no ~/intel folder: see
    core/telemetry.py (already run when `core` is imported; kept for existing callers)."""
    from core.telemetry import disable_telemetry as disable

    disable()


def get_settings() -> Settings:
    """Read the settings now (not at import), so tests can point at a fresh workspace."""
    workspace = Path(os.environ.get("OVWB_WORKSPACE", "workspace")).expanduser().resolve()
    default_db = f"sqlite:///{workspace / 'ovwb.sqlite'}"
    return Settings(
        workspace=workspace,
        database_url=os.environ.get("OVWB_DATABASE_URL", default_db),
        dask_scheduler=os.environ.get("OVWB_DASK_SCHEDULER") or None,
        dask_workers=int(os.environ.get("OVWB_DASK_WORKERS", "2")),
        max_upload_mb=int(os.environ.get("OVWB_MAX_UPLOAD_MB", "2048")),
        job_timeout_s=float(os.environ.get("OVWB_JOB_TIMEOUT_S", "7200")),
        cluster_listen=os.environ.get("OVWB_CLUSTER_LISTEN") or None,
        cluster_insecure=os.environ.get("OVWB_CLUSTER_INSECURE", "") not in ("", "0", "no", "false"),
        cluster_certs=Path(os.environ["OVWB_CLUSTER_CERTS"]).expanduser().resolve()
        if os.environ.get("OVWB_CLUSTER_CERTS") else None,
    )
