"""Engine and sessions, shared by the UI process, job processes and the CLI.

SQLite is opened in WAL mode with a busy timeout: the UI reads while job processes write
progress, and two browser sessions write at once, without "database is locked" errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from threading import Lock

from sqlalchemy import Engine, create_engine, event, func, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from core.config import get_settings
from core.store.models import Base
from core.workspace import make_private_dir, private_files

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
            private_files()  # the database and its -wal/-shm files: 0600
            db_file: Path | None = None
            if url.startswith("sqlite"):
                db_file = Path(url.split("///", 1)[1])
                make_private_dir(db_file.parent)
                engine = create_engine(url, connect_args={"timeout": 30})
                event.listen(engine, "connect", _sqlite_pragmas)
            else:
                engine = create_engine(url, pool_pre_ping=True)
            Base.metadata.create_all(engine)
            _add_missing_columns(engine)
            if db_file is not None and db_file.exists():
                _make_private(db_file)
            _engines[url] = (engine, sessionmaker(engine, expire_on_commit=False))
        return _engines[url]


def _make_private(db_file: Path) -> None:
    """Owner-only database files, also for a database made before files were private."""
    for path in (db_file, db_file.with_name(db_file.name + "-wal"), db_file.with_name(db_file.name + "-shm")):
        try:
            if path.exists() and path.stat().st_mode & 0o077:
                path.chmod(0o600)
        except OSError:
            pass


def _add_missing_columns(engine: Engine) -> None:
    """`create_all` makes missing tables, not missing columns: add new nullable columns to a
    database an older version made, so an upgrade never breaks an existing workspace."""
    inspector = inspect(engine)
    existing_tables = set(inspector.get_table_names())
    with engine.begin() as connection:
        for table in Base.metadata.tables.values():
            if table.name not in existing_tables:
                continue
            present = {column["name"] for column in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in present or not column.nullable:
                    continue
                column_type = column.type.compile(dialect=engine.dialect)
                connection.execute(text(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {column_type}'))


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


def db_now(session: Session) -> datetime:
    """Now, by the one clock every job process compares heartbeats with: the database
    server's for a server database (runners on several machines, their clocks may differ),
    this host's for SQLite (whose writers all share this host's clock). Naive UTC, as stored."""
    from core.store.models import utcnow

    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        return utcnow()
    value = session.scalar(select(func.current_timestamp()))
    if not isinstance(value, datetime):
        return utcnow()
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


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
