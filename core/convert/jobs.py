"""The conversion job for the page: runs outside the Streamlit script, with progress and cancel."""

from __future__ import annotations

from typing import Any

from core.device_lock import compute_lock
from core.jobs import JobContext


def convert_job(ctx: JobContext, model_id: int, options: dict[str, Any] | None = None, run_check: bool = True) -> dict[str, Any]:
    from core.convert.service import convert_model_to_variant

    with compute_lock(ctx):  # conversion and its check load the CPU: a benchmark waits for them
        result = convert_model_to_variant(
            model_id,
            options,
            run_check=run_check,
            job_id=ctx.job_id,
            progress=lambda fraction, message: ctx.progress(fraction, message),
            log=lambda line: ctx.log("%s", line),
        )
    return {k: result[k] for k in ("model_id", "variant_id", "xml", "precision", "seconds", "inputs", "outputs", "conversion_check")}
