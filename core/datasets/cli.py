"""`python -m core dataset import|list`, and the preprocessing flags other commands share."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

from core.commands import add_command
from core.datasets.catalog import dataset_to_dict, get_dataset, import_dataset, list_datasets
from core.datasets.preprocessing import COLOR_ORDERS, LAYOUTS, RESIZE_MODES, PreprocessSpec, parse_floats
from core.errors import UserError


def add_preprocessing_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("image preprocessing (defaults come from the model)")
    group.add_argument("--mean-values", help="per-channel mean in 0-255 units, e.g. 123.675,116.28,103.53; 'none' = no mean")
    group.add_argument("--scale-values", help="per-channel divisor in 0-255 units, e.g. 58.395,57.12,57.375; 'none' = no scale")
    group.add_argument("--reverse-channels", action="store_true", help="swap the colour order the model expects (RGB<->BGR)")
    group.add_argument("--color", choices=COLOR_ORDERS, help="colour order fed to the model")
    group.add_argument("--layout", choices=LAYOUTS, help="tensor layout of the model input")
    group.add_argument("--resize", choices=RESIZE_MODES, help="center_crop keeps aspect (short side, then crop); stretch does not")
    group.add_argument("--input-size", help="WIDTHxHEIGHT when the model input size is dynamic, e.g. 224x224")


def spec_from_arguments(args: argparse.Namespace, base: PreprocessSpec) -> PreprocessSpec:
    """The model's pre-filled spec with the user's flags applied on top."""
    changes: dict[str, Any] = {}
    for flag, key in (("mean_values", "mean"), ("scale_values", "scale")):
        value = getattr(args, flag, None)
        if value is not None:
            changes[key] = None if value.strip().lower() == "none" else parse_floats(value)
    if getattr(args, "color", None):
        changes["color"] = args.color
    if getattr(args, "reverse_channels", False):
        current = changes.get("color", base.color)
        changes["color"] = {"RGB": "BGR", "BGR": "RGB"}.get(current, current)
    if getattr(args, "layout", None):
        changes["layout"] = args.layout
    if getattr(args, "resize", None):
        changes["resize"] = args.resize
    if getattr(args, "input_size", None):
        try:
            width, height = (int(v) for v in args.input_size.lower().split("x"))
        except ValueError as exc:
            raise UserError(f"--input-size {args.input_size!r} is not WIDTHxHEIGHT.", "Example: 224x224.") from exc
        changes.update(width=width, height=height)
    spec = replace(base, **changes)
    spec.check()
    return spec


def _import(args: argparse.Namespace) -> Any:
    dataset_id = import_dataset(Path(args.path), args.name, Path(args.labels) if args.labels else None,
                                Path(args.annotations) if args.annotations else None)
    return dataset_to_dict(get_dataset(dataset_id))


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("dataset", help="calibration/validation datasets: import, list")
    actions = parser.add_subparsers(dest="action", required=True)
    importer = add_command(actions, "import", "import a folder, zip/tar of images, or .npz", _import)
    importer.add_argument("path", help="folder, .zip/.tar(.gz) of images (labelled by an annotation file, class-index "
                                       "folders 0/ 1/ 207/, or class-name folders), or .npz")
    importer.add_argument("--name", help="display name (default: the file name)")
    importer.add_argument("--labels", help="text file with one class name per line, in class-index order")
    importer.add_argument(
        "--annotations",
        help="annotation file: val.txt lines `file class [class ...]` (several classes = any is right) or a CSV "
             "`file,label(s)`; found automatically when named val.txt / annotations.txt / labels.csv in the data",
    )
    add_command(actions, "list", "datasets in the workspace", lambda _a: [dataset_to_dict(d) for d in list_datasets()])
