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

from core.analysis.layer_error import LayerScope
from core.analysis.requests import (
    DEFAULT_OUTPUT_IMAGES,
    DEFAULT_SAMPLES,
    DEFAULT_THRESHOLD,
    DEFAULT_TOP_K,
    JobSpec,
    Layout,
    LayerErrorRequest,
    OutputsRequest,
    Preset,
    RequantizeRequest,
)
from core.commands import add_command
from core.datasets.catalog import resolve_dataset_argument
from core.errors import UserError
from core.jobs import run_job_inline
from core.store import Result, session_scope

JOB_TIMEOUT_S = 3600.0


def run_inline(spec: JobSpec, verbose: bool) -> dict[str, Any]:
    last = [""]

    def on_poll(job: Any) -> None:
        if verbose and job.message and job.message != last[0]:
            last[0] = job.message
            print(f"[{(job.progress or 0):.0%}] {job.message}", file=sys.stderr, flush=True)

    job = run_job_inline(spec.kind, spec.entrypoint, spec.params, target=spec.target, variant_id=spec.variant_id,
                         on_poll=on_poll, timeout_s=JOB_TIMEOUT_S)
    if job.state != "done":
        raise UserError(job.error or f"The {spec.kind} job ended as {job.state}.",
                        job.error_hint or f"See `python -m core job {job.id}` for its log.")
    return {"job_id": job.id, **(job.result or {})}


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
    request = OutputsRequest(model_a=args.a, model_b=args.b, dataset_id=_dataset(args.data), image_path=_image(args.image),
                             top_k=args.top_k, layout=args.layout, threshold=args.threshold, limit=args.limit)
    request.check()
    return run_inline(request.job(), args.verbose)


def _layer_error(args: argparse.Namespace) -> Any:
    request = LayerErrorRequest(parent=args.parent, variant=args.variant, dataset_id=_dataset(args.data),  # type: ignore[arg-type]
                                samples=args.samples, scope=args.scope)
    request.check()
    result = run_inline(request.job(), args.verbose)
    if args.all_layers:
        with session_scope() as s:
            row = s.get(Result, result["result_id"])
            result["layers"] = row.metrics["layers"] if row is not None else []
    return result


def _requantize(args: argparse.Namespace) -> Any:
    request = RequantizeRequest(parent=args.parent, previous=args.previous, ignored_names=args.ignore or [],
                                ignored_types=args.ignore_types or [], preset=Preset(args.preset) if args.preset else None,
                                smooth_quant_alpha=args.smooth_quant_alpha, dataset_id=_dataset(args.data),
                                subset_size=args.subset_size)
    request.check()
    return run_inline(request.job(), args.verbose)


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "outputs", "two models' outputs side by side on a dataset or one image "
                         "(top-k, boxes, masks or difference maps), worst disagreement first", _outputs)
    parser.add_argument("a", help="variant id or IR .xml (e.g. the FP32 parent)")
    parser.add_argument("b", help="variant id or IR .xml (e.g. the INT8 variant)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", help="dataset id, image folder/archive or .npz")
    source.add_argument("--image", help="one image file")
    parser.add_argument("--top-k", type=int, default=DEFAULT_TOP_K, help="classes listed per model (classification)")
    parser.add_argument("--layout", choices=[layout.value for layout in Layout], default=Layout.AUTO.value,
                        help="how to read the outputs; auto guesses from their shapes")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, help="detection confidence to keep a box")
    parser.add_argument("--limit", type=int, default=DEFAULT_OUTPUT_IMAGES, help="dataset samples to look at")

    parser = add_command(subparsers, "layer-error", "per-layer relative error, cosine and SNR of a variant against "
                         "its parent, layers where the error jumps first", _layer_error)
    parser.add_argument("parent", help="variant id or IR .xml of the reference (e.g. FP32)")
    parser.add_argument("variant", help="variant id or IR .xml of the optimized model (same layer names)")
    parser.add_argument("--data", required=True, help="dataset id, image folder/archive or .npz")
    parser.add_argument("--samples", type=int, default=DEFAULT_SAMPLES, help="samples to run (activations are reduced per sample)")
    parser.add_argument("--scope", choices=[s.value for s in LayerScope], default=LayerScope.CHAINS.value,
                        help="chains: ends of fused chains such as conv+bias+activation (fast); all: every op")
    parser.add_argument("--all-layers", action="store_true", help="print every layer's figures, not only the ranking")

    parser = add_command(subparsers, "requantize", "INT8 again from the parent with layers or layer types kept in "
                         "float (or another preset/SmoothQuant alpha); a new variant with lineage", _requantize)
    parser.add_argument("parent", type=int, help="variant id of the float parent")
    parser.add_argument("--previous", type=int, help="the INT8 variant to improve: its settings and dataset are reused")
    parser.add_argument("--ignore", nargs="+", metavar="NAME", help="layer names to keep in float")
    parser.add_argument("--ignore-types", nargs="+", metavar="TYPE", help="layer types to keep in float, e.g. MatMul")
    parser.add_argument("--preset", choices=[p.value for p in Preset])
    parser.add_argument("--smooth-quant-alpha", type=float, help="SmoothQuant alpha for MatMul; -1 = off")
    parser.add_argument("--data", help="calibration dataset (default: the one --previous was calibrated on)")
    parser.add_argument("--subset-size", type=int, help="calibration samples (default: as --previous)")
