"""Engine and sessions, shared by the UI process, job processes and the CLI.

SQLite is opened in WAL mode with a busy timeout: the UI reads while job processes write
progress, and two browser sessions write at once, without "database is locked" errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from threading import Lock

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from core.config import get_settings
from core.store.models import Base

_engines: dict[str, tuple[Engine, sessionmaker[Session]]] = {}
_lock = Lock()


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _engine_and_sessions(database_url: str | None) -> tuple[Engine, sessionmaker[Session]]:
    """One engine per URL. A job supervisor names its URL explicitly: a Dask worker's
    environment was fixed when the cluster started and may point at another workspace."""
    settings = get_settings()
    url = database_url or settings.database_url
    with _lock:
        if url not in _engines:
            if url.startswith("sqlite"):
                Path(url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
                engine = create_engine(url, connect_args={"timeout": 30})
                event.listen(engine, "connect", _sqlite_pragmas)
            else:
                engine = create_engine(url, pool_pre_ping=True)
            Base.metadata.create_all(engine)
            _engines[url] = (engine, sessionmaker(engine, expire_on_commit=False))
        return _engines[url]


def get_engine(database_url: str | None = None) -> Engine:
    return _engine_and_sessions(database_url)[0]


def init_db() -> Engine:
    """Create the tables if missing (idempotent)."""
    return get_engine()


def reset_engine() -> None:
    """Forget all engines (tests switch workspaces; a forked process must not share sockets)."""
    with _lock:
        for engine, _ in _engines.values():
            engine.dispose()
        _engines.clear()


@contextmanager
def session_scope(database_url: str | None = None) -> Iterator[Session]:
    """A transaction: commit when the block ends, roll back if it raises."""
    session = _engine_and_sessions(database_url)[1]()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
