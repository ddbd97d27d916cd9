"""`python -m core import PATH...` and `python -m core convert SRC... [ovc options]`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from core.commands import add_command
from core.convert.requests import ConvertRequest, request_from_args
from core.errors import UserError
from core.importer.requests import ImportRequest
from core.requests import add_options, from_args


def _import(args: argparse.Namespace) -> dict[str, Any]:
    from core.importer import import_paths

    request = from_args(ImportRequest, args)
    return import_paths([Path(p) for p in args.paths], request.name)


def _convert(args: argparse.Namespace) -> dict[str, Any]:
    from core.convert.service import convert_model_to_variant, copy_ir, import_and_convert

    _compress_default_note(args)
    request = request_from_args(args)
    request.check()
    options = request.convert_options()
    if args.model_id is not None:
        if args.sources:
            raise UserError("Give either source files or --model-id, not both.")
        result = convert_model_to_variant(args.model_id, options, run_check=request.run_check)
    else:
        if not args.sources:
            raise UserError("Nothing to convert.", "Give the model file(s), a folder or an archive, or --model-id ID of an imported model.")
        result = import_and_convert([Path(p) for p in args.sources], args.name, options, run_check=request.run_check)
    target = output_target(args)
    if target is not None:
        xml, weights = copy_ir(Path(result["xml"]), *target)
        result["workspace_xml"], result["xml"], result["bin"] = result["xml"], str(xml), str(weights)
    return result if args.json else readable_result(result)


def output_target(args: argparse.Namespace) -> tuple[Path, str | None] | None:
    """Where the IR is also written: -o DIR (its own name), or ovc's --output_model, which is
    a file name (model.xml, or model without suffix) or an existing folder / one ending in /."""
    if args.output_dir and args.output_model:
        raise UserError("Give either -o/--output-dir or --output_model, not both.")
    if args.output_dir:
        return Path(args.output_dir), None
    if not args.output_model:
        return None
    text = args.output_model
    path = Path(text).expanduser()
    if path.is_dir() or text.endswith(("/", os.sep)):
        return path, None
    name = path.name[:-4] if path.name.endswith(".xml") else path.name
    return path.parent, name


def _compress_default_note(args: argparse.Namespace) -> None:
    """ovc compresses weights to FP16 by default; we keep FP32 unless asked — say so once, on stderr."""
    if args.compress_to_fp16 is None:
        print("note: weights stay FP32 here; ovc's default is --compress_to_fp16=True "
              "(add --compress_to_fp16 to match ovc)", file=sys.stderr)


def readable_result(result: dict[str, Any]) -> dict[str, Any]:
    """Without --json: the check's verdict and the device-default note first, in words."""
    from core.convert.check import check_log_lines, check_summary, default_compute_summary

    check = result.get("conversion_check") or {}
    shown: dict[str, Any] = {"check": check_summary(check)}
    per_output = [line.strip() for line in check_log_lines(check)[1:] if line.startswith("  ")]
    if per_output:
        shown["check per output"] = per_output
    default = default_compute_summary(check.get("default_compute"))
    if default:
        shown["device default"] = default
    keep = ("xml", "bin", "workspace_xml", "precision", "model_id", "variant_id", "seconds", "inputs", "outputs", "preprocessing")
    shown.update({key: result[key] for key in keep if key in result})
    return shown


def _true_false(text: str) -> bool:
    """ovc's check_bool: True/False in any case."""
    if text.lower() not in ("true", "false"):
        raise argparse.ArgumentTypeError(f"expected True or False, got {text!r}")
    return text.lower() == "true"


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "import", "import model files/folders/archives into the workspace", _import)
    parser.add_argument("paths", nargs="+", help="model files (.onnx, .xml+.bin, .tflite, .pb, .pdmodel+.pdiparams, .pt), folders or archives")
    add_options(parser, ImportRequest)

    parser = add_command(subparsers, "convert", "convert a model to OpenVINO IR (ovc options) and store it as a variant", _convert)
    parser.add_argument("sources", nargs="*", help="model file(s), pair, folder (SavedModel, Paddle) or archive")
    parser.add_argument("-o", "--output-dir", help="also write <name>.xml/.bin here")
    parser.add_argument("--model-id", type=int, help="convert an already imported model instead of files")
    parser.add_argument("--name", help="model / IR name (default: the file name)")
    parser.add_argument("--input", action="append",
                        help="as ovc: NAME[1,3,224,224], NAME, [1,100],[1,?] (shapes by input order), ranges 1..8, ? or -1; "
                             "or a bare shape 1 3 224 224; repeat or comma-separate per input")
    parser.add_argument("--output", action="append", help="output names to keep (cuts the graph), comma-separated as ovc")
    parser.add_argument("--output_model", "--output-model", dest="output_model",
                        help="as ovc: also write the IR as this file (model.xml) or into this folder")
    parser.add_argument("--extension", action="append",
                        help="as ovc: an OpenVINO extension library (.so) for custom operations; repeat or comma-separate")
    add_options(parser, ConvertRequest, skip=("compress_to_fp16",))
    # Model Optimizer's spellings too (DL Workbench users typed them; ovc dropped these options)
    parser.add_argument("--mean_values", dest="mean_values", help=argparse.SUPPRESS)
    parser.add_argument("--scale_values", dest="scale_values", help=argparse.SUPPRESS)
    parser.add_argument("--reverse_input_channels", dest="reverse_channels", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-check", dest="run_check", action="store_false", help="skip the conversion check")
    # Two spellings, two actions: ovc's takes an optional True/False (so, as in ovc, it would eat a
    # following file name); ours is a plain switch, so `--compress-to-fp16 model.onnx` keeps working.
    parser.add_argument("--compress_to_fp16", dest="compress_to_fp16", nargs="?", const=True, default=None,
                        type=_true_false, metavar="True|False",
                        help="as ovc: store weights as FP16 (ours: FP32 unless given; ovc's default is True); "
                             "--compress_to_fp16=False")
    parser.add_argument("--compress-to-fp16", dest="compress_to_fp16", action="store_const", const=True, default=None,
                        help=ConvertRequest.option("compress_to_fp16").info.help)
