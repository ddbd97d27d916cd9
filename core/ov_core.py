"""The one OpenVINO Core of this process, and reading a model through it.

Creating an `ov.Core` loads the device plugins (~100 ms), so every feature shares one. Every
feature also reads a model the same way: a missing or unreadable file becomes a UserError
that says which file and why, never a traceback. OpenVINO itself is imported on first use,
so importing this module stays cheap.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from core.errors import UserError


@functools.lru_cache(maxsize=1)
def core_instance():  # type: ignore[no-untyped-def]
    """One ov.Core per process: creating it loads plugins (~100 ms)."""
    import openvino as ov

    return ov.Core()


def read_model(xml_path: Path | str) -> Any:
    """The `ov.Model` of an IR (or any file OpenVINO reads); a missing or bad file is a UserError."""
    path = Path(xml_path)
    if not path.is_file():
        raise UserError(f"There is no model file {path}.", "Give the path of an IR .xml (its .bin next to it).")
    try:
        return core_instance().read_model(str(path))
    except Exception as exc:  # a broken or foreign file: say so plainly
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise UserError(f"OpenVINO cannot read {path.name}: {reason}") from exc
