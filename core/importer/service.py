"""Import: originals into the workspace, models found, each read once, then stored.

Order matters for "a failed import leaves nothing behind": files are written to a new
folder, every model in it is detected and read (which validates it and yields its card)
before the first database row is written; if anything fails, the folder is deleted and
any row already written is removed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

from core.card import source_card
from core.errors import UserError
from core.importer.archives import archive_stem, extract_archive, is_archive
from core.importer.formats import SourceModel, detect_models
from core.importer.frontends import read_source_model
from core.importer.storage import store_path, store_stream, upload_limit_bytes
from core.progress import Progress, no_progress
from core.workspace import new_artifact_dir, remove_artifact_dir, resolve, to_relative

def unpack_archives(folder: Path) -> set[Path]:
    """Unpack every archive in the upload folder next to itself; returns the archives."""
    archives = [p for p in sorted(folder.rglob("*")) if is_archive(p)]
    for index, archive in enumerate(archives):
        extract_archive(archive, archive.parent / f"{archive_stem(archive)}.unpacked{index or ''}")
    return set(archives)


def _store_rows(source: SourceModel, card: dict[str, Any], name: str, folder: Path, warnings: list[str]) -> dict[str, Any]:
    from core.store import Model, session_scope
    from core.variants import create_model, register_variant

    model_id = create_model(
        name=name,
        source_format=source.format,
        source_path=source.path,
        task=card.get("task") if card.get("task") != "unknown" else None,
        info={
            "source": source.to_dict(to_relative),
            "upload_dir": to_relative(folder),
            "card": card,
            "warnings": warnings,
        },
    )
    variant_id = None
    try:
        if source.format == "ir":
            variant_id = register_variant(
                model_id,
                source.path,
                precision=card["precision"],
                method="imported",
                name=f"{card['precision']} (imported IR)",
                params={"source": source.to_dict(to_relative)},
                card=card,
            )
    except BaseException:
        with session_scope() as s:
            row = s.get(Model, model_id)
            if row is not None:
                s.delete(row)
        raise
    return {"model_id": model_id, "variant_id": variant_id}


def delete_imported_model(model_id: int) -> None:
    from core.store import Model, session_scope

    with session_scope() as s:
        row = s.get(Model, model_id)
        if row is not None:
            s.delete(row)


def import_stored(folder: Path, name: str | None = None, progress: Progress = no_progress,
                  convert_args: dict[str, Any] | None = None) -> dict[str, Any]:
    """Import what is already in the upload `folder` (owned by this call: removed on failure).
    `convert_args` reach ov.convert_model (`convert --extension`: a custom op must be readable to import)."""
    created: list[int] = []
    try:
        progress(0.1, "Unpacking archives")
        archives = unpack_archives(folder)
        progress(0.2, "Looking for models")
        sources, extras = detect_models(folder, skip=archives)
        loaded = []
        for index, source in enumerate(sources):
            progress(0.2 + 0.6 * index / len(sources), f"Reading {source.path.name} ({source.label})")
            warnings: list[str] = []
            if source.format == "ir":
                from core.importer.frontends import ir_weights_check

                warnings += ir_weights_check(source.path)
            model = read_source_model(source, **(convert_args or {}) if source.format != "ir" else {})
            card = source_card(model, source)
            if card["dynamic"]:
                dynamic = [f"{i['name']} {i['shape']}" for i in card["inputs"] if not i["static"]]
                warnings.append("Dynamic input shapes: " + ", ".join(dynamic) + ". Set static shapes when converting for the best speed.")
            if any(i["rank"] is None for i in card["inputs"]):
                warnings.append("Some inputs have no known shape: set one when converting.")
            loaded.append((source, card, warnings))
        progress(0.85, "Storing")
        results = []
        for source, card, warnings in loaded:
            model_name = name if name and len(loaded) == 1 else (f"{name} / {source.name}" if name else source.name)
            ids = _store_rows(source, card, model_name, folder, warnings)
            created.append(ids["model_id"])
            results.append({
                **ids,
                "name": model_name,
                "format": source.format,
                "kind": source.kind,
                "source": str(source.path),
                "files": [str(f) for f in source.files],
                "needs_conversion": source.format != "ir",
                "warnings": warnings,
                "card": card,
            })
        progress(1.0, f"Imported {len(results)} model(s)")
        return {
            "upload_dir": str(folder),
            "models": results,
            "ignored_files": [p.name for p in extras],
            "model_id": results[0]["model_id"],
            "variant_id": results[0]["variant_id"],
        }
    except BaseException:
        for model_id in created:
            delete_imported_model(model_id)
        remove_artifact_dir(folder)
        raise


def import_paths(paths: list[Path], name: str | None = None, progress: Progress = no_progress,
                 convert_args: dict[str, Any] | None = None) -> dict[str, Any]:
    """Copy the user's files/folders/archives into the workspace and import them.

    Returns {"upload_dir", "models": [{model_id, variant_id, name, format, card, ...}],
    "model_id", "variant_id"} (the last two: the first model, for the common single case).
    """
    if not paths:
        raise UserError("Nothing to import.", "Give one or more model files, folders or archives.")
    folder = new_artifact_dir("uploads")
    try:
        budget = [upload_limit_bytes()]
        for path in paths:
            store_path(Path(path), folder, budget)
    except BaseException:
        remove_artifact_dir(folder)
        raise
    return import_stored(folder, name, progress, convert_args)


def store_uploads(uploads: list[tuple[str, BinaryIO]]) -> Path:
    """Write browser uploads (name, stream) into a new upload folder, chunk by chunk."""
    folder = new_artifact_dir("uploads")
    try:
        budget = [upload_limit_bytes()]
        for file_name, stream in uploads:
            store_stream(stream, file_name, folder, budget)
    except BaseException:
        remove_artifact_dir(folder)
        raise
    return folder


def source_of_model(model_id: int) -> tuple[Any, SourceModel]:
    """The stored Model row and its original files (as found at import)."""
    from core.store import Model, session_scope

    with session_scope() as s:
        model = s.get(Model, model_id)
        if model is None:
            raise UserError(f"There is no model {model_id}.", "List them with `python -m core models`.")
    source_info = (model.info or {}).get("source")
    if not source_info:
        raise UserError(f"Model {model_id} has no stored original files to convert from.")
    source = SourceModel.from_dict(source_info, resolve)
    missing = [f.name for f in source.files if not f.exists()]
    if missing:
        raise UserError(f"Files of model {model_id} are missing from the workspace: {', '.join(missing)}.", "Import the model again.")
    return model, source
