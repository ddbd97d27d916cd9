"""Statistics of a Constant's values: what Netron shows for weights, computed without copies.

Users look at weights to spot broken conversions (all zeros, NaNs, huge ranges) and to see
how sparse or how large a layer is, so the figures are exact, not sampled.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# Beyond this many elements a Constant is summarised by a strided sample: a 1 GB embedding
# must not stall the page; the figures say that they are sampled.
EXACT_LIMIT = 16_000_000


def weight_stats(values: np.ndarray, byte_size: int, element_type: str) -> dict[str, Any]:
    """min / max / mean / std / sparsity / size of one Constant."""
    flat = np.asarray(values).reshape(-1)
    stats: dict[str, Any] = {
        "shape": list(np.shape(values)),
        "dtype": element_type,
        "elements": int(flat.size),
        "size_bytes": int(byte_size),
        "sampled": False,
    }
    if flat.size == 0:
        return stats
    if flat.size > EXACT_LIMIT:
        flat = flat[:: flat.size // EXACT_LIMIT + 1]
        stats["sampled"] = True
    if flat.dtype == bool:
        flat = flat.astype(np.uint8)
    if not np.issubdtype(flat.dtype, np.number):
        return stats
    finite = flat if np.issubdtype(flat.dtype, np.integer) else flat[np.isfinite(flat)]
    stats["non_finite"] = int(flat.size - finite.size)
    if finite.size:
        stats.update(
            min=float(finite.min()),
            max=float(finite.max()),
            mean=float(finite.mean(dtype=np.float64)),
            std=float(finite.std(dtype=np.float64)),
        )
    stats["sparsity"] = float(np.count_nonzero(flat == 0) / flat.size)
    return stats


def constant_stats(op: Any) -> dict[str, Any]:
    """Stats of an ov Constant node; packed low-bit types (u4/i4/nf4) report size only."""
    element_type = op.get_output_element_type(0).get_type_name()
    shape = [int(d) for d in op.get_output_shape(0)]
    try:
        values = op.get_data()
    except Exception:  # types numpy cannot hold (u1, nf4 ...): shape and size are still useful
        values = None
    if values is None or element_type in ("u4", "i4", "nf4", "u1", "u2", "u3", "u6", "f4e2m1"):
        return {"shape": shape, "dtype": element_type, "elements": int(np.prod(shape)) if shape else 1,
                "size_bytes": int(op.get_byte_size()), "sampled": False}
    stats = weight_stats(values, op.get_byte_size(), element_type)
    stats["shape"] = shape
    return stats
