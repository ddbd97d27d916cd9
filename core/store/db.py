"""Engine and sessions, shared by the UI process, job processes and the CLI.

SQLite is opened in WAL mode with a busy timeout: the UI reads while job processes write
progress, and two browser sessions write at once, without "database is locked" errors.

PostgreSQL (a team server, `OVWB_DATABASE_URL=postgresql://...`, driver psycopg 3) is tested
against a real server (tests/postgres.py). Its JSON type refuses NaN and Infinity, which
metrics hold (an SNR of identical outputs is inf): those floats are stored tagged and read back
as the floats they were. Several processes may open a fresh database at once: the tables are
made under an advisory lock. String lengths in models.py are not limits there (SQLite never
enforced them).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from threading import Lock
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, func, inspect, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import String

from core.config import get_settings, masked_url, normalise_database_url
from core.errors import UserError
from core.store.models import Base
from core.workspace import make_private_dir, private_files

_engines: dict[str, tuple[Engine, sessionmaker[Session]]] = {}
_lock = Lock()
# pg_advisory_xact_lock key of "make the tables": any fixed number, the same in every process.
_SCHEMA_LOCK_KEY = 0x6F76_7762  # "ovwb"
_FLOAT_TAG = "$float"
_NON_FINITE = {"nan", "inf", "-inf"}


@compiles(String, "postgresql")
def _unbounded_varchar(element: String, compiler: Any, **kw: Any) -> str:
    """String(200) is VARCHAR without a limit on PostgreSQL (same storage as TEXT): SQLite never
    enforced the lengths, and names come from users' files; a long one must not fail a write."""
    return "VARCHAR"


def _tag_non_finite(value: Any) -> Any:
    """NaN/Infinity as {"$float": "nan"|"inf"|"-inf"}: valid JSON for PostgreSQL. (A stored
    object that is exactly such a pair reads back as the float: no feature writes one.)"""
    if isinstance(value, float) and not math.isfinite(value):
        return {_FLOAT_TAG: repr(value)}
    if isinstance(value, dict):
        return {key: _tag_non_finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_tag_non_finite(item) for item in value]
    return value


def _json_dumps(value: Any) -> str:
    try:
        return json.dumps(value, allow_nan=False)
    except ValueError:  # a non-finite float somewhere: rare, so walk only then
        return json.dumps(_tag_non_finite(value), allow_nan=False)


def _untag(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and obj.get(_FLOAT_TAG) in _NON_FINITE:
        return float(obj[_FLOAT_TAG])
    return obj


def _json_loads(data: str | bytes) -> Any:
    tagged = (_FLOAT_TAG.encode() if isinstance(data, bytes) else _FLOAT_TAG) in data
    return json.loads(data, object_hook=_untag) if tagged else json.loads(data)


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
    url = normalise_database_url(database_url or settings.database_url)
    with _lock:
        if url not in _engines:
            private_files()  # the database and its -wal/-shm files: 0600
            db_file: Path | None = None
            if url.startswith("sqlite"):
                db_file = Path(url.split("///", 1)[1])
                make_private_dir(db_file.parent)
                engine = create_engine(url, connect_args={"timeout": 30})
                event.listen(engine, "connect", _sqlite_pragmas)
            elif url.startswith("postgresql"):
                engine = create_engine(url, pool_pre_ping=True, json_serializer=_json_dumps,
                                       json_deserializer=_json_loads)
            else:
                engine = create_engine(url, pool_pre_ping=True)
            try:
                with engine.begin() as connection:
                    if engine.dialect.name == "postgresql":
                        connection.execute(select(func.pg_advisory_xact_lock(_SCHEMA_LOCK_KEY)))
                    Base.metadata.create_all(connection)
                    _add_missing_columns(connection)
            except OperationalError as exc:
                engine.dispose()
                reason = (str(exc.orig).strip().splitlines() or [""])[0] if exc.orig is not None else ""
                hint = (
                    "Check that the workspace folder (OVWB_WORKSPACE) is on a local disk and writable."
                    if db_file is not None else
                    "Check OVWB_DATABASE_URL (host, port, user, password, database name) and that the server is running."
                )
                raise UserError(f"Cannot open the database {masked_url(url)}: {reason or type(exc).__name__}",
                                hint) from None
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


def _add_missing_columns(connection: Connection) -> None:
    """`create_all` makes missing tables, not missing columns: add new nullable columns to a
    database an older version made, so an upgrade never breaks an existing workspace. Runs in
    the caller's transaction (on PostgreSQL, under the schema lock)."""
    inspector = inspect(connection)
    existing_tables = set(inspector.get_table_names())
    for table in Base.metadata.tables.values():
        if table.name not in existing_tables:
            continue
        present = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in present or not column.nullable:
                continue
            column_type = column.type.compile(dialect=connection.dialect)
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
    this host's for SQLite (whose writers all share this host's clock). Naive UTC, as stored.

    PostgreSQL's CURRENT_TIMESTAMP is the start of the transaction; clock_timestamp() is now."""
    from core.store.models import utcnow

    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        return utcnow()
    clock = func.clock_timestamp() if bind.dialect.name == "postgresql" else func.current_timestamp()
    value = session.scalar(select(clock))
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
