"""The model card: what a user wants to know about a network before spending time on it.

Computed once from an `ov.Model` (so it is the same for every source format) when a
model is imported or a variant is made, and stored in Variant.card / Model.info["card"].
This module only computes; the card of a file or a stored variant (and `python -m core
card`) is core/card_service.py.

Keys (all JSON): inputs / outputs (name, names, shape, type, layout), ops (count per type),
op_total, parameters, weights_bytes (per element type), gflops (+ flops_note),
files (name → bytes) and files_total, ir_version, opsets, quantized (+ fake_quantize,
low_precision_weights), precision, task (+ task_reason), dynamic, ovwb_preprocessing, and
source_format when the card knows where the model came from.

GFLOPs count multiply-adds of Convolution, GroupConvolution, ConvolutionBackpropData and
MatMul as 2 FLOPs each (the convention of DL Workbench and most papers); element-wise ops
are left out. A model with a dynamic batch is measured at batch 1; with other dynamic
dimensions the estimate is left empty rather than guessed.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path
from typing import Any, Protocol

from core.ov_core import read_model
from core.rtinfo import read_preprocessing

FLOP_OPS = ("Convolution", "GroupConvolution", "ConvolutionBackpropData", "MatMul")
SHAPE_TYPES = {"i32", "i64", "boolean", "u64", "u32"}
LOW_PRECISION_TYPES = {"i8", "u8", "i4", "u4", "nf4", "f8e4m3", "f8e5m2"}
DETECTION_OPS = {"NonMaxSuppression", "DetectionOutput", "RegionYolo", "Proposal", "ExperimentalDetectronDetectionOutput", "MulticlassNms", "MatrixNms"}


def _port_info(port: Any, layout: Any = None) -> dict[str, Any]:
    names = sorted(port.get_names())
    shape = port.get_partial_shape()
    return {
        "name": port.get_any_name() if names else "",
        "names": names,
        "shape": str(shape),
        "rank": shape.rank.get_length() if shape.rank.is_static else None,
        "static": shape.is_static,
        "type": port.get_element_type().get_type_name(),
        "layout": layout.to_string() if layout is not None and not layout.empty else "",
    }


def _static_clone(model: Any) -> tuple[Any | None, str]:
    """A copy with static shapes for counting FLOPs: batch 1 if only the batch is dynamic."""
    if all(p.get_partial_shape().is_static for p in model.inputs):
        return model, ""
    shapes = {}
    for index, port in enumerate(model.inputs):
        shape = port.get_partial_shape()
        if shape.is_static:
            continue
        if shape.rank.is_dynamic:
            return None, f"input {port.get_any_name() or index} has no known rank"
        dims = [d.get_length() if d.is_static else None for d in shape]
        if any(d is None for d in dims[1:]):
            return None, f"input {port.get_any_name() or index} has dynamic dimensions besides the batch ({shape})"
        shapes[index] = [1, *dims[1:]]
    try:
        clone = model.clone()
        clone.reshape({clone.inputs[i]: s for i, s in shapes.items()})
    except Exception as exc:  # the graph may not allow batch 1; the card still has the rest
        return None, f"could not fix the batch to 1 ({str(exc).splitlines()[0][:120]})"
    return clone, "measured at batch 1 (the model's batch is dynamic)"


def _shape(port: Any) -> list[int] | None:
    shape = port.get_partial_shape()
    return [d.get_length() for d in shape] if shape.is_static else None


def _node_flops(node: Any) -> int:
    kind = node.get_type_name()
    out = _shape(node.output(0))
    if out is None:
        return 0
    if kind == "Convolution":
        weights = _shape(node.input(1))
        return 2 * math.prod(out) * math.prod(weights[1:]) if weights else 0
    if kind == "GroupConvolution":
        weights = _shape(node.input(1))  # [G, Cout/G, Cin/G, k...]
        return 2 * math.prod(out) * math.prod(weights[2:]) if weights else 0
    if kind == "ConvolutionBackpropData":
        data, weights = _shape(node.input(0)), _shape(node.input(1))  # weights [Cin, Cout, k...]
        return 2 * math.prod(data) * math.prod(weights[1:]) if data and weights else 0
    if kind == "MatMul":
        a = _shape(node.input(0))
        if not a:
            return 0
        transpose_a = node.get_attributes().get("transpose_a", False)
        k = a[-2] if transpose_a and len(a) > 1 else a[-1]
        return 2 * math.prod(out) * k
    return 0


def _flops(model: Any) -> tuple[float | None, str]:
    static, note = _static_clone(model)
    if static is None:
        return None, f"not estimated: {note}; convert with a static shape to get GFLOPs"
    total = sum(_node_flops(node) for node in static.get_ordered_ops() if node.get_type_name() in FLOP_OPS)
    return total / 1e9, note


def _weights(model: Any) -> tuple[int, dict[str, int]]:
    parameters = 0
    by_type: Counter[str] = Counter()
    for node in model.get_ordered_ops():
        if node.get_type_name() != "Constant":
            continue
        element = node.get_output_element_type(0).get_type_name()
        by_type[element] += int(node.get_byte_size())
        if element not in SHAPE_TYPES:
            shape = node.get_output_partial_shape(0)
            parameters += math.prod(d.get_length() for d in shape) if shape.is_static else 0
    return parameters, dict(by_type)


def guess_precision(weights_bytes: dict[str, int], fake_quantize: int, low_precision: bool) -> str:
    """The precision a user would call this IR (FP32, FP16, INT8, mixed)."""
    if fake_quantize or low_precision:
        return "INT8"
    floats = {k: v for k, v in weights_bytes.items() if k.startswith(("f", "bf"))}
    if not floats:
        return "FP32"
    dominant = max(floats, key=lambda k: floats[k])
    return {"f32": "FP32", "f16": "FP16", "bf16": "BF16"}.get(dominant, dominant.upper())


def guess_task(model: Any, inputs: list[dict[str, Any]], outputs: list[dict[str, Any]]) -> tuple[str, str]:
    """A task guess from op types and output shapes, with the reason (shown next to it)."""
    op_types = {node.get_type_name() for node in model.get_ops()}
    found = op_types & DETECTION_OPS
    if found:
        return "detection", f"contains {', '.join(sorted(found))}"
    names = " ".join(" ".join(o["names"]) for o in outputs).lower()
    if re.search(r"box|bbox|detection|anchor", names):
        return "detection", "output names mention boxes/detections"
    image_inputs = [i for i in inputs if i["rank"] == 4]
    if inputs and all(i["type"].startswith(("i", "u")) and i["rank"] in (1, 2) for i in inputs):
        return "nlp", "integer token-id inputs"
    if not image_inputs:
        return "unknown", "no image-like (4-D) input"
    dims = [_dims(o["shape"]) for o in outputs]
    if len(outputs) == 1 and dims[0] is not None:
        d = dims[0]
        if len(d) == 2 or (len(d) == 4 and d[2:] == [1, 1]):
            return "classification", f"one output of shape {outputs[0]['shape']} (scores per class)"
        if len(d) == 4 and _spatial(d) > 1:
            return "segmentation", f"one output of shape {outputs[0]['shape']} (a map per pixel)"
        if len(d) == 3 and d[-1] is not None and d[-1] >= 5:
            return "detection", f"output {outputs[0]['shape']} looks like boxes x (coords + scores)"
        if len(d) == 4 and d[-1] == 7:
            return "detection", f"output {outputs[0]['shape']} is the SSD layout [1,1,N,7]"
    if len(outputs) >= 2 and any(d is not None and len(d) == 3 and d[-1] == 4 for d in dims):
        return "detection", "an output ends in 4 coordinates"
    return "unknown", "outputs do not match a known pattern"


def _dims(shape: str) -> list[int | None] | None:
    text = shape.strip("[]")
    if text in ("...", ""):
        return None if text == "..." else []
    return [int(p) if p.lstrip("-").isdigit() else None for p in text.split(",")]


def _spatial(dims: list[int | None]) -> int:
    values = [d for d in dims[2:] if d is not None]
    return math.prod(values) if len(values) == len(dims[2:]) else 2  # dynamic maps count as spatial


def _ir_version(xml: Path | None) -> int | None:
    if xml is None or not xml.is_file():
        return None
    with open(xml, "rb") as handle:
        head = handle.read(4096).decode("utf-8", errors="replace")
    match = re.search(r"<net\b[^>]*\bversion=\"(\d+)\"", head)
    return int(match.group(1)) if match else None


def model_card(model: Any, files: list[Path] | None = None, xml: Path | None = None,
               source_format: str | None = None) -> dict[str, Any]:
    """The card of an `ov.Model`; `files` (sizes) and `xml` (IR version) when on disk, and the
    format of the files it came from (onnx, ir, tflite ...) when known."""
    inputs = [_port_info(p, p.get_node().get_layout()) for p in model.inputs]
    outputs = [_port_info(p, p.get_node().get_layout()) for p in model.outputs]
    ops = Counter(node.get_type_name() for node in model.get_ordered_ops())
    parameters, weights_bytes = _weights(model)
    fake_quantize = ops.get("FakeQuantize", 0) + ops.get("FakeConvert", 0)
    low_precision = any(t in LOW_PRECISION_TYPES for t in weights_bytes)
    gflops, flops_note = _flops(model)
    task, task_reason = guess_task(model, inputs, outputs)
    file_sizes = {f.name: f.stat().st_size for f in (files or []) if f.is_file()}
    opsets = sorted({node.get_type_info().version_id for node in model.get_ordered_ops()})
    return {
        "name": model.get_friendly_name(),
        "inputs": inputs,
        "outputs": outputs,
        "dynamic": any(not i["static"] for i in inputs),
        "ops": dict(sorted(ops.items(), key=lambda kv: (-kv[1], kv[0]))),
        "op_total": sum(ops.values()),
        "parameters": parameters,
        "weights_bytes": weights_bytes,
        "gflops": round(gflops, 6) if gflops is not None else None,
        "flops_note": flops_note,
        "files": file_sizes,
        "files_total": sum(file_sizes.values()),
        "ir_version": _ir_version(xml),
        "opsets": opsets,
        "quantized": bool(fake_quantize or low_precision),
        "fake_quantize": fake_quantize,
        "low_precision_weights": low_precision,
        "precision": guess_precision(weights_bytes, fake_quantize, low_precision),
        "task": task,
        "task_reason": task_reason,
        "ovwb_preprocessing": read_preprocessing(model),
        **({"source_format": source_format} if source_format else {}),
    }


def ir_card(xml: Path, source_format: str | None = None) -> dict[str, Any]:
    """The card of an IR on disk (its .xml and .bin), e.g. a variant just written."""
    return model_card(read_model(xml), [xml, xml.with_suffix(".bin")], xml, source_format)


class CardSource(Protocol):
    """What a card needs of a model's original files (the importer's SourceModel has it)."""

    format: str
    path: Path
    files: list[Path]


def source_card(model: Any, source: CardSource) -> dict[str, Any]:
    """The card of a model read from its original files (an IR's own .xml gives its IR version)."""
    return model_card(model, source.files, source.path if source.format == "ir" else None, source.format)
