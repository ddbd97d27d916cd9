"""A real PostgreSQL server for the tests: Debian's `postgresql` binaries (`make test-setup`
installs them), a throw-away data directory, 127.0.0.1 on a free port, password auth.

One server per test session (initdb + start take ~3 s); each test gets its own database
(CREATE DATABASE takes a fraction of a second) and drops it afterwards with FORCE, which also
closes the connections long-lived Dask workers pooled for it.

PostgreSQL refuses to run as root. Run as root (a container, CI), the server runs as the
`postgres` user (or `nobody`) through `setpriv`, in a folder that user owns. The server's time
zone is far from UTC on purpose: a timestamp read back without converting it to UTC would make
every heartbeat look 14 hours old (or new).
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

SERVER_TIMEZONE = "Pacific/Kiritimati"  # UTC+14
USER = "ovwb"


def find_binary(name: str) -> str | None:
    """`initdb`/`pg_ctl` on PATH, else the newest under /usr/lib/postgresql/*/bin (Debian keeps
    them off PATH)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
    candidates.sort(key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0)
    return candidates[-1] if candidates else None


def _run_as() -> pwd.struct_passwd | None:
    """Who runs the server when we are root (None: ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root and neither a `postgres` nor a `nobody` user exists to run PostgreSQL")


class PostgresServer:
    """Start, make databases, stop. Not a context manager on purpose: the fixture owns it."""

    def __init__(self) -> None:
        initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
        if not initdb or not pg_ctl:
            raise FileNotFoundError(
                "PostgreSQL server binaries (initdb, pg_ctl) are missing: run `make test-setup` "
                "(it installs Debian's postgresql package)")
        self.initdb, self.pg_ctl = initdb, pg_ctl
        self.user = _run_as()
        self.root = Path(tempfile.mkdtemp(prefix="ovwb-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.password = secrets.token_urlsafe(16)
        self.port = 0
        self._databases = 0
        if self.user is not None:
            os.chown(self.root, self.user.pw_uid, self.user.pw_gid)
        self.root.chmod(0o700)

    def _command(self, *argv: str) -> list[str]:
        if self.user is None:
            return list(argv)
        return ["setpriv", f"--reuid={self.user.pw_uid}", f"--regid={self.user.pw_gid}", "--clear-groups", *argv]

    def _run(self, *argv: str, timeout: float = 120) -> None:
        result = subprocess.run(self._command(*argv), capture_output=True, text=True, timeout=timeout,
                                cwd=str(self.root))
        if result.returncode != 0:
            log = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(argv[:2])} failed ({result.returncode}): {result.stderr[-2000:]}\n{log}")

    def start(self) -> None:
        from tests.conftest import free_port

        pwfile = self.root / "pwfile"
        pwfile.write_text(self.password + "\n")
        pwfile.chmod(0o600)
        if self.user is not None:
            os.chown(pwfile, self.user.pw_uid, self.user.pw_gid)
        self._run(self.initdb, "-D", str(self.data), "-U", USER, f"--pwfile={pwfile}", "--auth-local=trust",
                  "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
        pwfile.unlink()
        self.port = free_port()
        options = " ".join([
            "-c listen_addresses=127.0.0.1", f"-p {self.port}", f"-c unix_socket_directories={self.root}",
            "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off",
            f"-c timezone={SERVER_TIMEZONE}", "-c max_connections=200",
        ])
        self._run(self.pg_ctl, "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", options, "start")

    def url(self, database: str = "postgres", driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://{USER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url(driver="postgresql"), autocommit=True) as connection:
            connection.execute(sql)

    def new_database(self) -> str:
        """A fresh, empty database; its name is unique for the session."""
        self._databases += 1
        name = f"ovwb_test_{self._databases}"
        self._admin(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        """WITH (FORCE) ends other processes' connections to it (Dask workers pool theirs)."""
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if self.port:
            try:
                self._run(self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop", timeout=60)
            except (RuntimeError, subprocess.TimeoutExpired):
                self._run(self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=60)
            self.port = 0
        for _ in range(3):
            shutil.rmtree(self.root, ignore_errors=True)
            if not self.root.exists():
                break
            time.sleep(0.2)
