"""`python -m core import PATH...` and `python -m core convert SRC... [ovc options]`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from core.errors import UserError


def _import(args: argparse.Namespace) -> dict[str, Any]:
    from core.importer import import_paths

    return import_paths([Path(p) for p in args.paths], args.name)


def _convert(args: argparse.Namespace) -> dict[str, Any]:
    from core.convert.options import options_from_args
    from core.convert.service import convert_model_to_variant, copy_ir, import_and_convert

    options = options_from_args(args)
    if args.model_id is not None:
        if args.sources:
            raise UserError("Give either source files or --model-id, not both.")
        result = convert_model_to_variant(args.model_id, options, run_check=not args.no_check)
    else:
        if not args.sources:
            raise UserError("Nothing to convert.", "Give the model file(s), a folder or an archive, or --model-id ID of an imported model.")
        result = import_and_convert([Path(p) for p in args.sources], args.name, options, run_check=not args.no_check)
    if args.output_dir:
        xml, weights = copy_ir(Path(result["xml"]), Path(args.output_dir))
        result["workspace_xml"], result["xml"], result["bin"] = result["xml"], str(xml), str(weights)
    return result if args.json else readable_result(result)


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


def register(subparsers: Any) -> None:
    from core.cli import add_command

    parser = add_command(subparsers, "import", "import model files/folders/archives into the workspace", _import)
    parser.add_argument("paths", nargs="+", help="model files (.onnx, .xml+.bin, .tflite, .pb, .pdmodel+.pdiparams, .pt), folders or archives")
    parser.add_argument("--name", help="model name (default: the file name)")

    parser = add_command(subparsers, "convert", "convert a model to OpenVINO IR (ovc options) and store it as a variant", _convert)
    parser.add_argument("sources", nargs="*", help="model file(s), pair, folder (SavedModel, Paddle) or archive")
    parser.add_argument("-o", "--output-dir", help="also write <name>.xml/.bin here")
    parser.add_argument("--model-id", type=int, help="convert an already imported model instead of files")
    parser.add_argument("--name", help="model / IR name (default: the file name)")
    parser.add_argument("--input", action="append", help="NAME[1,3,224,224], NAME, or a shape; repeat or comma-separate per input")
    parser.add_argument("--output", action="append", help="output names to keep (cuts the graph)")
    parser.add_argument("--layout", help="NCHW, or per input: name(NCHW),other(NC)")
    parser.add_argument("--mean-values", help="e.g. 123.675,116.28,103.53 (model channel order), or name[...]")
    parser.add_argument("--scale-values", help="e.g. 58.395,57.12,57.375, or name[...]")
    parser.add_argument("--reverse-channels", action="store_true", help="reverse RGB<->BGR before mean/scale (MO semantics)")
    parser.add_argument("--compress-to-fp16", action="store_true", help="store weights as FP16")
    parser.add_argument("--no-check", action="store_true", help="skip the conversion check (the original in its own runtime vs the IR in f32 compute)")
