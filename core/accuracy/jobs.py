"""Job function: accuracy of a stored variant, by default against its parent (agreement)."""

from __future__ import annotations

from typing import Any

from core.accuracy.measure import accuracy_on_dataset, accuracy_on_samples, open_accuracy_source, sample_indices
from core.accuracy.requests import AccuracyRequest
from core.accuracy.results import store_accuracy_result
from core.datasets.packs import packed_samples
from core.jobs import JobContext
from core.ov_core import read_model
from core.targets.measure import Travels, measure
from core.variants import get_variant, update_variant


def measure_where_asked(ctx: JobContext, request: AccuracyRequest) -> dict[str, Any]:
    """The accuracy measured on the request's machine and device.

    Here: the dataset is read in place, holding the device (a benchmark must not measure beside
    it). On a target: the samples to score (the first `limit`, checked for the model here) are
    packed and sent with the model and its reference, which run there on the device asked."""
    xml_path, reference_xml = request.model_xml(), request.reference_xml()
    compute = str(request.compute_precision)
    if not ctx.host:
        return measure(ctx, accuracy_on_dataset, xml_path, device=request.device, dataset_id=int(request.dataset_id),
                       reference_xml=str(reference_xml) if reference_xml else None,
                       preprocessing=request.preprocessing, limit=request.limit, compute=compute,
                       inference_device=request.device)
    source = open_accuracy_source(read_model(xml_path), int(request.dataset_id), request.preprocessing,
                                  reference_xml is not None)
    with packed_samples(source, sample_indices(source, request.limit)) as pack:
        return measure(ctx, accuracy_on_samples, xml_path, device=request.device, samples=Travels(pack),
                       reference_xml=Travels(reference_xml, model=True) if reference_xml else None,
                       compute=compute, inference_device=request.device)


def accuracy_job(ctx: JobContext, **params: Any) -> dict[str, Any]:
    """Measure and store one accuracy Result of an `AccuracyRequest`. Its compute precision ("f32",
    "default", "bf16", "f16") is asked for the variant only (the reference stays f32); the stored
    metrics carry the precision read back from the compiled model. Variant.accuracy (the headline a
    variant is listed with) is only filled from an f32 measurement, so it always means "what the IR
    costs in exact arithmetic"."""
    request = AccuracyRequest.from_params(params)
    variant = get_variant(int(request.variant_id))  # type: ignore[arg-type]
    reference_id = request.reference_id()
    accuracy = measure_where_asked(ctx, request)
    result_id = store_accuracy_result(
        variant.id, accuracy,
        {"reference_variant_id": reference_id, "dataset_id": request.dataset_id,
         "preprocessing": accuracy["preprocessing"], "limit": request.limit,
         "compute_precision": str(request.compute_precision), "device": request.device,
         **({"target": request.target} if ctx.host else {})},
        ctx.job_id,
    )
    if variant.accuracy is None and accuracy.get("compute_precision") in (None, "f32"):
        update_variant(variant.id, accuracy={k: v for k, v in accuracy.items() if k not in ("preprocessing", "target")})
    return {"result_id": result_id, "variant_id": variant.id, "reference_variant_id": reference_id,
            **{k: v for k, v in accuracy.items() if k not in ("report", "preprocessing")}}
