"""The workbench database: models, variants (with lineage), datasets, jobs, results.

Usage: `with session_scope() as s: s.add(Model(...))` — commits on success, rolls back on
error. Paths inside rows are relative to the workspace, so a workspace folder can move.
"""

from core.store.db import db_now, init_db, reset_engine, session_scope
from core.store.models import Base, Dataset, Job, JobState, Model, Result, Variant

__all__ = [
    "Base",
    "Dataset",
    "Job",
    "JobState",
    "Model",
    "Result",
    "Variant",
    "db_now",
    "init_db",
    "reset_engine",
    "session_scope",
]
