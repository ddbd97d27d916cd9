"""Reading per-layer profile data: the runtime model's rt_info, and stored profile rows.

Stored rows (Result kind "profile", metrics["layers"]) are written by core/benchmark/profile;
the graph viewer and the comparison read them. Rows from older runs may hold statuses as
"Status.EXECUTED" and original layers as one comma-separated string: read them one way here.
"""

from __future__ import annotations

from typing import Any

EXECUTED = "executed"


def rt_value(info: Any, key: str) -> str:
    """One rt_info value of a runtime-model node as text ("" when the plugin did not write it)."""
    try:
        return info[key].astype(str)
    except Exception:  # a key this device does not write
        return ""


def layer_status(row: dict[str, Any]) -> str:
    """"executed", "not_run" or "optimized_out", whatever spelling the row was stored with."""
    return str(row.get("status", EXECUTED)).rsplit(".", 1)[-1].lower()


def layer_originals(row: dict[str, Any]) -> list[str]:
    """The IR layers a runtime layer was made from."""
    originals = row.get("original_layers") or []
    if isinstance(originals, str):
        originals = [name for name in originals.split(",") if name]
    return list(originals)
