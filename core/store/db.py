"""Engine and sessions, shared by the UI process, job processes and the CLI.

SQLite is opened in WAL mode with a busy timeout: the UI reads while job processes write
progress, and two browser sessions write at once, without "database is locked" errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from threading import Lock

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from core.config import get_settings
from core.store.models import Base

_engine: Engine | None = None
_engine_url: str | None = None
_sessions: sessionmaker[Session] | None = None
_lock = Lock()


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def get_engine() -> Engine:
    """The engine for the current settings; re-created when OVWB_* variables change (tests)."""
    global _engine, _engine_url, _sessions
    settings = get_settings()
    with _lock:
        if _engine is None or _engine_url != settings.database_url:
            if _engine is not None:
                _engine.dispose()
            url = settings.database_url
            if url.startswith("sqlite"):
                settings.workspace.mkdir(parents=True, exist_ok=True)
                engine = create_engine(url, connect_args={"timeout": 30})
                event.listen(engine, "connect", _sqlite_pragmas)
            else:
                engine = create_engine(url, pool_pre_ping=True)
            Base.metadata.create_all(engine)
            _engine, _engine_url = engine, url
            _sessions = sessionmaker(engine, expire_on_commit=False)
        return _engine


def init_db() -> Engine:
    """Create the tables if missing (idempotent)."""
    return get_engine()


def reset_engine() -> None:
    """Forget the engine (tests switch workspaces; a forked process must not share sockets)."""
    global _engine, _engine_url, _sessions
    with _lock:
        if _engine is not None:
            _engine.dispose()
        _engine = _engine_url = _sessions = None


@contextmanager
def session_scope() -> Iterator[Session]:
    """A transaction: commit when the block ends, roll back if it raises."""
    get_engine()
    assert _sessions is not None
    session = _sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
