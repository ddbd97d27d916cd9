"""Job functions (run in a job's child process): quantize / compress a variant into a new one.

The new IR goes to a fresh workspace folder and becomes a Variant whose params are its full
lineage (parent, method, every option, dataset, preprocessing, NNCF version, time, accuracy);
the accuracy report is also stored as a Result so it shows next to benchmarks.

The IR is written under tmp/ and moved into models/ only when complete: cancel stops the job's
process with a signal (no Python cleanup runs), so a half-written model must never be where
models live. No row is added unless everything succeeded.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from core.accuracy.results import store_accuracy_result
from core.device_lock import compute_lock
from core.jobs import JobContext
from core.progress import Progress
from core.quantize.pipeline import compress_ir, quantize_ir
from core.quantize.requests import CompressRequest, QuantizeRequest
from core.variants import get_variant, register_variant, variant_xml
from core.workspace import new_artifact_dir, remove_artifact_dir

LINEAGE_KEYS = ("options", "preprocessing", "validation_dataset_id", "nncf_version", "openvino_version",
                "quantize_seconds", "seconds", "warnings", "notes", "dataset_id")


def _lineage(parent_id: int, result: dict[str, Any]) -> dict[str, Any]:
    params = {"parent_variant_id": parent_id, "method": result["method"]}
    params.update({key: result[key] for key in LINEAGE_KEYS if key in result})
    if "calibration" in result:
        params["dataset_id"] = result["calibration"].get("dataset_id")
        params["calibration_data"] = result["calibration"].get("kind")
        params["calibration_samples"] = result["calibration"].get("samples_used")
    if "layers" in result:
        params["float_layers"] = [layer["name"] for layer in result["layers"]["float_layers"]]
    if "accuracy" in result:
        params["accuracy"] = {k: v for k, v in result["accuracy"].items() if k != "report"}
    return params


def _publish(xml_in_tmp: Path) -> Path:
    """Move a finished IR from its tmp folder into a new models/ folder (a rename, same disk)."""
    folder = new_artifact_dir("models")
    for path in (xml_in_tmp, xml_in_tmp.with_suffix(".bin")):
        shutil.move(str(path), folder / path.name)
    remove_artifact_dir(xml_in_tmp.parent)
    return folder / xml_in_tmp.name


def _store_new_variant(ctx_job_id: int | None, parent_id: int, model_id: int, result: dict[str, Any], name: str) -> dict[str, Any]:
    params = _lineage(parent_id, result)
    xml = _publish(Path(result["xml"]))
    result.update(xml=str(xml), bin=str(xml.with_suffix(".bin")))
    variant_id = register_variant(
        model_id, xml, result["precision"], result["method"], name=name, parent_id=parent_id,
        params=params, accuracy=result.get("accuracy"), job_id=ctx_job_id,
    )
    summary: dict[str, Any] = {
        "variant_id": variant_id,
        "parent_variant_id": parent_id,
        "precision": result["precision"],
        "size_bytes": result["size_bytes"],
        "parent_size_bytes": result["parent_size_bytes"],
        "seconds": result["seconds"],
        "quantize_seconds": result.get("quantize_seconds"),
        "warnings": result.get("warnings", []) + result.get("notes", []),
    }
    if "accuracy" in result:
        summary["accuracy"] = params["accuracy"]
        summary["result_id"] = store_accuracy_result(
            variant_id, result["accuracy"],
            {"reference_variant_id": parent_id, "dataset_id": params.get("validation_dataset_id") or params.get("dataset_id"),
             "preprocessing": result.get("preprocessing")},
            ctx_job_id,
        )
    if "layers" in result:
        summary["float_layers"] = params["float_layers"]
        summary["quantized_layers"] = result["layers"]["quantized_layers"]
    return summary


def stage_aware_progress(ctx: JobContext) -> Progress:
    """ctx.progress, but a new stage's message is always written (never lost to throttling).

    Per-sample messages are throttled to a few writes a second; the message announcing what
    comes after the last calibration sample must reach the page, because NNCF then works
    for a long time without reporting anything.
    """
    last_stage = [""]

    def report(fraction: float | None, message: str) -> None:
        stage = re.sub(r"\(pass \d+\)|[\d/]+", "", message).strip()  # the message without its counters
        force = stage != last_stage[0]
        last_stage[0] = stage
        ctx.progress(fraction, message, force=force)

    return report


def quantize_job(ctx: JobContext, options: dict[str, Any] | None = None, **params: Any) -> dict[str, Any]:
    """Quantize the request's variant into a new one. `options` is the nested form earlier callers
    and stored lineage use (the NNCF options apart); it is merged into the flat request."""
    request = QuantizeRequest.from_params({**params, **(options or {})})
    parent = get_variant(request.variant_id)
    folder = new_artifact_dir("tmp")
    suffix = "int8-aa" if request.accuracy_aware else "int8"
    try:
        with compute_lock(ctx):  # a benchmark started meanwhile waits instead of measuring beside NNCF
            result = quantize_ir(
                variant_xml(parent), folder / f"{Path(parent.xml_path).stem}-{suffix}.xml", request.dataset_id,
                request, request.preprocessing, request.validation_dataset_id,
                measure_accuracy=request.measure_accuracy, accuracy_samples=request.accuracy_samples,
                progress=stage_aware_progress(ctx),
            )
        data = " (random data)" if request.dataset_id is None else ""
        return _store_new_variant(ctx.job_id, parent.id, parent.model_id, result,
                                  f"{request.method_label()} of #{parent.id}{data}")
    except BaseException:
        remove_artifact_dir(folder)
        raise


def compress_job(ctx: JobContext, **params: Any) -> dict[str, Any]:
    request = CompressRequest.from_params(params)
    parent = get_variant(request.variant_id)
    folder = new_artifact_dir("tmp")
    try:
        with compute_lock(ctx):
            result = compress_ir(
                variant_xml(parent), folder / f"{Path(parent.xml_path).stem}-{request.mode}.xml", request.mode,
                request.ratio if request.int4 else None, request.group_size if request.int4 else None,
                request.dataset_id, request.preprocessing, progress=stage_aware_progress(ctx),
            )
        return _store_new_variant(ctx.job_id, parent.id, parent.model_id, result, f"{request.name()} of #{parent.id}")
    except BaseException:
        remove_artifact_dir(folder)
        raise
