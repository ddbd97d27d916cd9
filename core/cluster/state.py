"""Where the app's listening scheduler is, for this workspace's other processes.

The app's cluster writes `<workspace>/cluster/scheduler.json` when it starts listening
(address, insecure or not, where its certificates are), so a job's child or the CLI can reach
the same scheduler with the app's certificates (core/targets/registry.py reads it).
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any

from core.config import get_settings
from core.workspace import make_private_dir


def state_file() -> Path:
    return get_settings().workspace / "cluster" / "scheduler.json"


def write_state(listen: Any, certs_dir: Path | None) -> None:
    """Record the listening scheduler (an `address.Listen`) and its certificates folder."""
    folder = make_private_dir(state_file().parent)
    data = {"listen": listen.url, "dial": listen.dial_url(), "insecure": listen.insecure,
            "loopback_only": listen.loopback, "certs": str(certs_dir) if certs_dir else None,
            "host": socket.gethostname(), "pid": os.getpid()}
    tmp = folder / "scheduler.json.tmp"
    tmp.write_text(json.dumps(data))
    os.replace(tmp, folder / "scheduler.json")


def read_state() -> dict[str, Any] | None:
    """What the last listening scheduler recorded, or None (never listened, unreadable)."""
    try:
        data = json.loads(state_file().read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
