"""Job function: accuracy of a stored variant, by default against its parent (agreement)."""

from __future__ import annotations

from typing import Any

from core.accuracy.measure import measure_accuracy
from core.benchmark.lock import compute_lock
from core.jobs import JobContext
from core.variants import get_variant, update_variant, variant_xml


def accuracy_job(
    ctx: JobContext,
    variant_id: int,
    dataset_id: int,
    reference_variant_id: int | None = None,
    preprocessing: dict[str, Any] | None = None,
    limit: int | None = 300,
) -> dict[str, Any]:
    from core.quantize.jobs import store_accuracy_result

    variant = get_variant(variant_id)
    reference_id = reference_variant_id if reference_variant_id is not None else variant.parent_id
    reference_xml = variant_xml(get_variant(reference_id)) if reference_id is not None else None
    with compute_lock(ctx):  # inference over a dataset: a benchmark must not measure beside it
        accuracy = measure_accuracy(variant_xml(variant), dataset_id, reference_xml, preprocessing, limit, ctx.progress)
    result_id = store_accuracy_result(
        variant_id, accuracy,
        {"reference_variant_id": reference_id, "dataset_id": dataset_id, "preprocessing": accuracy["preprocessing"],
         "limit": limit},
        ctx.job_id,
    )
    if variant.accuracy is None:
        update_variant(variant_id, accuracy={k: v for k, v in accuracy.items() if k != "preprocessing"})
    return {"result_id": result_id, "variant_id": variant_id, "reference_variant_id": reference_id,
            **{k: v for k, v in accuracy.items() if k not in ("report", "preprocessing")}}
