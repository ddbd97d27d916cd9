"""Reads a page needs of stored rows, so that pages never open a database session themselves."""

from __future__ import annotations

from typing import Any

from core.store.db import session_scope
from core.store.models import Result


def stored_metrics(result_id: int | None) -> dict[str, Any]:
    """The metrics of a stored result (a job's report), {} when there is none or it was deleted."""
    if result_id is None:
        return {}
    with session_scope() as session:
        stored = session.get(Result, int(result_id))
        return dict(stored.metrics or {}) if stored is not None else {}
