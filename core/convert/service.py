"""Convert an imported model into a stored IR variant (the page, CLI, job and sample path).

The variant's lineage params hold every conversion option, the conversion log, the
seconds it took and the conversion check, so a variant explains itself later.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.card import ir_card
from core.convert.check import check_digest, check_log_lines, conversion_check
from core.convert.options import ConvertOptions
from core.convert.run import convert_to_ir
from core.progress import Progress, no_progress
from core.workspace import new_artifact_dir, remove_artifact_dir

def convert_model_to_variant(
    model_id: int,
    options: ConvertOptions | dict[str, Any] | None = None,
    run_check: bool = True,
    job_id: int | None = None,
    progress: Progress = no_progress,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Convert model `model_id`'s original files with `options`; store and return the variant."""
    from core.importer.service import source_of_model
    from core.variants import register_variant

    if not isinstance(options, ConvertOptions):
        options = ConvertOptions.from_params(options)
    model_row, source = source_of_model(model_id)
    lines: list[str] = []

    def record(line: str) -> None:
        lines.append(line)
        if log is not None:
            log(line)

    out_dir = new_artifact_dir("models")
    try:
        progress(0.05, f"Converting {source.path.name}")
        if not options.name:
            options.name = source.name or model_row.name
        result = convert_to_ir(source, options, out_dir, record)
        xml = Path(result["xml"])
        progress(0.6, "Computing the model card")
        card = ir_card(xml, source.format)
        check: dict[str, Any] = {"status": "skipped", "reason": "not requested", "outputs": []}
        if run_check:
            progress(0.75, "Conversion check: the original in its own runtime vs the IR in f32 compute")
            try:
                check = conversion_check(source, xml, result["preprocessing"], options.compress_to_fp16)
            except Exception as exc:  # the IR is still valid; the check itself could not run
                reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
                check = {"status": "error", "reason": reason, "outputs": [], "summary": f"Conversion check: error — {reason}"}
            for line in check_log_lines(check):
                record(line)
        card["conversion_check"] = check_digest(check)
        progress(0.95, "Storing the variant")
        precision = "FP16" if options.compress_to_fp16 else card["precision"]
        variant_id = register_variant(
            model_id,
            xml,
            precision=precision,
            method="converted",
            name=f"{precision} (converted{', static' if not card['dynamic'] else ''})",
            params={
                "options": options.to_params(),
                "source_format": source.format,
                "source_file": source.path.name,
                "log": lines,
                "seconds": result["seconds"],
                "conversion_check": check,
            },
            card=card,
            job_id=job_id,
        )
    except BaseException:
        remove_artifact_dir(out_dir)
        raise
    progress(1.0, "Converted")
    return {
        "model_id": model_id,
        "variant_id": variant_id,
        "xml": result["xml"],
        "bin": result["bin"],
        "inputs": result["inputs"],
        "outputs": result["outputs"],
        "precision": precision,
        "seconds": result["seconds"],
        "conversion_check": check,
        "preprocessing": result["preprocessing"],
    }


def import_and_convert(
    paths: list[Path],
    name: str | None = None,
    options: ConvertOptions | dict[str, Any] | None = None,
    run_check: bool = True,
    progress: Progress = no_progress,
) -> dict[str, Any]:
    """One call from files to a stored IR variant (CLI `convert`, the first-run sample)."""
    from core.importer.service import delete_imported_model, import_paths

    if options is not None and not isinstance(options, ConvertOptions):
        options = ConvertOptions.from_params(options)
    extensions = {"extension": list(options.extensions)} if options is not None and options.extensions else None
    imported = import_paths(paths, name, progress=lambda f, m: progress(0.3 * f, m), convert_args=extensions)
    if len(imported["models"]) != 1:
        raise_many(imported)
    model_id = imported["model_id"]
    try:
        converted = convert_model_to_variant(
            model_id, options, run_check=run_check, progress=lambda f, m: progress(0.3 + 0.7 * f, m)
        )
    except BaseException:
        from core.workspace import resolve

        delete_imported_model(model_id)
        remove_artifact_dir(resolve(imported["upload_dir"]))
        raise
    return {**converted, "import": {k: v for k, v in imported.items() if k != "models"}, "card": imported["models"][0]["card"]}


def raise_many(imported: dict[str, Any]) -> None:
    from core.errors import UserError
    from core.importer.service import delete_imported_model
    from core.workspace import resolve

    for model in imported["models"]:
        delete_imported_model(model["model_id"])
    remove_artifact_dir(resolve(imported["upload_dir"]))
    names = ", ".join(m["name"] for m in imported["models"])
    raise UserError(f"The files hold {len(imported['models'])} models ({names}); convert takes one.", "Pass the files of one model.")


def copy_ir(xml: Path, out_dir: Path, name: str | None = None) -> tuple[Path, Path]:
    """Copy an IR pair to a user's folder (CLI -o), as `name`.xml/.bin when given (ovc --output_model)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / (f"{name}.xml" if name else xml.name)
    shutil.copyfile(xml, target)
    shutil.copyfile(xml.with_suffix(".bin"), target.with_suffix(".bin"))
    return target, target.with_suffix(".bin")
