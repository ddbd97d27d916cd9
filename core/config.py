"""Where the workbench keeps its state, read once from the environment.

Environment variables (all optional):
- OVWB_WORKSPACE: folder for artifacts, logs and the default SQLite database (./workspace).
- OVWB_DATABASE_URL: default sqlite:///<workspace>/ovwb.sqlite. A team server uses PostgreSQL:
  postgresql://user:password@host:5432/dbname (read as postgresql+psycopg://, the pinned psycopg 3
  driver). Print it only through `masked_url` (the password never reaches a log or a page).
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


def normalise_database_url(url: str) -> str:
    """`postgresql://` and `postgres://` (what PostgreSQL's own tools and most hosting
    panels write) mean the psycopg 3 driver this project pins; SQLAlchemy alone would pick
    psycopg2, which is not installed. Other URLs pass unchanged."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def masked_url(url: str) -> str:
    """The URL with its password as ***, for anything a person or a log may read."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        scheme, sep, rest = url.partition("://")
        if not sep or "@" not in rest:
            return url
        credentials, _, host = rest.rpartition("@")
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in credentials else url


class DatabaseUrl:
    """A database URL handed to another process (a Dask task argument): Dask logs a failed
    task's arguments by their repr, so repr and str show the URL with its password masked.
    `reveal()` gives the URL itself to the code that connects."""

    __slots__ = ("_url",)

    def __init__(self, url: str) -> None:
        self._url = url

    def reveal(self) -> str:
        return self._url

    def __repr__(self) -> str:
        return f"DatabaseUrl({masked_url(self._url)!r})"

    __str__ = __repr__

    def __reduce__(self) -> tuple[type[DatabaseUrl], tuple[str]]:
        return (DatabaseUrl, (self._url,))


def get_settings() -> Settings:
    """Read the settings now (not at import), so tests can point at a fresh workspace."""
    workspace = Path(os.environ.get("OVWB_WORKSPACE", "workspace")).expanduser().resolve()
    default_db = f"sqlite:///{workspace / 'ovwb.sqlite'}"
    return Settings(
        workspace=workspace,
        database_url=normalise_database_url(os.environ.get("OVWB_DATABASE_URL") or default_db),
        dask_scheduler=os.environ.get("OVWB_DASK_SCHEDULER") or None,
        dask_workers=int(os.environ.get("OVWB_DASK_WORKERS", "2")),
        max_upload_mb=int(os.environ.get("OVWB_MAX_UPLOAD_MB", "2048")),
        job_timeout_s=float(os.environ.get("OVWB_JOB_TIMEOUT_S", "7200")),
        cluster_listen=os.environ.get("OVWB_CLUSTER_LISTEN") or None,
        cluster_insecure=os.environ.get("OVWB_CLUSTER_INSECURE", "") not in ("", "0", "no", "false"),
        cluster_certs=Path(os.environ["OVWB_CLUSTER_CERTS"]).expanduser().resolve()
        if os.environ.get("OVWB_CLUSTER_CERTS") else None,
    )
