"""Stored accuracy measurements: one Result row of kind "accuracy" on the measured variant.

Written by the accuracy job and by quantization jobs that measure their new variant, so both
store the same shape (and the Compare page reads one kind of row).
"""

from __future__ import annotations

from typing import Any

from core.store import Result, session_scope
from core.system_info import machine_summary


def store_accuracy_result(variant_id: int, accuracy: dict[str, Any], config: dict[str, Any], job_id: int | None) -> int:
    with session_scope() as s:
        row = Result(kind="accuracy", variant_id=variant_id, job_id=job_id, device=accuracy["report"].get("device"),
                     config=config, metrics=accuracy, machine=machine_summary())
        s.add(row)
        s.flush()
        return row.id
