"""The import job for the page: reading and validating a whole model can take a while, so
it runs outside the Streamlit script like every long step."""

from __future__ import annotations

from typing import Any

from core.importer.requests import ImportRequest
from core.jobs import JobContext


def import_job(ctx: JobContext, **params: Any) -> dict[str, Any]:
    """Import files the page already wrote to the request's `upload_dir` (workspace-relative)."""
    from core.importer.service import import_stored
    from core.workspace import resolve

    request = ImportRequest.from_params(params)
    upload_dir = request.upload_dir or ""
    result = import_stored(resolve(upload_dir), request.name, progress=lambda fraction, message: ctx.progress(fraction, message))
    for model in result["models"]:
        ctx.log("imported %s as model %s (%s)", model["name"], model["model_id"], model["kind"])
        for warning in model["warnings"]:
            ctx.log("warning: %s", warning)
    return {
        "upload_dir": upload_dir,
        "models": [{k: m[k] for k in ("model_id", "variant_id", "name", "format", "kind", "needs_conversion", "warnings")} for m in result["models"]],
        "model_id": result["model_id"],
        "variant_id": result["variant_id"],
    }
