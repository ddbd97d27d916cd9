"""Where the workbench keeps its state, read once from the environment.

Environment variables (all optional):
- OVWB_WORKSPACE: folder for artifacts, logs and the default SQLite database (./workspace).
- OVWB_DATABASE_URL: any SQLAlchemy URL; default sqlite:///<workspace>/ovwb.sqlite.
- OVWB_DASK_SCHEDULER: address of an existing Dask scheduler (tcp://host:8786); default: the
  app starts a LocalCluster of its own. Workers of a remote cluster must see the same
  workspace path and database.
- OVWB_DASK_WORKERS: worker processes of the LocalCluster (2).
- OVWB_MAX_UPLOAD_MB: browser upload limit (2048).
- OVWB_JOB_TIMEOUT_S: watchdog for one job (7200).
"""

from __future__ import annotations

import contextlib
import io
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

    @property
    def logs_dir(self) -> Path:
        return self.workspace / "logs"


OPENVINO_TELEMETRY_ID = "G-W5E9RNLD4H"  # the id `opt_in_out --opt_out` uses
_telemetry_disabled = False


def disable_telemetry() -> None:
    """OpenVINO and NNCF send usage data unless opted out; our users' labs are offline.

    This is what `opt_in_out --opt_out` does (it writes the consent file under ~/intel),
    done from code so a fresh machine is opted out before the first model is read.
    """
    global _telemetry_disabled
    if _telemetry_disabled:
        return
    _telemetry_disabled = True
    try:
        import openvino_telemetry

        with contextlib.redirect_stdout(io.StringIO()):  # it prints a banner; keep JSON clean
            openvino_telemetry.Telemetry.opt_out(tid=OPENVINO_TELEMETRY_ID)
    except Exception:  # telemetry package absent, or home not writable: nothing to send from
        pass


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
    )
