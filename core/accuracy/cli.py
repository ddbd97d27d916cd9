"""`python -m core accuracy MODEL.xml|VARIANT_ID --data DATASET [--reference PARENT.xml] [--target NAME]`.

The command builds an `AccuracyRequest` (its options — samples, compute precision, device,
target machine — from the request's declaration) and checks it once. Files are measured in this
process; a workspace variant is measured by its job (`run_request_inline`: listed among the
jobs, result stored as from a page), which is also how a remote target measures (`--target`).
`--data` may import a folder/archive first; the preprocessing comes from the model and its flags.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from core.accuracy.requests import AccuracyRequest
from core.benchmark.requests import model_context
from core.commands import add_command
from core.datasets.catalog import KIND_NPZ, get_dataset, resolve_dataset_argument
from core.datasets.cli import add_preprocessing_arguments, spec_from_arguments
from core.datasets.preprocessing import spec_from_model
from core.errors import UserError
from core.jobs import run_request_inline
from core.ov_core import read_model
from core.requests import add_options, from_args
from core.store.reads import stored_metrics


def _accuracy(args: argparse.Namespace) -> Any:
    dataset_id = resolve_dataset_argument(args.data, Path(args.labels) if args.labels else None,
                                          Path(args.annotations) if args.annotations else None)
    model = model_context(args.model)
    reference: dict[str, Any] = {}
    if args.reference:
        given = model_context(args.reference)  # a variant id, or a file (as the measured model is read)
        reference = ({"reference_variant_id": given["variant_id"]} if "variant_id" in given
                     else {"reference_path": given["model_path"]})
    request = from_args(AccuracyRequest, args, **model, **reference, dataset_id=dataset_id)
    if get_dataset(dataset_id).kind != KIND_NPZ:
        request.preprocessing = spec_from_arguments(args, spec_from_model(read_model(request.model_xml()))).to_dict()
    if request.variant_id is not None:
        if request.reference_path:
            raise UserError("A variant's accuracy job compares with a variant.",
                            "Give --reference as a variant id (default: the variant's parent).")
        done = run_request_inline(request, verbose=bool(getattr(args, "verbose", False)))
        result = {**stored_metrics(done["result_id"]), "result_id": done["result_id"], "job_id": done["job_id"]}
    else:
        if request.on_target():
            raise UserError("A target measures a workspace variant, not a file of this machine.",
                            "Import the model first (`python -m core import`), then pass its variant id.")
        request.check()
        result = request.measure()
    # One row per image (worst disagreements first), at the top where a script looks for it.
    result["per_image"] = result["report"].pop("per_image", [])
    return result


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "accuracy", "top-1/top-5 with labels, or agreement with a reference model", _accuracy)
    parser.add_argument("model", help="IR .xml (or ONNX) to measure, or the id of a workspace variant")
    parser.add_argument("--data", required=True, help="dataset id, image folder/archive or .npz")
    parser.add_argument("--reference", help="reference model (e.g. the FP32 parent) for agreement: a file, or a "
                                            "variant id (a variant's default: its parent)")
    parser.add_argument("--labels", help="class names, one per line in class-index order (when --data is imported now)")
    parser.add_argument("--annotations", help="val.txt (`file class [class ...]`) or CSV `file,label(s)` for --data "
                                              "imported now")
    add_options(parser, AccuracyRequest)
    add_preprocessing_arguments(parser)
