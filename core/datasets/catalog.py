"""Datasets uploaded once and reused: import (folder, archive or .npz), list, look up.

An import copies the data into a fresh workspace folder, decides its kind from its shape
and writes a manifest (file list + label per file) next to the data, so a calibration run
never re-scans folders or trusts names again. Labels come from, in this order:

- an annotation file (`val.txt` lines `file class [class ...]`, or a CSV `file,label(s)`),
  found at the top of the data by its name or given explicitly — any folder layout;
- class-index folders (`0/`, `1/`, `207/`: the folder name is the class index, so a subset
  of a 1,000-class dataset needs no 1,000-line labels file);
- class-name folders, indexed by the lines of a labels file (else by sorted folder names);
- nothing: a flat folder is unlabelled. A `.npz` holds tensors and an optional `labels` array.

A label is one class index, or a sorted list of indices when several answers are right.
Old manifests (one int or None per file) read unchanged.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from sqlalchemy import select

from core.datasets.annotations import Label, find_annotation_file, match_images, parse_annotation_file
from core.errors import UserError
from core.importer.archives import extract_archive, is_archive
from core.store import Dataset, session_scope
from core.workspace import new_artifact_dir, remove_artifact_dir, resolve, to_relative

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
LABEL_FILE_NAMES = ("labels.txt", "classes.txt")
MANIFEST_NAME = "manifest.json"
NPZ_LABELS_KEY = "labels"
KIND_IMAGES, KIND_LABELLED, KIND_NPZ = "images", "labelled-images", "npz"


LABELS_FROM_ANNOTATION = "annotation file"
LABELS_FROM_INDEX_FOLDERS = "class-index folders"
LABELS_FROM_LABELS_FILE = "class folders + labels file"
LABELS_FROM_FOLDER_NAMES = "class folders (sorted names)"


@dataclass(frozen=True)
class Manifest:
    """The items of an image dataset: paths relative to the data folder and each one's label.

    A label is None (unlabelled), a class index, or a sorted list of acceptable class indices.
    `classes` are class names by index when known (labels file or class-name folders).
    """

    files: list[str]
    labels: list[Label | None]
    classes: list[str] | None
    labels_from: str | None = None
    annotation: str | None = None
    unmatched_lines: int = 0


def label_set(label: Label | None) -> tuple[int, ...]:
    """A stored label as the tuple of acceptable class indices (empty when unlabelled)."""
    if label is None:
        return ()
    if isinstance(label, (list, tuple)):
        return tuple(int(x) for x in label)
    return (int(label),)


def _image_files(root: Path) -> list[Path]:
    return sorted(
        p for p in root.rglob("*")
        if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")
        and "__MACOSX" not in p.relative_to(root).parts
    )


def _data_root(folder: Path) -> Path:
    """Skip wrapper folders: a zip of `photos/` holds `photos/a.jpg`, not `a.jpg`."""
    root = folder
    while True:
        entries = [p for p in root.iterdir() if not p.name.startswith(".") and p.name != "__MACOSX"]
        dirs = [p for p in entries if p.is_dir()]
        files = [p for p in entries if p.is_file()]
        if len(dirs) == 1 and not files:
            root = dirs[0]
        else:
            return root


def _read_label_file(root: Path, explicit: Path | None) -> list[str] | None:
    path = explicit if explicit is not None else next(
        (root / n for n in LABEL_FILE_NAMES if (root / n).is_file()), None
    )
    if path is None:
        return None
    names = [line.strip() for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    if len(set(names)) != len(names):
        raise UserError(f"The labels file {path.name} lists a class twice.")
    return names


def _unreadable(paths: list[Path], root: Path) -> list[str]:
    bad = []
    for path in paths:
        data = np.fromfile(path, dtype=np.uint8)
        if data.size == 0 or cv2.imdecode(data, cv2.IMREAD_COLOR) is None:
            bad.append(path.relative_to(root).as_posix())
    return bad


def scan_images(
    root: Path, class_order: list[str] | None = None, verify: bool = True, annotation: Path | None = None,
) -> Manifest:
    """Find the images under `root` and their labels; UserError for anything inconsistent.

    `class_order` (from a labels file) gives class names by index. `annotation` (or a file
    named like one at the top of `root`) gives each image's class(es). `verify` decodes every
    image once (at import), so a job never meets a broken file.
    """
    images = _image_files(root)
    if not images:
        raise UserError(
            "No images found (looked for " + ", ".join(IMAGE_SUFFIXES) + ").",
            "Upload a zip/tar of a folder of images, or a .npz of tensors.",
        )
    bad = _unreadable(images, root) if verify else []
    if bad:
        shown = ", ".join(bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        raise UserError(f"{len(bad)} image(s) cannot be decoded: {shown}.", "Remove or re-save them, then upload again.")
    relative = [p.relative_to(root) for p in images]
    files = [r.as_posix() for r in relative]
    annotation = annotation if annotation is not None else find_annotation_file(root)
    if annotation is not None:
        entries = parse_annotation_file(annotation, class_order)
        labels, unmatched = match_images(entries, files, annotation.name)
        return Manifest(files, labels, class_order, LABELS_FROM_ANNOTATION, annotation.name, unmatched)
    top_level_files = [r for r in relative if len(r.parts) == 1]
    class_dirs = sorted({r.parts[0] for r in relative if len(r.parts) > 1})
    if not class_dirs or top_level_files:
        if class_dirs:
            raise UserError(
                "Some images are at the top level and some in sub-folders.",
                "Put every image in one sub-folder per class (labelled) or all in one folder (unlabelled), "
                "or add an annotation file (val.txt: `file class` per line).",
            )
        return Manifest(files, [None] * len(relative), None)
    if all(d.isdigit() for d in class_dirs) and (class_order is None or not set(class_dirs) & set(class_order)):
        # Folder names are class indices; a labels file, if any, only names them.
        return Manifest(files, [int(r.parts[0]) for r in relative], class_order, LABELS_FROM_INDEX_FOLDERS)
    classes = class_order or class_dirs
    missing = [d for d in class_dirs if d not in classes]
    if missing:
        raise UserError(
            f"Folders {', '.join(missing)} are not in the labels file.",
            "Every class folder must be named exactly as one line of labels.txt "
            "(or be a class index: 0, 1, 207 ...).",
        )
    index = {name: i for i, name in enumerate(classes)}
    return Manifest(files, [index[r.parts[0]] for r in relative], classes,
                    LABELS_FROM_LABELS_FILE if class_order else LABELS_FROM_FOLDER_NAMES)


def label_facts(manifest: Manifest) -> dict[str, Any]:
    """What a dataset row records about its labels (for listing and for fitting it to a model)."""
    sets = [label_set(label) for label in manifest.labels if label is not None]
    if not sets:
        return {"labelled": False}
    indices = sorted({i for s in sets for i in s})
    facts: dict[str, Any] = {
        "labelled": True,
        "labels_from": manifest.labels_from,
        "class_names": manifest.classes is not None,
        "max_class": indices[-1],
        "class_indices": len(indices),
        "multi_label": sum(len(s) > 1 for s in sets),
    }
    if manifest.annotation:
        facts.update(annotation=manifest.annotation, unmatched_lines=manifest.unmatched_lines)
    return facts


def _npz_summary(path: Path) -> dict[str, Any]:
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except (ValueError, OSError, zipfile.BadZipFile) as exc:
        raise UserError(
            f"{path.name} is not a readable .npz of plain arrays ({exc}).",
            "Save it with numpy.savez(file, input_name=array, labels=array); object arrays are refused.",
        ) from exc
    tensors = {k: v for k, v in arrays.items() if k != NPZ_LABELS_KEY}
    if not tensors:
        raise UserError(f"{path.name} holds no input arrays.", "Add one array per model input, named like the input.")
    counts = {k: (v.shape[0] if v.ndim else 0) for k, v in arrays.items()}
    if len(set(counts.values())) != 1 or 0 in counts.values():
        raise UserError(
            f"The arrays in {path.name} have different numbers of samples: {counts}.",
            "The first axis of every array is the sample axis and must have the same length.",
        )
    labels = arrays.get(NPZ_LABELS_KEY)
    if labels is not None and (labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer)):
        raise UserError("The `labels` array must be one integer class index per sample.")
    return {
        "count": next(iter(counts.values())),
        "arrays": {k: {"shape": list(v.shape[1:]), "dtype": v.dtype.name} for k, v in tensors.items()},
        "labelled": labels is not None,
        "classes": sorted({int(x) for x in labels}) if labels is not None else None,
    }


def import_dataset(
    source: Path, name: str | None = None, labels_file: Path | None = None, annotations: Path | None = None,
) -> int:
    """Copy a folder, zip/tar or .npz into the workspace as a Dataset row; returns its id.

    `labels_file`: class names, one per line, in class-index order. `annotations`: a
    `file class...` text or CSV file (else one named like val.txt inside the data is used).
    """
    source = Path(source)
    if not source.exists():
        raise UserError(f"{source} does not exist.")
    for extra in (labels_file, annotations):
        if extra is not None and not Path(extra).is_file():
            raise UserError(f"{extra} does not exist.")
    display_name = name or source.name
    folder = new_artifact_dir("datasets")
    try:
        if source.is_file() and source.suffix.lower() == ".npz":
            if annotations is not None:
                raise UserError("An annotation file labels images; a .npz carries its labels as its `labels` array.")
            target = folder / "data.npz"
            shutil.copyfile(source, target)
            summary = _npz_summary(target)
            row = Dataset(
                name=display_name, kind=KIND_NPZ, path=to_relative(target), item_count=summary["count"],
                classes=summary["classes"], info={"arrays": summary["arrays"], "labelled": summary["labelled"]},
            )
        else:
            data = folder / "data"
            if source.is_dir():
                shutil.copytree(source, data, symlinks=False)
            elif is_archive(source):
                extract_archive(source, data)  # zip-slip / bomb / link checks live there
            else:
                raise UserError(
                    f"{source.name} is neither an image archive (.zip, .tar, .tar.gz) nor a .npz.",
                    "Upload a zip of a folder of images, or a .npz of tensors.",
                )
            root = _data_root(data)
            manifest = scan_images(root, _read_label_file(root, labels_file), annotation=annotations)
            (folder / MANIFEST_NAME).write_text(json.dumps({
                "root": root.relative_to(folder).as_posix(), "files": manifest.files,
                "labels": manifest.labels, "classes": manifest.classes, "labels_from": manifest.labels_from,
                "annotation": manifest.annotation,
            }))
            facts = label_facts(manifest)
            classes = manifest.classes
            if classes is None and facts["labelled"]:  # indices only: the indices that occur, like a .npz
                classes = sorted({i for label in manifest.labels for i in label_set(label)})
            row = Dataset(
                name=display_name, kind=KIND_LABELLED if facts["labelled"] else KIND_IMAGES,
                path=to_relative(folder), item_count=len(manifest.files), classes=classes, info=facts,
            )
        with session_scope() as s:
            s.add(row)
            s.flush()
            return row.id
    except BaseException:
        remove_artifact_dir(folder)
        raise


def get_dataset(dataset_id: int) -> Dataset:
    with session_scope() as s:
        dataset = s.get(Dataset, dataset_id)
    if dataset is None:
        raise UserError(f"There is no dataset {dataset_id}.", "List them with `python -m core dataset list`.")
    return dataset


def list_datasets() -> list[Dataset]:
    with session_scope() as s:
        return list(s.scalars(select(Dataset).order_by(Dataset.id)))


def load_manifest(dataset: Dataset) -> tuple[Path, Manifest]:
    """The data root folder and items of an image dataset.

    Datasets written by other features (e.g. the first-run sample) may be plain folders
    without our manifest: they are scanned, with the row's class list as the class order.
    """
    folder = resolve(dataset.path)
    if not folder.is_dir():
        raise UserError(f"The files of dataset {dataset.name!r} are missing from the workspace.",
                        "Import the dataset again.")
    manifest_path = folder / MANIFEST_NAME
    if not manifest_path.is_file():
        root = _data_root(folder)
        classes = [str(c) for c in dataset.classes] if dataset.classes else _read_label_file(root, None)
        return root, scan_images(root, classes, verify=False)
    raw = json.loads(manifest_path.read_text())
    return folder / raw["root"], Manifest(raw["files"], raw["labels"], raw["classes"], raw.get("labels_from"),
                                          raw.get("annotation"))


def class_names_of(dataset: Dataset) -> list[str] | None:
    """Class names by index when the dataset knows them (labels file or class-name folders).

    Older rows have no `class_names` fact: their class list is names for images and
    indices for .npz, as it always was.
    """
    info = dataset.info or {}
    if info.get("class_names") is False or dataset.kind == KIND_NPZ or not dataset.classes:
        return None
    return [str(c) for c in dataset.classes]


def dataset_to_dict(dataset: Dataset) -> dict[str, Any]:
    info = dataset.info or {}
    return {
        "id": dataset.id,
        "name": dataset.name,
        "kind": dataset.kind,
        "items": dataset.item_count,
        "labelled": bool(info.get("labelled")),
        "labels_from": info.get("labels_from") or ("npz labels" if dataset.kind == KIND_NPZ and info.get("labelled")
                                                   else None),
        "class_names": class_names_of(dataset) is not None,
        "multi_label": int(info.get("multi_label") or 0),
        "classes": dataset.classes,
        "path": str(resolve(dataset.path)),
        "created_at": dataset.created_at.isoformat() if dataset.created_at else None,
    }


def resolve_dataset_argument(value: str, labels_file: Path | None = None, annotations: Path | None = None) -> int:
    """A CLI `--data` value: a dataset id, or a folder/archive/.npz to import (and keep) now."""
    if value.isdigit():
        return get_dataset(int(value)).id
    return import_dataset(Path(value), labels_file=labels_file, annotations=annotations)
