"""The results being compared, each with what the table needs from its variant.

A benchmark Result alone says how fast; the comparison also needs the variant's precision,
size on disk, lineage and accuracy, so they are loaded once here and carried together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.compare.accuracy import AccuracyFigure, accuracy_by_variant
from core.errors import UserError
from core.store import Result, Variant, session_scope
from core.workspace import resolve

COMPARABLE_KINDS = ("benchmark",)
PROFILE_KIND = "profile"
RESULTS_HINT = "List them with `python -m core results`."


@dataclass
class Entry:
    """One benchmark result with its variant's facts."""

    result_id: int
    variant_id: int | None
    model_id: int | None
    model_name: str
    variant_name: str
    precision: str
    parent_id: int | None
    size_bytes: int | None
    xml_path: str | None  # absolute, for the reproduce command
    device: str
    config: dict[str, Any]
    metrics: dict[str, Any]
    machine: dict[str, Any]
    job_id: int | None
    created_at: str | None
    accuracy: AccuracyFigure | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def hint(self) -> str:
        return str(self.config.get("hint") or "none")

    @property
    def streams(self) -> Any:
        return self.metrics.get("nstreams_actual") or self.config.get("nstreams")

    @property
    def requests(self) -> Any:
        return self.metrics.get("nireq_actual") or self.config.get("nireq")

    @property
    def batch(self) -> int:
        return int(self.metrics.get("batch_actual") or self.config.get("batch") or 1)

    @property
    def settings_text(self) -> str:
        """The settings in words, as the table and the recommendation show them."""
        parts = [f"{self.hint} hint"]
        if self.streams:
            parts.append(f"{self.streams} stream{'s' if self.streams != 1 else ''}")
        if self.requests:
            parts.append(f"{self.requests} request{'s' if self.requests != 1 else ''}")
        if self.batch != 1:
            parts.append(f"batch {self.batch}")
        if self.config.get("nthreads"):
            parts.append(f"{self.config['nthreads']} threads")
        if self.config.get("infer_precision"):
            parts.append(f"computes in {self.config['infer_precision']}")
        if self.config.get("cache"):
            parts.append("model cache")
        return ", ".join(parts)

    @property
    def label(self) -> str:
        return f"#{self.result_id} {self.precision} · {self.device} · {self.settings_text}"

    def latency(self, stat: str = "median") -> float | None:
        value = (self.metrics.get("latency_ms") or {}).get(stat)
        return float(value) if value is not None else None

    @property
    def throughput(self) -> float | None:
        value = self.metrics.get("throughput_fps")
        return float(value) if value is not None else None


def _variant_facts(variant: Variant | None) -> dict[str, Any]:
    if variant is None:
        return {"variant_id": None, "model_id": None, "model_name": "(file outside the workspace)",
                "variant_name": "?", "precision": "?", "parent_id": None, "size_bytes": None, "xml_path": None}
    return {
        "variant_id": variant.id,
        "model_id": variant.model_id,
        "model_name": variant.model.name if variant.model is not None else f"model {variant.model_id}",
        "variant_name": variant.name,
        "precision": variant.precision,
        "parent_id": variant.parent_id,
        "size_bytes": variant.size_bytes,
        "xml_path": str(resolve(variant.xml_path)),
    }


def _load_rows(result_ids: list[int]) -> dict[int, Result]:
    with session_scope() as s:
        rows = s.scalars(
            select(Result)
            .options(selectinload(Result.variant).selectinload(Variant.model))
            .where(Result.id.in_(set(result_ids)))
        )
        return {row.id: row for row in rows}


def load_entries(result_ids: list[int]) -> list[Entry]:
    """Benchmark results in the order given; a missing or non-benchmark id is the user's mistake."""
    if not result_ids:
        raise UserError("No results chosen to compare.", "Pick at least one benchmark result. " + RESULTS_HINT)
    rows = _load_rows(result_ids)
    missing = [rid for rid in result_ids if rid not in rows]
    if missing:
        raise UserError(f"There is no result {', '.join(f'#{m}' for m in missing)}.", RESULTS_HINT)
    wrong = [rows[rid] for rid in result_ids if rows[rid].kind not in COMPARABLE_KINDS]
    if wrong:
        kinds = ", ".join(f"#{row.id} is a {row.kind} result" for row in wrong)
        raise UserError(f"Only benchmark results go into the comparison table: {kinds}.",
                        "Profiles are compared layer by layer (compare two profile ids, or use the page's "
                        "per-layer section). " + RESULTS_HINT)
    entries: list[Entry] = []
    seen: set[int] = set()
    for rid in result_ids:
        if rid in seen:
            continue
        seen.add(rid)
        row = rows[rid]
        entries.append(Entry(
            result_id=row.id, device=row.device or (row.config or {}).get("device", "?"),
            config=row.config or {}, metrics=row.metrics or {}, machine=row.machine or {}, job_id=row.job_id,
            created_at=row.created_at.isoformat(timespec="seconds") if row.created_at else None,
            **_variant_facts(row.variant),
        ))
    figures = accuracy_by_variant([e.variant_id for e in entries if e.variant_id is not None])
    for entry in entries:
        entry.accuracy = figures.get(entry.variant_id) if entry.variant_id is not None else None
    return entries


@dataclass
class Profile:
    result_id: int
    variant_id: int | None
    label: str
    device: str
    config: dict[str, Any]
    layers: list[dict[str, Any]]
    total_ms: float | None


def load_profile(result_id: int) -> Profile:
    row = _load_rows([result_id]).get(result_id)
    if row is None or row.kind != PROFILE_KIND:
        what = "no result" if row is None else f"a {row.kind} result, not a profile,"
        raise UserError(f"There is {what} #{result_id}.",
                        "Run a profile on the Benchmark page or `python -m core profile MODEL`. " + RESULTS_HINT)
    facts = _variant_facts(row.variant)
    label = f"#{row.id} {facts['precision']} {facts['variant_name']} on {row.device}"
    metrics = row.metrics or {}
    return Profile(row.id, facts["variant_id"], label, row.device or "?", row.config or {},
                   list(metrics.get("layers") or []), metrics.get("total_ms"))


def result_kinds(result_ids: list[int]) -> dict[int, str]:
    """Kind of each existing id, so the CLI can split benchmarks from profiles."""
    return {rid: row.kind for rid, row in _load_rows(result_ids).items()}
