"""`python -m core outputs A B`, `layer-error PARENT VARIANT`, `requantize PARENT --ignore ...`.

Each command builds the feature's typed request, checks it (same checks as the page) and
runs its job inline (`run_job_inline`: same job row, child process, log and stored result as
a job started from the page).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from core.analysis.requests import LayerErrorRequest, OutputsRequest, RequantizeRequest
from core.commands import add_command
from core.datasets.catalog import resolve_dataset_argument
from core.errors import UserError
from core.jobs import run_request_inline
from core.requests import add_options, from_args
from core.store import Result, session_scope

JOB_TIMEOUT_S = 3600.0


def _dataset(value: str | None) -> int | None:
    return resolve_dataset_argument(value) if value else None


def _image(value: str | None) -> str | None:
    if value is None:
        return None
    path = Path(value).resolve()
    if not path.is_file():
        raise UserError(f"The image {value} does not exist.")
    return str(path)


def _outputs(args: argparse.Namespace) -> Any:
    request = from_args(OutputsRequest, args, model_a=args.a, model_b=args.b, dataset_id=_dataset(args.data),
                        image_path=_image(args.image))
    return run_request_inline(request, args.verbose, JOB_TIMEOUT_S)


def _layer_error(args: argparse.Namespace) -> Any:
    request = from_args(LayerErrorRequest, args, parent=args.parent, variant=args.variant,
                        dataset_id=_dataset(args.data))
    result = run_request_inline(request, args.verbose, JOB_TIMEOUT_S)
    if args.all_layers:
        with session_scope() as s:
            row = s.get(Result, result["result_id"])
            result["layers"] = row.metrics["layers"] if row is not None else []
    return result


def _requantize(args: argparse.Namespace) -> Any:
    request = from_args(RequantizeRequest, args, parent=args.parent, previous=args.previous,
                        dataset_id=_dataset(args.data))
    return run_request_inline(request, args.verbose, JOB_TIMEOUT_S)


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "outputs", "two models' outputs side by side on a dataset or one image "
                         "(top-k, boxes, masks or difference maps), worst disagreement first", _outputs)
    parser.add_argument("a", help="variant id or IR .xml (e.g. the FP32 parent)")
    parser.add_argument("b", help="variant id or IR .xml (e.g. the INT8 variant)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", help="dataset id, image folder/archive or .npz")
    source.add_argument("--image", help="one image file")
    add_options(parser, OutputsRequest)

    parser = add_command(subparsers, "layer-error", "per-layer relative error, cosine and SNR of a variant against "
                         "its parent, layers where the error jumps first", _layer_error)
    parser.add_argument("parent", help="variant id or IR .xml of the reference (e.g. FP32)")
    parser.add_argument("variant", help="variant id or IR .xml of the optimized model (same layer names)")
    parser.add_argument("--data", required=True, help="dataset id, image folder/archive or .npz")
    add_options(parser, LayerErrorRequest)
    parser.add_argument("--all-layers", action="store_true", help="print every layer's figures, not only the ranking")

    parser = add_command(subparsers, "requantize", "INT8 again from the parent with layers or layer types kept in "
                         "float (or another preset/SmoothQuant alpha); a new variant with lineage", _requantize)
    parser.add_argument("parent", type=int, help="variant id of the float parent")
    parser.add_argument("--previous", type=int, help="the INT8 variant to improve: its settings and dataset are reused")
    add_options(parser, RequantizeRequest)
    parser.add_argument("--data", help="calibration dataset (default: the one --previous was calibrated on)")
