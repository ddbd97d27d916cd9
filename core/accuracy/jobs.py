"""Job function: accuracy of a stored variant, by default against its parent (agreement)."""

from __future__ import annotations

from typing import Any

from core.accuracy.requests import AccuracyRequest
from core.accuracy.results import store_accuracy_result
from core.device_lock import compute_lock
from core.jobs import JobContext
from core.variants import get_variant, update_variant


def accuracy_job(ctx: JobContext, **params: Any) -> dict[str, Any]:
    """Measure and store one accuracy Result of an `AccuracyRequest`. Its compute precision ("f32",
    "default", "bf16", "f16") is asked for the variant only (the reference stays f32); the stored
    metrics carry the precision read back from the compiled model. Variant.accuracy (the headline a
    variant is listed with) is only filled from an f32 measurement, so it always means "what the IR
    costs in exact arithmetic"."""
    request = AccuracyRequest.from_params(params)
    variant = get_variant(int(request.variant_id))  # type: ignore[arg-type]
    reference_id = request.reference_id()
    with compute_lock(ctx):  # inference over a dataset: a benchmark must not measure beside it
        accuracy = request.measure(ctx.progress)
    result_id = store_accuracy_result(
        variant.id, accuracy,
        {"reference_variant_id": reference_id, "dataset_id": request.dataset_id,
         "preprocessing": accuracy["preprocessing"], "limit": request.limit,
         "compute_precision": str(request.compute_precision)},
        ctx.job_id,
    )
    if variant.accuracy is None and accuracy.get("compute_precision") in (None, "f32"):
        update_variant(variant.id, accuracy={k: v for k, v in accuracy.items() if k != "preprocessing"})
    return {"result_id": result_id, "variant_id": variant.id, "reference_variant_id": reference_id,
            **{k: v for k, v in accuracy.items() if k not in ("report", "preprocessing")}}
