"""Files an adapter needs besides the measured IR, marked so they reach the measuring host.

Here they are paths; for a target, core/targets/remote.py sends each one (content-addressed)
and puts a marker in its place that the target's runner turns into the path of its own copy
(core/targets/on_target.resolve_travelled).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Travels:
    """A file argument of an adapter that has to be where the measurement runs.

    `model=True`: an IR .xml, sent with its .bin like the measured model; else one file."""

    path: Path
    model: bool = False


def local_arguments(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The adapter's arguments on this machine: each `Travels` is simply its path."""
    return {key: str(value.path) if isinstance(value, Travels) else value for key, value in kwargs.items()}
