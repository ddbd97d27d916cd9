"""`python -m core quantize|compress MODEL.xml -o OUT_DIR ...` — INT8, FP16 and weight compression of IR files.

Works on files (the model need not be in the workspace); datasets are ids or paths, and a
path is imported into the workspace once so the next run can reuse it by id.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from core.commands import add_command
from core.datasets.catalog import resolve_dataset_argument
from core.datasets.cli import add_preprocessing_arguments, spec_from_arguments
from core.datasets.preprocessing import spec_from_model
from core.errors import UserError
from core.ov_core import read_model
from core.quantize.pipeline import compress_ir, quantize_ir
from core.quantize.requests import CompressRequest, QuantizeRequest
from core.requests import add_options, from_args

log = logging.getLogger("ovwb.quantize")


def _log_progress(fraction: float | None, message: str) -> None:
    log.info("[%s] %s", f"{fraction:.0%}" if fraction is not None else "…", message)


def output_path(model: str, out_dir: str) -> tuple[Path, Path]:
    source = Path(model)
    target = Path(out_dir) / f"{source.stem}.xml"
    if target.resolve() == source.resolve():
        raise UserError("The output would overwrite the input model.", "Choose another output folder with -o.")
    return source, target


def _data_and_spec(args: argparse.Namespace, xml: Path, value: str | None) -> tuple[int | None, Any]:
    """(dataset id or None for random, preprocessing dict or None)."""
    if value is None or value == "random":
        return None, None
    dataset_id = resolve_dataset_argument(value)
    from core.datasets.catalog import KIND_NPZ, get_dataset

    if get_dataset(dataset_id).kind == KIND_NPZ:
        return dataset_id, None
    return dataset_id, spec_from_arguments(args, spec_from_model(read_model(xml))).to_dict()


def _quantize(args: argparse.Namespace) -> Any:
    source, target = output_path(args.model, args.output)
    if args.data == "random":
        log.warning("calibrating on random data: accuracy of the result is not representative")
    dataset_id, spec = _data_and_spec(args, source, args.data)
    validation_id = resolve_dataset_argument(args.validation_data) if args.validation_data else None
    request = from_args(QuantizeRequest, args, model_path=str(source), dataset_id=dataset_id, preprocessing=spec,
                        validation_dataset_id=validation_id, measure_accuracy=not args.no_accuracy)
    request.check_options()  # the model and data are checked as quantize_ir opens them, before NNCF runs
    return quantize_ir(source, target, request.dataset_id, request, request.preprocessing,
                       request.validation_dataset_id, measure_accuracy=request.measure_accuracy, progress=_log_progress)


def _compress(args: argparse.Namespace) -> Any:
    source, target = output_path(args.model, args.output)
    dataset_id, spec = _data_and_spec(args, source, args.data)
    request = from_args(CompressRequest, args, model_path=str(source), dataset_id=dataset_id, preprocessing=spec)
    request.check()
    return compress_ir(source, target, request.mode, request.ratio if request.int4 else None,
                       request.group_size if request.int4 else None, request.dataset_id, request.preprocessing,
                       progress=_log_progress)


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "quantize", "INT8 post-training quantization with NNCF (optionally accuracy-aware)", _quantize)
    parser.add_argument("model", help="IR .xml (or ONNX) to quantize")
    parser.add_argument("-o", "--output", required=True, help="output folder; writes <name>.xml/.bin there")
    parser.add_argument("--data", required=True, help="dataset id, image folder/archive, .npz, or 'random' (warned)")
    parser.add_argument("--validation-data", help="dataset for accuracy control/measurement (default: --data)")
    parser.add_argument("--no-accuracy", action="store_true", help="skip measuring accuracy after quantizing")
    add_options(parser, QuantizeRequest)
    add_preprocessing_arguments(parser)

    parser = add_command(subparsers, "compress", "FP16 weights, or NNCF weight-only INT8/INT4 compression", _compress)
    parser.add_argument("model", help="IR .xml (or ONNX)")
    parser.add_argument("-o", "--output", required=True, help="output folder; writes <name>.xml/.bin there")
    parser.add_argument("--data", help="optional dataset to measure agreement with the original")
    add_options(parser, CompressRequest)
    add_preprocessing_arguments(parser)
