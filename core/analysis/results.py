"""Stored layer-error analyses, read back for other features (the Graph page paints them).

A layer-error run is a Result row of kind "layer_error" on the analysed variant, holding every
layer's relative error, cosine, SNR and jump; readers get the rows without knowing that shape.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.errors import UserError
from core.store import Result, session_scope

LAYER_ERROR_KIND = "layer_error"


def list_layer_error_results(variant_id: int) -> list[dict[str, Any]]:
    """Newest first: id, when, samples, against which parent, and where the error jumps most."""
    with session_scope() as s:
        rows = s.scalars(select(Result).where(Result.kind == LAYER_ERROR_KIND, Result.variant_id == variant_id)
                         .order_by(Result.id.desc())).all()
        listed = []
        for row in rows:
            metrics = row.metrics or {}
            ranking = metrics.get("ranking") or []
            parent = (metrics.get("parent") or {}).get("variant_id") or (row.config or {}).get("parent")
            listed.append({
                "id": row.id,
                "created_at": row.created_at.isoformat() if row.created_at else None,
                "samples": metrics.get("samples"),
                "parent": parent,
                "worst": ranking[0]["name"] if ranking else None,
                "label": f"#{row.id} · {metrics.get('samples')} samples vs #{parent} · largest jump at "
                         f"{ranking[0]['name'] if ranking else '—'}",
            })
        return listed


def load_layer_error_rows(result_id: int) -> list[dict[str, Any]]:
    """The per-layer rows of one stored analysis."""
    with session_scope() as s:
        row = s.get(Result, result_id)
        if row is None or row.kind != LAYER_ERROR_KIND:
            raise UserError(f"There is no layer-error result {result_id}.",
                            "Run one on the INT8 analysis page or with `python -m core layer-error PARENT VARIANT --data ID`.")
        return [legacy_finite(layer) for layer in (row.metrics or {}).get("layers") or []]


def legacy_finite(layer: dict[str, Any]) -> dict[str, Any]:
    """Rows stored before JSON figures became null-or-number held "inf"/"-inf" strings: read
    them as today's rows (null, with `identical` where SNR was +inf), so readers see one shape."""
    if not any(isinstance(layer.get(key), str) for key in ("relative_error", "input_error", "snr_db")):
        return layer
    fixed = {key: (None if isinstance(value, str) and value in ("inf", "-inf") else value)
             for key, value in layer.items()}
    fixed.setdefault("identical", layer.get("snr_db") == "inf")
    return fixed
