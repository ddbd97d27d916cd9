"""Annotation files: which class(es) each image is, without one folder per class.

Users of ImageNet-style data have a `val.txt` (`ILSVRC2012_val_00000001.JPEG 65` per line)
rather than 1,000 class folders; DL Workbench read those and users asked for it. Two shapes
are understood:

- text (`.txt`): `file class [class ...]` per line, classes separated by spaces or commas;
  several classes mean "any of these is a right answer" (an ImageNet photo of a dog whose
  breeds are all acceptable). Blank lines and `#` comments are skipped; a file name may
  contain spaces (the class indices are read from the end of the line).
- CSV (`.csv`): `file,label` or `file,labels` with a set written as `151;152` or `151 152`
  (or further columns), header row optional.

A label is a class index, or a class name when a labels file gives the names. The result is
one label per image: an int, or a sorted list of ints for a set.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path, PurePosixPath

from core.errors import UserError

# File names that are annotation files wherever they sit at the top of a dataset.
ANNOTATION_NAMES = ("val.txt", "annotations.txt", "annotation.txt", "ground_truth.txt", "labels.csv",
                    "annotations.csv", "annotation.csv", "val.csv")
_HEADER_FILE_WORDS = {"file", "filename", "file_name", "image", "image_name", "path", "name", "img"}
_SEPARATORS = re.compile(r"[\s,;]+")
_TRAILING_LABELS = re.compile(r"^(?P<file>.*?\S)[\s,]+(?P<labels>\d+(?:[\s,;]+\d+)*)\s*$")

Label = int | list[int]


def _label_value(tokens: list[str], names: dict[str, int] | None, where: str) -> Label:
    """Class indices (or names, when a labels file gives them) -> int or sorted unique list."""
    indices: list[int] = []
    for token in tokens:
        if token.isdigit():
            indices.append(int(token))
        elif names is not None and token in names:
            indices.append(names[token])
        else:
            hint = ("Labels are class indices (0-based), or names from the labels file."
                    if names is not None else "Labels are class indices (0-based); give a labels file to use names.")
            raise UserError(f"{where}: {token!r} is not a class index.", hint)
    if not indices:
        raise UserError(f"{where}: no class given.", "Write `file class` (or `file class class ...` for a set).")
    unique = sorted(set(indices))
    return unique[0] if len(unique) == 1 else unique


def parse_text(text: str, names: dict[str, int] | None = None, source: str = "annotation file") -> dict[str, Label]:
    """`file class [class ...]` lines -> {file: label}."""
    entries: dict[str, Label] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{source}, line {number}"
        match = _TRAILING_LABELS.match(line)
        if match is not None:
            file, tokens = match["file"].strip(" ,"), _SEPARATORS.split(match["labels"].strip())
        else:  # class names, or a malformed line: split on separators
            parts = [p for p in _SEPARATORS.split(line) if p]
            if len(parts) < 2:
                raise UserError(f"{where} has no class: {line[:80]!r}.",
                                "Each line is `file class`, e.g. `ILSVRC2012_val_00000001.JPEG 65`.")
            file, tokens = parts[0], parts[1:]
        _add(entries, file, _label_value(tokens, names, where), where)
    return entries


def parse_csv(text: str, names: dict[str, int] | None = None, source: str = "annotation file") -> dict[str, Label]:
    """`file,label(s)` rows (header optional) -> {file: label}."""
    entries: dict[str, Label] = {}
    rows = list(csv.reader(io.StringIO(text)))
    for number, row in enumerate(rows, 1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if number == 1 and cells[0].lower() in _HEADER_FILE_WORDS:
            continue  # header row
        where = f"{source}, row {number}"
        if len(cells) < 2 or not any(cells[1:]):
            raise UserError(f"{where} has no label: {','.join(cells)[:80]!r}.", "Each row is `file,label` (a set: `file,151;152`).")
        tokens = [t for cell in cells[1:] for t in _SEPARATORS.split(cell) if t]
        _add(entries, cells[0], _label_value(tokens, names, where), where)
    return entries


def _add(entries: dict[str, Label], file: str, label: Label, where: str) -> None:
    key = file.replace("\\", "/")
    key = key[2:] if key.startswith("./") else key
    if key in entries:
        raise UserError(f"{where}: the file {file!r} is annotated twice.",
                        "List every image once; put all its acceptable classes on its one line.")
    entries[key] = label


def parse_annotation_file(path: Path, names: list[str] | None = None) -> dict[str, Label]:
    """Read a .txt or .csv annotation file (format chosen by the suffix, else by commas)."""
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    index = {name: i for i, name in enumerate(names)} if names else None
    if path.suffix.lower() == ".csv":
        return parse_csv(text, index, path.name)
    return parse_text(text, index, path.name)


def find_annotation_file(root: Path) -> Path | None:
    """An annotation file at the top of a dataset, by its well-known name."""
    for name in ANNOTATION_NAMES:
        if (root / name).is_file():
            return root / name
    return None


def match_images(entries: dict[str, Label], relative_files: list[str], source: str) -> tuple[list[Label], int]:
    """Labels in the order of the images; (labels, annotation lines naming no image).

    An entry matches an image by its path under the dataset, else by its file name when that
    name is unique (ImageNet's val.txt names files, wherever they were unpacked), else by its
    name without extension (CSV image ids such as `ILSVRC2012_val_00000001`). Lines for
    images that are not there are allowed — a subset of ImageNet with the full val.txt is the
    usual case — but every image must have a line.
    """
    by_name: dict[str, list[str]] = {}
    by_stem: dict[str, list[str]] = {}
    for file in relative_files:
        by_name.setdefault(PurePosixPath(file).name, []).append(file)
        by_stem.setdefault(PurePosixPath(file).stem, []).append(file)
    labels_of: dict[str, Label] = {}
    unmatched = 0
    for key, label in entries.items():
        name = PurePosixPath(key).name
        if key in by_name.get(name, []):
            labels_of[key] = label
        elif "/" not in key and len(by_name.get(name, [])) == 1:
            labels_of[by_name[name][0]] = label
        elif "/" not in key and name not in by_name and len(by_stem.get(name, [])) == 1:
            labels_of[by_stem[name][0]] = label
        else:
            unmatched += 1
    missing = [f for f in relative_files if f not in labels_of]
    if len(missing) == len(relative_files):
        raise UserError(f"No image of the dataset is named in {source}.",
                        "The first column must be the image file name (or its path inside the dataset).")
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise UserError(f"{len(missing)} image(s) have no line in {source}: {shown}.",
                        "Add a line for each image, or remove the images that have no label.")
    return [labels_of[f] for f in relative_files], unmatched
