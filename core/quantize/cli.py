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
from core.quantize.options import DROP_TYPES, METRICS, PRESETS, TARGET_DEVICES, QuantizeOptions, split_names
from core.quantize.pipeline import COMPRESS_MODES, compress_ir, quantize_ir

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
    options = QuantizeOptions(
        subset_size=args.subset_size, preset=args.preset, model_type=args.model_type or "",
        fast_bias_correction=not args.no_fast_bias_correction, target_device=args.target_device,
        ignored_names=split_names(args.ignored_names), ignored_types=split_names(args.ignored_types),
        smooth_quant_alpha=args.smooth_quant_alpha, accuracy_aware=args.accuracy_aware,
        max_drop=args.max_drop, drop_type=args.drop_type, metric=args.metric,
    )
    return quantize_ir(source, target, dataset_id, options, spec, validation_id,
                       measure_accuracy=not args.no_accuracy, progress=_log_progress)


def _compress(args: argparse.Namespace) -> Any:
    source, target = output_path(args.model, args.output)
    dataset_id, spec = _data_and_spec(args, source, args.data)
    return compress_ir(source, target, args.mode, args.ratio, args.group_size, dataset_id, spec, progress=_log_progress)


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "quantize", "INT8 post-training quantization with NNCF (optionally accuracy-aware)", _quantize)
    parser.add_argument("model", help="IR .xml (or ONNX) to quantize")
    parser.add_argument("-o", "--output", required=True, help="output folder; writes <name>.xml/.bin there")
    parser.add_argument("--data", required=True, help="dataset id, image folder/archive, .npz, or 'random' (warned)")
    parser.add_argument("--subset-size", type=int, default=300)
    parser.add_argument("--preset", choices=PRESETS, default="performance")
    parser.add_argument("--model-type", choices=["transformer"])
    parser.add_argument("--target-device", choices=TARGET_DEVICES, default="ANY")
    parser.add_argument("--no-fast-bias-correction", action="store_true", help="use the slower, often more accurate bias correction")
    parser.add_argument("--ignored-names", help="comma-separated layer names to keep in float")
    parser.add_argument("--ignored-types", help="comma-separated layer types to keep in float, e.g. MatMul,Add")
    parser.add_argument("--smooth-quant-alpha", type=float, help="SmoothQuant alpha for MatMul (transformers); -1 = off")
    parser.add_argument("--accuracy-aware", action="store_true", help="nncf.quantize_with_accuracy_control")
    parser.add_argument("--validation-data", help="dataset for accuracy control/measurement (default: --data)")
    parser.add_argument("--max-drop", type=float, default=0.01, help="maximal metric drop (0.01 = 1 point)")
    parser.add_argument("--drop-type", choices=DROP_TYPES, default="absolute")
    parser.add_argument("--metric", choices=METRICS, default="top1", help="top1 needs labels; agreement compares with FP32")
    parser.add_argument("--no-accuracy", action="store_true", help="skip measuring accuracy after quantizing")
    add_preprocessing_arguments(parser)

    parser = add_command(subparsers, "compress", "FP16 weights, or NNCF weight-only INT8/INT4 compression", _compress)
    parser.add_argument("model", help="IR .xml (or ONNX)")
    parser.add_argument("-o", "--output", required=True, help="output folder; writes <name>.xml/.bin there")
    parser.add_argument("--mode", choices=COMPRESS_MODES, required=True)
    parser.add_argument("--ratio", type=float, help="INT4: share of layers in INT4 (rest INT8)")
    parser.add_argument("--group-size", type=int, help="INT4: weights per quantization group (e.g. 64, 128)")
    parser.add_argument("--data", help="optional dataset to measure agreement with the original")
    add_preprocessing_arguments(parser)
