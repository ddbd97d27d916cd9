"""Is a job's process still there? Checked on every read of job state, in microseconds.

A job row records who runs it (`Job.process`): the submitter ("owner", e.g. the app), the
supervisor (a Dask worker, or the CLI running it inline) and the child doing the work, each
as host + boot id + pid + the process's start time. On the same host and boot, "alive"
means the very process still exists (`os.kill(pid, 0)` plus the start time, so a reused
pid never passes) — no clock and no timeout involved, so a `kill -9` or a restart shows
within a second wherever the job is read. For a runner on another machine only its
heartbeat tells; heartbeats are written and compared with one clock (`core.store.db.db_now`).

A job found without a live runner gets a verdict that names the cause: "Worker lost",
"App restarted", "Machine restarted", "Runner stopped" — and "Cancelled" if the user had
asked to cancel it. The verdict is written only while the row still says queued/running, so
a verdict the job or its supervisor wrote a moment earlier always wins.
"""

from __future__ import annotations

import os
import signal
import socket
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

# A runner on another host (or of unknown identity) is lost when its heartbeat (every 2 s)
# is this old. Same-host runners never need it: their processes are checked directly.
STALE_HEARTBEAT_S = 60.0
# The supervisor writes the verdict within a poll (2 s) of its child's end; if the child is
# gone and nothing was written this long after the last heartbeat, the supervisor is stuck.
CHILD_GONE_GRACE_S = 15.0


@lru_cache(maxsize=1)
def boot_id() -> str:
    """Changes at every boot: a pid recorded before a reboot means nothing after it."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def host_name() -> str:
    return socket.gethostname()


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/PID/stat from field 3 on (state, ppid, ...), or None where /proc is missing."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (OSError, ValueError):
        return None
    # Field 2 (comm) may hold spaces and parentheses: split after its closing parenthesis.
    return stat[stat.rfind(")") + 2:].split()


def process_start(pid: int) -> int | None:
    """The process's start time (clock ticks since boot), or None where /proc is missing."""
    fields = _stat_fields(pid)
    try:
        return int(fields[19]) if fields else None  # field 22 overall
    except (IndexError, ValueError):
        return None


def identity(pid: int | None = None) -> dict[str, Any]:
    """This host's identity of process `pid` (default: this process), to store in a row."""
    pid = os.getpid() if pid is None else pid
    return {"host": host_name(), "boot": boot_id(), "pid": pid, "start": process_start(pid)}


def pid_exists(pid: int) -> bool:
    """The process exists and is not a zombie (a killed process nobody has reaped yet —
    in a container whose init does not reap, that can last forever)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    fields = _stat_fields(pid)
    return not (fields and fields[0] in ("Z", "X"))


@dataclass(frozen=True)
class Seen:
    """What this host can tell about a recorded process."""

    local: bool  # same host and boot: `alive` is a fact, not a guess
    alive: bool | None  # None: another host, only the heartbeat can tell
    rebooted: bool = False  # same host, another boot: certainly gone


def look(proc: dict[str, Any] | None) -> Seen:
    if not proc or not isinstance(proc.get("pid"), int):
        return Seen(local=False, alive=None)
    if proc.get("host") != host_name():
        return Seen(local=False, alive=None)
    if proc.get("boot") and boot_id() and proc["boot"] != boot_id():
        return Seen(local=True, alive=False, rebooted=True)
    pid = int(proc["pid"])
    if not pid_exists(pid):
        return Seen(local=True, alive=False)
    recorded, current = proc.get("start"), process_start(pid)
    if recorded is not None and current is not None and recorded != current:
        return Seen(local=True, alive=False)  # the pid was reused by another process
    return Seen(local=True, alive=True)


def kill_if_ours(proc: dict[str, Any] | None) -> None:
    """SIGKILL a recorded child that outlived its supervisor (nobody could cancel it)."""
    seen = look(proc)
    if seen.local and seen.alive and proc is not None:
        try:
            os.kill(int(proc["pid"]), signal.SIGKILL)
        except OSError:
            pass


Verdict = tuple[str, str, str]  # (message, error, hint)

HINT = "Start it again; results it had already stored are kept."


def _owner_identity(job: Any) -> dict[str, Any] | None:
    """The submitter: `Job.owner` ("host:pid") names it; `process["owner"]` adds its boot id
    and start time when they describe the same process (rows from before have none)."""
    host, _, pid = (job.owner or "").rpartition(":")
    if not pid.isdigit():
        return None
    recorded = (job.process or {}).get("owner") or {}
    if recorded.get("host") == host and recorded.get("pid") == int(pid):
        return recorded
    return {"host": host, "pid": int(pid)}


def lost_verdict(job: Any, now: datetime) -> Verdict | None:
    """Why the job can no longer finish, or None while it still can."""
    process = job.process or {}
    supervisor, child = process.get("supervisor"), process.get("child")
    owner = _owner_identity(job)
    owner_seen = look(owner)
    owner_gone = owner_seen.local and owner_seen.alive is False
    heartbeat_age = None if job.heartbeat_at is None else (now - job.heartbeat_at).total_seconds()
    app_gone = (
        "App restarted",
        "The app stopped or restarted while this job was queued or running, and its worker went with it.",
    )

    if supervisor:
        sup_seen = look(supervisor)
        if sup_seen.rebooted:
            return ("Machine restarted", "The machine restarted while this job ran: its process stopped with it.", HINT)
        if sup_seen.local and sup_seen.alive is False:
            inline = owner is not None and owner.get("pid") == supervisor.get("pid") and owner.get("host") == supervisor.get("host")
            if inline:
                return ("Runner stopped", "The command that ran this job stopped (it was killed or interrupted) before the job finished.", HINT)
            if owner_gone:
                return (*app_gone, HINT)
            return (
                "Worker lost",
                "The worker process running this job stopped (it was killed or crashed), so the job stopped too.",
                HINT,
            )
        if sup_seen.local and sup_seen.alive:
            child_seen = look(child)
            child_gone = child is not None and child_seen.local and child_seen.alive is False
            if child_gone and heartbeat_age is not None and heartbeat_age > CHILD_GONE_GRACE_S:
                return ("Worker lost", "The job's process stopped and its worker never reported why.", HINT)
            if heartbeat_age is not None and heartbeat_age > STALE_HEARTBEAT_S:
                return ("Worker lost", f"The job's worker stopped reporting (no heartbeat for {heartbeat_age:.0f} s).", HINT)
            return None
        # Another machine: only its heartbeat tells.
        if heartbeat_age is None or heartbeat_age > STALE_HEARTBEAT_S:
            return ("Worker lost", "The job's worker stopped reporting (no heartbeat for over a minute): it was lost.", HINT)
        return None

    # Never started by a supervisor (queued in Dask), or a row from before `process` existed.
    if job.state == "running" and (heartbeat_age is None or heartbeat_age > STALE_HEARTBEAT_S):
        return ("Interrupted", "The app or its worker stopped while this job was queued or running.", HINT)
    recently_beat = heartbeat_age is not None and heartbeat_age <= STALE_HEARTBEAT_S
    if owner_gone and not recently_beat:
        return (*app_gone, HINT)
    return None
