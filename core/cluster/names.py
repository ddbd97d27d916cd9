"""How targets are named: the rule a name follows, the Dask worker name it becomes, and the name
of the app's own machine. Shared by the certificates (a bundle for one name), the guard (a
certificate may register only its own name) and the targets that join."""

from __future__ import annotations

import re

from core.errors import UserError

LOCAL_NAME = "local"  # the app's own machine (host "" in jobs)
WORKER_PREFIX = "ovwb-target:"  # a target's Dask worker name: this prefix, then the target's name
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")


def check_name(name: str) -> str:
    if not NAME_PATTERN.match(name or ""):
        raise UserError(f"{name!r} is not a usable target name.",
                        "Use 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit (e.g. edge-box).")
    if name.lower() == LOCAL_NAME:
        raise UserError("'local' is the app's own machine.", "Give this target another name, e.g. its host name.")
    return name
