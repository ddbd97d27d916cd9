"""Job functions (run in a job's child process): layer error and outputs side by side.

Each rebuilds its typed request from the job params, runs it with progress ("sample i/N")
and cancel (ctx.progress raises JobCancelled), and stores what it found as a Result row
(kind "layer_error" / "outputs", like accuracy results), pictures as PNG files in a
results/ folder of the workspace.
"""

from __future__ import annotations

from typing import Any

from core.analysis.inputs import open_inputs
from core.analysis.layer_error import layer_error, suggested_ignored_scope
from core.analysis.models import class_names
from core.analysis.outputs import compare_outputs
from core.analysis.requests import DEFAULT_KEEP_IN_FLOAT, LayerErrorRequest, OutputsRequest, dataset_source
from core.benchmark.results import save_result
from core.jobs import JobContext
from core.ov_core import read_model
from core.progress import Progress, no_progress
from core.workspace import new_artifact_dir, remove_artifact_dir, to_relative

RANKING_IN_SUMMARY = 10


def run_layer_error(request: LayerErrorRequest, progress: Progress = no_progress) -> dict[str, Any]:
    """The analysis itself (CLI, job and benchmark share it)."""
    parent, variant = request.refs()
    source = dataset_source(request.dataset_id, parent, request.preprocessing)
    indices = list(range(min(int(request.samples), len(source))))
    report = layer_error(parent.xml, variant.xml, source, indices, progress, request.device, request.scope)
    report["parent"] = {"label": parent.label, "variant_id": parent.variant_id, "xml": str(parent.xml)}
    report["variant"] = {"label": variant.label, "variant_id": variant.variant_id, "xml": str(variant.xml)}
    report["suggested_ignored_names"] = suggested_ignored_scope(report, DEFAULT_KEEP_IN_FLOAT)
    return report


def layer_error_job(ctx: JobContext, **params: Any) -> dict[str, Any]:
    request = LayerErrorRequest.from_params(params)
    report = run_layer_error(request, ctx.progress)
    result_id = save_result("layer_error", request.to_params(), report, report["variant"]["variant_id"], ctx.job_id,
                            request.device)
    ctx.log("stored layer-error result %s: %d layers, %.1f s", result_id, report["layers_compared"], report["seconds"])
    return {"result_id": result_id, **layer_error_summary(report)}


def layer_error_summary(report: dict[str, Any]) -> dict[str, Any]:
    return {key: report[key] for key in ("samples", "layers_compared", "seconds", "peak_rss_mb", "final_layer",
                                         "suggested_ignored_names")} | {"ranking": report["ranking"][:RANKING_IN_SUMMARY]}


def run_outputs(request: OutputsRequest, progress: Progress = no_progress) -> dict[str, Any]:
    """Both models on the request's inputs; PNGs under a new results/ folder (paths workspace-relative)."""
    a, b = request.refs()
    source_a, source_b = open_inputs(request, a), open_inputs(request, b)
    folder = new_artifact_dir("results")

    def save(name: str, data: bytes) -> str:
        path = folder / name
        path.write_bytes(data)
        return to_relative(path)

    try:
        report = compare_outputs(request, source_a, source_b, read_model(a.xml), read_model(b.xml), save,
                                 class_names(a.variant_id, getattr(source_a, "classes", None)), progress)
    except BaseException:
        remove_artifact_dir(folder)
        raise
    report["a"] = {"label": a.label, "variant_id": a.variant_id}
    report["b"] = {"label": b.label, "variant_id": b.variant_id}
    report["folder"] = to_relative(folder)
    return report


def outputs_job(ctx: JobContext, **params: Any) -> dict[str, Any]:
    request = OutputsRequest.from_params(params)
    report = run_outputs(request, ctx.progress)
    result_id = save_result("outputs", request.to_params(), report, report["b"]["variant_id"], ctx.job_id, "CPU")
    return {"result_id": result_id, **{k: v for k, v in report.items() if k != "items"}}
