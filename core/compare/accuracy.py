"""One comparable accuracy figure per variant, wherever the accuracy feature recorded it.

Accuracy arrives in three places: an accuracy Result row (a measurement with its dataset and
reference), Variant.accuracy (the headline written when the variant was quantized), and,
for an FP32 parent that was never measured itself, the `reference_value` inside its
children's measurements (the parent's own top-1 on the same samples, or 1.0 for agreement:
a model agrees with itself). The figure says which of these it came from, so a reader can
tell a measurement from a derived value.

Each figure also carries the compute precision it was measured in. Accuracy used to be measured
in f32 only (older rows say nothing, and mean f32); a measurement may now be in the device
default (bf16 where the device reports BF16). A result computed in bf16 gets the figure measured
in bf16 when there is one; otherwise the f32 figure, marked `fallback_for` so no table or
recommendation passes an f32 accuracy off as a bf16 one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select

from core.precision import compute_precision
from core.store import Result, Variant, session_scope

METRIC_LABELS = {
    "top1": "top-1",
    "top5": "top-5",
    "top1_agreement": "top-1 agreement with the reference",
    "cosine": "output cosine similarity to the reference",
}
# Older or alternative spellings of the same figures.
ALIASES = {"agreement_top1": "top1_agreement", "top1_agreement": "top1_agreement", "top1": "top1",
           "cosine": "cosine", "top5": "top5"}
AGREEMENT_METRICS = {"top1_agreement", "cosine"}


@dataclass
class AccuracyFigure:
    metric: str  # key of METRIC_LABELS
    value: float  # fraction 0..1
    source: str  # where the number comes from, in words
    reference_value: float | None = None
    samples: int | None = None
    result_id: int | None = None  # the accuracy Result row, when there is one
    reference_variant_id: int | None = None
    dataset_id: int | None = None
    derived: bool = False  # True when read from a child's reference, not measured on this variant
    compute_precision: str = "f32"  # what the measured model computed in (older rows: f32, the only choice then)
    fallback_for: str | None = None  # the row's compute precision when this f32 figure stands in for it
    note: str | None = None

    def standing_in_for(self, compute: str) -> AccuracyFigure:
        """This f32 figure on a row computed in `compute`, saying so."""
        from dataclasses import replace

        return replace(self, fallback_for=compute,
                       note=f"accuracy measured in {self.compute_precision} compute; not measured in {compute}")

    @property
    def label(self) -> str:
        return METRIC_LABELS.get(self.metric, self.metric)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "label": self.label}


def headline(data: dict[str, Any] | None) -> tuple[str, float, float | None] | None:
    """(metric, value, reference value) from any of the stored shapes, or None."""
    if not data:
        return None
    if data.get("metric") in ALIASES and isinstance(data.get("value"), (int, float)):
        reference = data.get("reference_value")
        return ALIASES[data["metric"]], float(data["value"]), float(reference) if reference is not None else None
    for key in ("top1", "top1_agreement", "agreement_top1", "cosine"):
        if isinstance(data.get(key), (int, float)):
            metric = ALIASES[key]
            reference = 1.0 if metric in AGREEMENT_METRICS else None
            return metric, float(data[key]), reference
    return None


def measured_compute(data: dict[str, Any] | None) -> str:
    """The compute precision an accuracy measurement ran in (f32 when not recorded: the only one then)."""
    data = data or {}
    value = data.get("compute_precision") or (data.get("report") or {}).get("compute_precision")
    return compute_precision(value) or "f32"


def _figure(data: dict[str, Any] | None, source: str, result_id: int | None, reference_variant_id: int | None,
            dataset_id: int | None) -> AccuracyFigure | None:
    found = headline(data)
    if found is None:
        return None
    metric, value, reference = found
    compute = measured_compute(data)
    if compute != "f32":
        source += f", in {compute} compute"
    return AccuracyFigure(metric, value, source, reference, (data or {}).get("samples"), result_id,
                          reference_variant_id, dataset_id, compute_precision=compute)


def _from_result(row: Result) -> AccuracyFigure | None:
    config = row.config or {}
    return _figure(row.metrics, f"accuracy result #{row.id}", row.id, config.get("reference_variant_id"),
                   config.get("dataset_id"))


def _from_variant(variant: Variant) -> AccuracyFigure | None:
    """The quantizer's headline, measured against the parent it was made from."""
    params = variant.params or {}
    where = (variant.accuracy or {}).get("samples_from")
    return _figure(variant.accuracy, "measured when the variant was made" + (f" ({where})" if where else ""), None,
                   variant.parent_id, params.get("validation_dataset_id") or params.get("dataset_id"))


def _as_reference(child: AccuracyFigure, child_id: int) -> AccuracyFigure | None:
    if child.reference_value is None:
        return None
    why = ("it is the reference, and a model agrees with itself" if child.metric in AGREEMENT_METRICS
           else f"measured as the reference in the accuracy run of variant #{child_id}")
    return AccuracyFigure(child.metric, child.reference_value, why, child.reference_value, child.samples,
                          child.result_id, None, child.dataset_id, derived=True)


def accuracy_by_variant(variant_ids: list[int]) -> dict[int, AccuracyFigure]:
    """The best available f32-compute figure for each variant that has one (measured first,
    derived last). Figures in other compute precisions: `accuracy_in_compute`."""
    wanted = set(variant_ids)
    figures: dict[int, AccuracyFigure] = {}
    with session_scope() as s:
        rows = s.scalars(
            select(Result).where(Result.kind == "accuracy", Result.variant_id.in_(wanted)).order_by(Result.id.desc())
        )
        for row in rows:
            if row.variant_id not in figures:
                figure = _from_result(row)
                if figure is not None and figure.compute_precision == "f32":
                    figures[row.variant_id] = figure
        for variant in s.scalars(select(Variant).where(Variant.id.in_(wanted))):
            if variant.id not in figures:
                figure = _from_variant(variant)
                if figure is not None and figure.compute_precision == "f32":
                    figures[variant.id] = figure
        missing = wanted - set(figures)
        if missing:
            children = list(s.scalars(select(Variant).where(Variant.parent_id.in_(missing)).order_by(Variant.id)))
            child_results = {
                row.variant_id: row
                for row in s.scalars(select(Result).where(
                    Result.kind == "accuracy", Result.variant_id.in_([c.id for c in children])).order_by(Result.id))
                if measured_compute(row.metrics) == "f32"
            }
            for child in children:
                if child.parent_id in figures:
                    continue
                measured = (_from_result(child_results[child.id]) if child.id in child_results else None) \
                    or _from_variant(child)
                if measured is not None and measured.reference_variant_id in (None, child.parent_id):
                    derived = _as_reference(measured, child.id)
                    if derived is not None:
                        figures[child.parent_id] = derived
    return figures


def accuracy_in_compute(variant_ids: list[int]) -> dict[tuple[int, str], AccuracyFigure]:
    """The newest measured figure per (variant, compute precision other than f32)."""
    figures: dict[tuple[int, str], AccuracyFigure] = {}
    with session_scope() as s:
        rows = s.scalars(select(Result).where(Result.kind == "accuracy", Result.variant_id.in_(set(variant_ids)))
                         .order_by(Result.id.desc()))
        for row in rows:
            figure = _from_result(row)
            if figure is not None and figure.compute_precision != "f32":
                figures.setdefault((row.variant_id, figure.compute_precision), figure)
    return figures


def figure_for(variant_id: int, compute: str | None, base: dict[int, AccuracyFigure],
               reduced: dict[tuple[int, str], AccuracyFigure]) -> AccuracyFigure | None:
    """The figure for a result of `variant_id` computed in `compute`: measured in that compute when
    there is one, else the f32 figure marked as standing in (never silently)."""
    if compute and compute != "f32" and (variant_id, compute) in reduced:
        return reduced[(variant_id, compute)]
    figure = base.get(variant_id)
    if figure is not None and compute and compute not in ("f32", "default"):
        return figure.standing_in_for(compute)
    return figure
