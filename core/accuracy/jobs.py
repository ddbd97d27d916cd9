"""Job function: accuracy of a stored variant, by default against its parent (agreement)."""

from __future__ import annotations

from typing import Any

from core.accuracy.measure import measure_accuracy
from core.accuracy.results import store_accuracy_result
from core.device_lock import compute_lock
from core.jobs import JobContext
from core.variants import get_variant, update_variant, variant_xml


def accuracy_job(
    ctx: JobContext,
    variant_id: int,
    dataset_id: int,
    reference_variant_id: int | None = None,
    preprocessing: dict[str, Any] | None = None,
    limit: int | None = 300,
    compute_precision: str = "f32",
) -> dict[str, Any]:
    """Measure and store one accuracy Result. `compute_precision` ("f32", "default", "bf16", "f16")
    is asked for the variant only (the reference stays f32); the stored metrics carry the precision
    read back from the compiled model. Variant.accuracy (the headline a variant is listed with) is
    only filled from an f32 measurement, so it always means "what the IR costs in exact arithmetic"."""
    variant = get_variant(variant_id)
    reference_id = reference_variant_id if reference_variant_id is not None else variant.parent_id
    reference_xml = variant_xml(get_variant(reference_id)) if reference_id is not None else None
    with compute_lock(ctx):  # inference over a dataset: a benchmark must not measure beside it
        accuracy = measure_accuracy(variant_xml(variant), dataset_id, reference_xml, preprocessing, limit, ctx.progress,
                                    compute=compute_precision)
    result_id = store_accuracy_result(
        variant_id, accuracy,
        {"reference_variant_id": reference_id, "dataset_id": dataset_id, "preprocessing": accuracy["preprocessing"],
         "limit": limit, "compute_precision": compute_precision},
        ctx.job_id,
    )
    if variant.accuracy is None and accuracy.get("compute_precision") in (None, "f32"):
        update_variant(variant_id, accuracy={k: v for k, v in accuracy.items() if k != "preprocessing"})
    return {"result_id": result_id, "variant_id": variant_id, "reference_variant_id": reference_id,
            **{k: v for k, v in accuracy.items() if k not in ("report", "preprocessing")}}
