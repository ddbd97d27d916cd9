"""What uses disk in the workspace, and deleting models, variants, datasets and results.

Every artifact lives under a generated folder (core.workspace), so space is easy to count
but hard to attribute by eye. This module joins the folders with the database rows: each
model with its upload, each variant with its IR files, its children (variants made from it)
and its results, each dataset with the results that used it. A delete first lists what
depends on the item; it only takes the dependants along when asked (`with_dependants`), and
never while a queued or running job uses any of it.

It also removes upload folders nothing owns: an import-page stage the user abandoned, a
dataset upload whose job was killed (`sweep_abandoned`, run at app start and from the page).

CLI: `python -m core storage [--json]`, `storage delete KIND ID [--with-dependants]`,
`storage sweep [--max-age-hours H]`.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from core.commands import add_command
from core.errors import UserError
from core.store import Dataset, Job, JobState, Model, Result, Variant, session_scope
from core.workspace import remove_artifact_dir, resolve, sweep_tmp, workspace_root

KINDS = ("model", "variant", "dataset", "result")
AREAS = ("models", "uploads", "datasets", "exports", "logs", "cache", "tmp", "locks")
ACTIVE = (JobState.QUEUED.value, JobState.RUNNING.value)
DEFAULT_STAGE_AGE_S = 6 * 3600


# --- sizes ------------------------------------------------------------------------------------

def path_bytes(path: Path) -> int:
    """Bytes on disk under `path` (files only, links not followed)."""
    if path.is_symlink() or not path.exists():
        return 0
    if path.is_file():
        return path.stat().st_size
    total = 0
    for item in path.rglob("*"):
        try:
            if item.is_file() and not item.is_symlink():
                total += item.stat().st_size
        except OSError:
            continue
    return total


def _top_folder(relative: str | None, area: str) -> str | None:
    """`area/<uuid>` for a workspace-relative path inside that area, else None."""
    if not relative:
        return None
    parts = Path(relative).parts
    if len(parts) >= 2 and parts[0] == area and not Path(relative).is_absolute():
        return f"{parts[0]}/{parts[1]}"
    return None


def _variant_files(variant: Variant) -> list[Path]:
    return [resolve(variant.xml_path), resolve(variant.bin_path)]


# --- listing ----------------------------------------------------------------------------------

def _load() -> tuple[list[Model], list[Variant], list[Dataset], list[Result], list[Job]]:
    with session_scope() as s:
        models = list(s.scalars(select(Model).order_by(Model.id)))
        variants = list(s.scalars(select(Variant).order_by(Variant.id)))
        datasets = list(s.scalars(select(Dataset).order_by(Dataset.id)))
        results = list(s.scalars(select(Result).order_by(Result.id)))
        active = list(s.scalars(select(Job).where(Job.state.in_(ACTIVE))))
    return models, variants, datasets, results, active


def _children(variants: list[Variant]) -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for variant in variants:
        if variant.parent_id is not None:
            children.setdefault(variant.parent_id, []).append(variant.id)
    return children


def _descendants(root: int, children: dict[int, list[int]]) -> list[int]:
    """The variant and everything made from it, deepest first (the order rows can be deleted in)."""
    order: list[int] = []

    def visit(variant_id: int) -> None:
        for child in children.get(variant_id, []):
            visit(child)
        order.append(variant_id)

    visit(root)
    return order


def _result_dataset(result: Result) -> int | None:
    value = (result.config or {}).get("dataset_id")
    return int(value) if isinstance(value, int) or (isinstance(value, str) and value.isdigit()) else None


def storage_report() -> dict[str, Any]:
    """Disk use by area, and every model/variant/dataset/result with its size and dependants."""
    root = workspace_root()
    models, variants, datasets, results, _active = _load()
    children = _children(variants)
    results_by_variant: dict[int, list[int]] = {}
    for result in results:
        if result.variant_id is not None:
            results_by_variant.setdefault(result.variant_id, []).append(result.id)
    variant_rows = []
    for variant in variants:
        variant_rows.append({
            "id": variant.id, "model_id": variant.model_id, "name": variant.name, "precision": variant.precision,
            "method": variant.method, "parent_id": variant.parent_id, "bytes": sum(path_bytes(p) for p in _variant_files(variant)),
            "children": children.get(variant.id, []), "results": results_by_variant.get(variant.id, []),
        })
    model_rows = []
    for model in models:
        own = [v for v in variant_rows if v["model_id"] == model.id]
        upload = _top_folder((model.info or {}).get("upload_dir"), "uploads")
        in_upload = {v.id for v in variants if upload and _top_folder(v.xml_path, "uploads") == upload}
        model_rows.append({  # its upload (an imported IR's variant lives there) + the variants made since
            "id": model.id, "name": model.name, "format": model.source_format, "variants": [v["id"] for v in own],
            "bytes": (path_bytes(root / upload) if upload else 0) + sum(v["bytes"] for v in own if v["id"] not in in_upload),
            "upload_dir": upload,
        })
    dataset_rows = [{
        "id": d.id, "name": d.name, "kind": d.kind, "items": d.item_count, "bytes": path_bytes(resolve(d.path)),
        "used_by_results": [r.id for r in results if _result_dataset(r) == d.id],
    } for d in datasets]
    result_rows = [{
        "id": r.id, "kind": r.kind, "variant_id": r.variant_id, "device": r.device,
        "created_at": r.created_at.isoformat() if r.created_at else None,
    } for r in results]
    areas = [{"area": area, "bytes": path_bytes(root / area)} for area in AREAS]
    database = sum(path_bytes(p) for p in root.glob("ovwb.sqlite*"))
    areas.append({"area": "database (results, jobs, models' records)", "bytes": database})
    abandoned = abandoned_uploads(0)
    return {
        "workspace": str(root),
        "total_bytes": path_bytes(root),
        "free_bytes": shutil.disk_usage(root).free,
        "areas": areas,
        "models": model_rows,
        "variants": variant_rows,
        "datasets": dataset_rows,
        "results": result_rows,
        "abandoned_uploads": [{"folder": f"uploads/{p.name}", "bytes": path_bytes(p),
                               "age_h": round((time.time() - p.stat().st_mtime) / 3600, 2)} for p in abandoned],
    }


# --- what a delete takes along ----------------------------------------------------------------

def delete_plan(kind: str, item_id: int) -> dict[str, Any]:
    """What deleting `kind` `item_id` removes: rows, files and bytes; and what blocks it."""
    if kind not in KINDS:
        raise UserError(f"Unknown kind {kind!r}.", f"Use one of: {', '.join(KINDS)}.")
    models, variants, datasets, results, active = _load()
    by_variant = {v.id: v for v in variants}
    children = _children(variants)
    plan: dict[str, Any] = {"kind": kind, "id": item_id, "name": None, "models": [], "variants": [], "results": [],
                            "datasets": [], "folders": [], "files": [], "kept_results": [], "blocked_by_jobs": []}
    if kind == "model":
        model = next((m for m in models if m.id == item_id), None)
        if model is None:
            raise UserError(f"There is no model {item_id}.", "List them with `python -m core storage`.")
        plan["name"] = model.name
        plan["models"] = [item_id]
        roots = [v.id for v in variants if v.model_id == item_id and (v.parent_id is None or by_variant[v.parent_id].model_id != item_id)]
        for root in roots:
            plan["variants"] += [v for v in _descendants(root, children) if v not in plan["variants"]]
        upload = _top_folder((model.info or {}).get("upload_dir"), "uploads")
        if upload:
            plan["folders"].append(upload)
    elif kind == "variant":
        if item_id not in by_variant:
            raise UserError(f"There is no variant {item_id}.", "List them with `python -m core storage`.")
        plan["name"] = by_variant[item_id].name
        plan["variants"] = _descendants(item_id, children)
    elif kind == "dataset":
        dataset = next((d for d in datasets if d.id == item_id), None)
        if dataset is None:
            raise UserError(f"There is no dataset {item_id}.", "List them with `python -m core dataset list`.")
        plan["name"] = dataset.name
        plan["datasets"] = [item_id]
        folder = _top_folder(dataset.path, "datasets")
        if folder:
            plan["folders"].append(folder)
        plan["kept_results"] = [r.id for r in results if _result_dataset(r) == item_id]
    else:
        result = next((r for r in results if r.id == item_id), None)
        if result is None:
            raise UserError(f"There is no result {item_id}.", "List them with `python -m core results`.")
        plan["name"] = f"{result.kind} result"
        plan["results"] = [item_id]
    doomed = set(plan["variants"])
    plan["results"] += [r.id for r in results if r.variant_id in doomed and r.id not in plan["results"]]
    keep_paths = {p for v in variants if v.id not in doomed for p in (v.xml_path, v.bin_path)}
    for variant_id in plan["variants"]:
        variant = by_variant[variant_id]
        folder = _top_folder(variant.xml_path, "models")
        others_in_folder = folder and any(_top_folder(p, "models") == folder for p in keep_paths)
        if folder and not others_in_folder:
            if folder not in plan["folders"]:
                plan["folders"].append(folder)
        elif folder:  # a models/ folder shared with a variant that stays: only this one's files
            plan["files"] += [p for p in (variant.xml_path, variant.bin_path) if p not in keep_paths]
        # an imported IR lives in its model's upload folder: its files go with the model, not alone
    for job in active:
        params = job.params or {}
        if job.variant_id in doomed or params.get("variant_id") in doomed or params.get("reference_variant_id") in doomed \
                or (kind == "dataset" and item_id in (params.get("dataset_id"), params.get("validation_dataset_id"))):
            plan["blocked_by_jobs"].append(job.id)
    root = workspace_root()
    plan["bytes"] = sum(path_bytes(root / f) for f in plan["folders"]) + sum(path_bytes(resolve(f)) for f in plan["files"])
    plan["dependants"] = {
        "variants": [v for v in plan["variants"] if not (kind == "variant" and v == item_id)],
        "results": [r for r in plan["results"] if not (kind == "result" and r == item_id)],
    }
    return plan


def delete_item(kind: str, item_id: int, with_dependants: bool = False) -> dict[str, Any]:
    """Delete after `delete_plan`; refuses when something depends on it unless `with_dependants`."""
    plan = delete_plan(kind, item_id)
    if plan["blocked_by_jobs"]:
        raise UserError(
            f"{kind.capitalize()} {item_id} is in use by job(s) {', '.join(map(str, plan['blocked_by_jobs']))}.",
            "Wait for them to finish or cancel them, then delete.",
        )
    dependants = plan["dependants"]
    if (dependants["variants"] or dependants["results"]) and not with_dependants:
        parts = []
        if dependants["variants"]:
            parts.append("variants " + ", ".join(f"#{v}" for v in dependants["variants"]))
        if dependants["results"]:
            parts.append("results " + ", ".join(f"#{r}" for r in dependants["results"]))
        raise UserError(
            f"{kind.capitalize()} {item_id} has dependants: {'; '.join(parts)}.",
            "Delete them too with --with-dependants (the Storage page asks first), or delete them one by one.",
        )
    doomed_variants = plan["variants"]
    with session_scope() as s:
        for result_id in plan["results"]:
            row = s.get(Result, result_id)
            if row is not None:
                s.delete(row)
        s.flush()
        if doomed_variants:
            for job in s.scalars(select(Job).where(Job.variant_id.in_(doomed_variants))):
                job.variant_id = None  # the job's history stays; it names a deleted variant
            s.flush()
        for variant_id in doomed_variants:  # deepest first: children before parents
            row = s.get(Variant, variant_id)
            if row is not None:
                s.delete(row)
                s.flush()
        for dataset_id in plan["datasets"]:
            row = s.get(Dataset, dataset_id)
            if row is not None:
                s.delete(row)
        for model_id in plan["models"]:
            row = s.get(Model, model_id)
            if row is not None:
                s.delete(row)
    root = workspace_root()
    for folder in plan["folders"]:
        remove_artifact_dir(root / folder)
    for file in plan["files"]:
        path = resolve(file).resolve()
        if root.resolve() in path.parents:
            path.unlink(missing_ok=True)
    return {**plan, "deleted": True}


# --- abandoned uploads ------------------------------------------------------------------------

def _owned_uploads() -> set[str]:
    """`uploads/<uuid>` folders a model, a variant or an active job still uses."""
    models, variants, _datasets, _results, active = _load()
    owned: set[str] = set()
    for model in models:
        for value in ((model.info or {}).get("upload_dir"), model.source_path):
            folder = _top_folder(value, "uploads")
            if folder:
                owned.add(folder)
    for variant in variants:
        for value in (variant.xml_path, variant.bin_path):
            folder = _top_folder(value, "uploads")
            if folder:
                owned.add(folder)
    for job in active:
        for value in (job.params or {}).values():
            folder = _top_folder(value, "uploads") if isinstance(value, str) else None
            if folder:
                owned.add(folder)
    return owned


def abandoned_uploads(max_age_s: float = DEFAULT_STAGE_AGE_S) -> list[Path]:
    """Upload folders nothing owns, untouched for `max_age_s` (a stage being filled is younger)."""
    folder = workspace_root() / "uploads"
    if not folder.is_dir():
        return []
    owned = _owned_uploads()
    cutoff = time.time() - max_age_s
    found = []
    for entry in sorted(folder.iterdir()):
        if entry.is_dir() and not entry.is_symlink() and f"uploads/{entry.name}" not in owned:
            newest = max([entry.stat().st_mtime, *(p.stat().st_mtime for p in entry.iterdir())], default=0)
            if newest <= cutoff:
                found.append(entry)
    return found


def sweep_abandoned(max_age_s: float = DEFAULT_STAGE_AGE_S) -> dict[str, Any]:
    """Remove abandoned upload stages and old tmp/ scratch; what was removed and how much."""
    removed = abandoned_uploads(max_age_s)
    freed = sum(path_bytes(p) for p in removed)
    for path in removed:
        remove_artifact_dir(path)
    return {"removed_uploads": [f"uploads/{p.name}" for p in removed], "freed_bytes": freed,
            "removed_tmp": sweep_tmp(max_age_s)}


# --- CLI --------------------------------------------------------------------------------------

def _human_bytes(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return str(size)


def _summary(args: Any) -> Any:
    report = storage_report()
    if getattr(args, "json", False):
        return report
    lines = {f"{a['area']}": _human_bytes(a["bytes"]) for a in report["areas"]}
    return {
        "workspace": report["workspace"], "total": _human_bytes(report["total_bytes"]),
        "free on disk": _human_bytes(report["free_bytes"]), "by area": lines,
        "models": [f"#{m['id']} {m['name']!r}: {_human_bytes(m['bytes'])}, variants {m['variants']}" for m in report["models"]],
        "variants": [f"#{v['id']} {v['name']!r} ({v['precision']}): {_human_bytes(v['bytes'])}, children {v['children']}, "
                     f"results {v['results']}" for v in report["variants"]],
        "datasets": [f"#{d['id']} {d['name']!r}: {_human_bytes(d['bytes'])}, used by results {d['used_by_results']}"
                     for d in report["datasets"]],
        "results": len(report["results"]),
        "abandoned uploads": [f"{u['folder']}: {_human_bytes(u['bytes'])}, {u['age_h']} h old" for u in report["abandoned_uploads"]],
    }


def _delete(args: Any) -> Any:
    return delete_item(args.kind, args.id, with_dependants=args.with_dependants)


def _sweep(args: Any) -> Any:
    return sweep_abandoned(args.max_age_hours * 3600)


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "storage", "what uses disk in the workspace; delete models, variants, datasets, results",
                         _summary)
    actions = parser.add_subparsers(dest="action")
    delete = add_command(actions, "delete", "delete a model, variant, dataset or result (lists its dependants first)", _delete)
    delete.add_argument("kind", choices=KINDS)
    delete.add_argument("id", type=int)
    delete.add_argument("--with-dependants", action="store_true",
                        help="also delete the variants made from it and their results")
    sweep = add_command(actions, "sweep", "remove upload folders nothing owns and old scratch folders", _sweep)
    sweep.add_argument("--max-age-hours", type=float, default=DEFAULT_STAGE_AGE_S / 3600,
                       help="only folders untouched this long (default 6)")

