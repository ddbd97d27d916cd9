"""Per-layer times of a stored profile, traced back to the IR nodes they belong to.

A profile (issue 5's format: metrics["layers"] rows with name, real_ms, status,
original_layers ...) describes *runtime* layers. One runtime layer usually fuses several IR
nodes (Convolution + Add + Relu), and some IR nodes never run (folded constants, ops the
plugin removed). Each IR node gets a role:
- "owner": the IR node the runtime layer is named after (or its first original); it carries
  the layer's time,
- "fused": fused into another node's layer; its cost is in the owner's time,
- "not_executed": its layer did not run (status not_run / optimized_out),
- "absent": no runtime layer mentions it (e.g. removed by the plugin's transformations).
Keys are IR *names*, so a profile of one variant can be laid over the graph of another
variant of the same model (FP32 vs INT8 keep the original layer names).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.benchmark.profile_rows import EXECUTED, layer_originals, layer_status
from core.errors import UserError
from core.store import Result, session_scope





def attribute_layers(layers: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """IR name -> {role, time_ms (owners), group_ms, runtime_layer, type, exec_type, precision}."""
    by_name: dict[str, dict[str, Any]] = {}
    for row in layers:
        originals = layer_originals(row)
        if not originals:
            continue  # reorders and other plugin-inserted layers belong to no IR node
        status = layer_status(row)
        real_ms = float(row.get("real_ms") or 0.0)
        owner = row["name"] if row["name"] in originals else originals[0]
        for name in originals:
            entry = by_name.get(name)
            if status != EXECUTED:
                if entry is None:
                    by_name[name] = {"role": "not_executed", "time_ms": None, "group_ms": 0.0,
                                     "runtime_layer": row["name"], "status": status}
                continue
            info = {
                "runtime_layer": row["name"],
                "layer_type": row.get("type", ""),
                "exec_type": row.get("exec_type", ""),
                "precision": row.get("precision", ""),
                "status": status,
            }
            if entry is None or entry["role"] == "not_executed":
                entry = by_name[name] = {"role": "fused", "time_ms": None, "group_ms": 0.0, "fused_into": owner, **info}
            entry["group_ms"] += real_ms
            if name == owner:
                entry.update(info)
                entry["role"] = "owner"
                entry["time_ms"] = (entry["time_ms"] or 0.0) + real_ms
                entry.pop("fused_into", None)
    return by_name


def attribute_runtime_layers(layers: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The same record keyed by *runtime* layer name, for colouring the runtime graph."""
    by_name: dict[str, dict[str, Any]] = {}
    for row in layers:
        executed = layer_status(row) == EXECUTED
        real_ms = float(row.get("real_ms") or 0.0)
        by_name[row["name"]] = {
            "role": "owner" if executed else "not_executed",
            "time_ms": real_ms if executed else None,
            "group_ms": real_ms if executed else 0.0,
            "runtime_layer": row["name"],
            "layer_type": row.get("type", ""),
            "exec_type": row.get("exec_type", ""),
            "precision": row.get("precision", ""),
            "status": layer_status(row),
        }
    return by_name


def unattributed_ms(layers: list[dict[str, Any]]) -> float:
    """Time in layers that map to no IR node (mostly Reorders the plugin inserted)."""
    return sum(float(r.get("real_ms") or 0.0) for r in layers if not layer_originals(r) and layer_status(r) == EXECUTED)


def total_ms(layers: list[dict[str, Any]]) -> float:
    return sum(float(r.get("real_ms") or 0.0) for r in layers if layer_status(r) == EXECUTED)


def layers_from_json(data: Any) -> list[dict[str, Any]]:
    """Accept a row list, a profile ({"layers": ...}) or a stored Result ({"metrics": {...}})."""
    if isinstance(data, dict) and "metrics" in data:
        data = data["metrics"]
    if isinstance(data, dict):
        data = data.get("layers")
    if not isinstance(data, list) or not all(isinstance(r, dict) and "name" in r for r in data):
        raise UserError(
            "This is not a per-layer profile.",
            'Expected {"layers": [{"name", "real_ms", "status", "original_layers"}, ...]} '
            "as written by `python -m core profile MODEL.xml --json`.",
        )
    return data


def load_profile_file(path: Path | str) -> list[dict[str, Any]]:
    path = Path(path)
    try:
        return layers_from_json(json.loads(path.read_text()))
    except FileNotFoundError:
        raise UserError(f"There is no profile file {path}.") from None
    except json.JSONDecodeError as exc:
        raise UserError(f"{path.name} is not valid JSON: {exc}.") from None


def load_profile_result(result_id: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rows and description (variant, device, date) of a stored profile Result."""
    with session_scope() as session:
        result = session.get(Result, result_id)
        if result is None:
            raise UserError(f"There is no stored result {result_id}.", "List profiles with `python -m core results`.")
        layers = (result.metrics or {}).get("layers")
        if not layers:
            raise UserError(f"Result {result_id} ({result.kind}) has no per-layer profile.",
                            "Run a profile of the variant first (Benchmark page or `python -m core profile`).")
        about = {"id": result.id, "variant_id": result.variant_id, "device": result.device,
                 "created_at": result.created_at.isoformat() if result.created_at else None}
        return layers_from_json(layers), about


def list_profiles(variant_id: int | None = None) -> list[dict[str, Any]]:
    """Stored profile Results (newest first), for the pickers."""
    from sqlalchemy import select

    with session_scope() as session:
        query = select(Result).where(Result.kind == "profile").order_by(Result.id.desc())
        if variant_id is not None:
            query = query.where(Result.variant_id == variant_id)
        return [
            {"id": r.id, "variant_id": r.variant_id, "device": r.device,
             "created_at": r.created_at.isoformat() if r.created_at else None,
             "total_ms": (r.metrics or {}).get("total_ms")}
            for r in session.scalars(query)
            if (r.metrics or {}).get("layers")
        ]
