"""The results being compared, each with what the table needs from its variant.

A benchmark Result alone says how fast; the comparison also needs the variant's precision,
size on disk, lineage and accuracy, so they are loaded once here and carried together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.compare.accuracy import AccuracyFigure, accuracy_by_variant, accuracy_in_compute, figure_for
from core.errors import UserError
from core.precision import compute_precision, precision_key, precision_label, runtime_precision_counts
from core.store import Result, Variant, session_scope
from core.workspace import resolve

COMPARABLE_KINDS = ("benchmark",)
# The settings that change what is measured (not how long): two results that differ in any of
# them are not like for like. Duration, iterations and repeats only change how precise it is.
LIKE_FOR_LIKE_SETTINGS = ("hint", "api", "nstreams", "nireq", "batch", "nthreads", "input", "cache",
                          "shape", "data_shape", "layout", "pin", "perf_counts")
REDUCED_FLOAT_ORDER = ("bf16", "f16")  # seen in executed layers, these mean the float maths was reduced


def compute_from_runtime(counts: dict[str, Any] | None) -> str | None:
    """The compute precision from executed layers' runtime precisions ({"f32": 215, "bf16": 56}).

    Even with bf16 compute most layers (reshapes, reorders, the first and last ones) report f32,
    so the most frequent precision is not the answer: any reduced float precision seen is.
    """
    if not counts:
        return None
    seen = {str(k).lower() for k, v in counts.items() if v}
    for reduced in REDUCED_FLOAT_ORDER:
        if reduced in seen:
            return reduced
    return "f32" if "f32" in seen else None


def read_compute(metrics: dict[str, Any], config: dict[str, Any]) -> tuple[str | None, str]:
    """(compute precision, where it was read) of a stored result, newest key first.

    New results store `compute_precision`; older ones only the compiled model's
    `inference_precision` (e.g. "<Type: 'bfloat16'>"); a profile may only have the runtime
    precisions of its layers. What the user asked for is the last resort, said as such.
    """
    value = compute_precision(metrics.get("compute_precision"))
    if value:
        return value, "read back from the compiled model"
    value = compute_precision(metrics.get("inference_precision"))
    if value:
        return value, "read back from the compiled model (INFERENCE_PRECISION_HINT)"
    value = compute_from_runtime(metrics.get("runtime_precisions"))
    if value:
        return value, "from the executed layers' runtime precisions"
    value = compute_precision(config.get("infer_precision"))
    if value:
        return value, "as requested (not read back)"
    return None, "not recorded"

LOCAL_TARGET = "local"


def target_of(machine: dict[str, Any] | None) -> str:
    """The target a stored result was measured on: `machine["target"]`, absent = this app's machine."""
    return str((machine or {}).get("target") or LOCAL_TARGET)


def where_text(device: str, target: str) -> str:
    """"CPU" on this machine, "CPU on edge-box" on a remote target."""
    return device if target == LOCAL_TARGET else f"{device} on {target}"


PROFILE_KIND = "profile"
RESULTS_HINT = "List them with `python -m core results`."


def result_compute(metrics: dict[str, Any], config: dict[str, Any]) -> str | None:
    """read_compute for any result kind: a profile without stored runtime precisions has them in
    its layer rows (the executed layers' precisions), read before falling back to the request."""
    if not metrics.get("runtime_precisions") and metrics.get("layers"):
        metrics = {**metrics, "runtime_precisions": runtime_precision_counts(
            r.get("precision") for r in metrics["layers"] if r.get("status") == "executed")}
    return read_compute(metrics, config)[0]


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
        if self.config.get("cache"):
            parts.append("model cache")
        return ", ".join(parts)

    @property
    def weight_precision(self) -> str:
        """The IR's weight precision: as the result stored it, else the variant's."""
        return str(self.metrics.get("weight_precision") or self.precision or "?").upper()

    @property
    def compute(self) -> tuple[str | None, str]:
        return read_compute(self.metrics, self.config)

    @property
    def compute_precision(self) -> str | None:
        return self.compute[0]

    @property
    def compute_requested(self) -> str:
        """What the run asked for: an explicit precision, or the device default."""
        return compute_precision(self.config.get("infer_precision")) or "default"

    @property
    def precision_label(self) -> str:
        """"FP32 weights · bf16 compute": both axes, the way every number is named."""
        return precision_label(self.weight_precision, self.compute_precision)

    @property
    def precision_key(self) -> str:
        """"FP32·bf16": both axes, short (table cells, chart axes, legends)."""
        return precision_key(self.weight_precision, self.compute_precision)

    @property
    def noisy_reasons(self) -> list[str]:
        """Why the measurement was disturbed (machine busy, ...), as the benchmark recorded it."""
        noisy = self.metrics.get("noisy")
        if isinstance(noisy, dict) and noisy.get("noisy"):
            return [str(r) for r in noisy.get("reasons") or []] or ["marked noisy when measured"]
        if noisy is True:
            return ["marked noisy when measured"]
        return []

    @property
    def settings_key(self) -> tuple[Any, ...]:
        """Device and the settings that change what is measured (for like-for-like checks)."""
        return (self.device, *(self.setting(k) for k in LIKE_FOR_LIKE_SETTINGS))

    def setting(self, key: str) -> Any:
        """A like-for-like setting with its default filled in (older rows lack some keys)."""
        defaults = {"hint": "none", "api": "async", "input": "random", "cache": False, "perf_counts": False}
        value = self.config.get(key)
        if key == "hint":
            return self.hint
        if key == "cache":
            return bool(value)
        return defaults.get(key) if value in (None, "") else value

    @property
    def target(self) -> str:
        """The machine that measured: a remote target's name, or "local" (this app's machine)."""
        return target_of(self.machine)

    @property
    def where(self) -> str:
        """The device and, for a remote target, its machine: "CPU", "CPU on edge-box"."""
        return where_text(self.device, self.target)

    @property
    def label(self) -> str:
        return f"#{self.result_id} {self.precision_key} · {self.where} · {self.settings_text}"

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
    variant_ids = [e.variant_id for e in entries if e.variant_id is not None]
    figures, reduced = accuracy_by_variant(variant_ids), accuracy_in_compute(variant_ids)
    for entry in entries:  # the figure measured in the row's own compute precision, else f32 marked as such
        entry.accuracy = (figure_for(entry.variant_id, entry.compute_precision, figures, reduced)
                          if entry.variant_id is not None else None)
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
    compute_precision: str | None = None


def load_profile(result_id: int) -> Profile:
    row = _load_rows([result_id]).get(result_id)
    if row is None or row.kind != PROFILE_KIND:
        what = "no result" if row is None else f"a {row.kind} result, not a profile,"
        raise UserError(f"There is {what} #{result_id}.",
                        "Run a profile on the Benchmark page or `python -m core profile MODEL`. " + RESULTS_HINT)
    facts = _variant_facts(row.variant)
    metrics = row.metrics or {}
    layers = list(metrics.get("layers") or [])
    compute = result_compute(metrics, row.config or {})
    weights = str(metrics.get("weight_precision") or facts["precision"]).upper()
    label = (f"#{row.id} {precision_key(weights, compute)} {facts['variant_name']} on "
             f"{where_text(row.device or '?', target_of(row.machine))}")
    return Profile(row.id, facts["variant_id"], label, row.device or "?", row.config or {}, layers,
                   metrics.get("total_ms"), compute)


def result_kinds(result_ids: list[int]) -> dict[int, str]:
    """Kind of each existing id, so the CLI can split benchmarks from profiles."""
    return {rid: row.kind for rid, row in _load_rows(result_ids).items()}
