"""Job functions for the pages: conversion (and import, which reads whole models) run
outside the Streamlit script, with progress and cancel."""

from __future__ import annotations

from typing import Any

from core.jobs import JobContext


def convert_job(ctx: JobContext, model_id: int, options: dict[str, Any] | None = None, run_check: bool = True) -> dict[str, Any]:
    from core.convert.service import convert_model_to_variant

    result = convert_model_to_variant(
        model_id,
        options,
        run_check=run_check,
        job_id=ctx.job_id,
        progress=lambda fraction, message: ctx.progress(fraction, message),
        log=lambda line: ctx.log("%s", line),
    )
    return {k: result[k] for k in ("model_id", "variant_id", "xml", "precision", "seconds", "inputs", "outputs", "conversion_check")}


def import_job(ctx: JobContext, upload_dir: str, name: str | None = None) -> dict[str, Any]:
    """Import files the page already wrote to `upload_dir` (workspace-relative)."""
    from core.importer.service import import_stored
    from core.workspace import resolve

    result = import_stored(resolve(upload_dir), name, progress=lambda fraction, message: ctx.progress(fraction, message))
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
