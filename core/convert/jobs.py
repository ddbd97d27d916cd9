"""The conversion job for the page: runs outside the Streamlit script, with progress and cancel."""

from __future__ import annotations

from typing import Any

from core.convert.options import ConvertOptions
from core.convert.requests import ConvertRequest
from core.device_lock import compute_lock
from core.jobs import JobContext


def convert_job(ctx: JobContext, options: dict[str, Any] | None = None, **params: Any) -> dict[str, Any]:
    """Convert the request's model. `options` (an already parsed ConvertOptions record, as a
    variant's lineage stores it) is the form earlier callers use; the page and CLI send the request."""
    from core.convert.service import convert_model_to_variant

    request = ConvertRequest.from_params(params)
    parsed = ConvertOptions.from_params(options) if options is not None else request.convert_options()
    with compute_lock(ctx):  # conversion and its check load the CPU: a benchmark waits for them
        result = convert_model_to_variant(
            request.model_id,
            parsed,
            run_check=request.run_check,
            job_id=ctx.job_id,
            progress=lambda fraction, message: ctx.progress(fraction, message),
            log=lambda line: ctx.log("%s", line),
        )
    return {k: result[k] for k in ("model_id", "variant_id", "xml", "precision", "seconds", "inputs", "outputs", "conversion_check")}
