"""`python -m core accuracy MODEL.xml --data DATASET [--reference PARENT.xml]`.

The command builds an `AccuracyRequest` (its options — samples, compute precision — from the
request's declaration), checks it once and measures the files in this process; `--data` may
import a folder/archive first, and the preprocessing comes from the model and its flags.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from core.accuracy.requests import AccuracyRequest
from core.commands import add_command
from core.datasets.catalog import KIND_NPZ, get_dataset, resolve_dataset_argument
from core.datasets.cli import add_preprocessing_arguments, spec_from_arguments
from core.datasets.preprocessing import spec_from_model
from core.ov_core import read_model
from core.requests import add_options, from_args


def _accuracy(args: argparse.Namespace) -> Any:
    dataset_id = resolve_dataset_argument(args.data, Path(args.labels) if args.labels else None,
                                          Path(args.annotations) if args.annotations else None)
    spec = None
    if get_dataset(dataset_id).kind != KIND_NPZ:
        spec = spec_from_arguments(args, spec_from_model(read_model(args.model)))
    request = from_args(AccuracyRequest, args, model_path=str(Path(args.model).resolve()), dataset_id=dataset_id,
                        reference_path=str(Path(args.reference).resolve()) if args.reference else None,
                        preprocessing=spec.to_dict() if spec is not None else None)
    request.check()
    result = request.measure()
    # One row per image (worst disagreements first), at the top where a script looks for it.
    result["per_image"] = result["report"].pop("per_image", [])
    return result


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "accuracy", "top-1/top-5 with labels, or agreement with a reference model", _accuracy)
    parser.add_argument("model", help="IR .xml (or ONNX) to measure")
    parser.add_argument("--data", required=True, help="dataset id, image folder/archive or .npz")
    parser.add_argument("--reference", help="reference model (e.g. the FP32 parent) for agreement")
    parser.add_argument("--labels", help="class names, one per line in class-index order (when --data is imported now)")
    parser.add_argument("--annotations", help="val.txt (`file class [class ...]`) or CSV `file,label(s)` for --data "
                                              "imported now")
    add_options(parser, AccuracyRequest)
    add_preprocessing_arguments(parser)
