"""What an IR contains, as NNCF sees it: layers to ignore, and which layers actually run in INT8.

"Layers kept in floating point" is read from the result model itself (a weighted layer is
quantized when FakeQuantize or a low-precision constant feeds it), not from NNCF's log, so it
is also true for ignored scopes and for any INT8 IR made elsewhere.
"""

from __future__ import annotations

from typing import Any

WEIGHTED_TYPES = (
    "Convolution",
    "GroupConvolution",
    "ConvolutionBackpropData",
    "GroupConvolutionBackpropData",
    "MatMul",
)
PASS_THROUGH = ("Convert", "Subtract", "Multiply", "Reshape", "Transpose", "Unsqueeze", "Squeeze")
LOW_PRECISION = ("i8", "u8", "i4", "u4", "nf4")
SKIPPED_TYPES = ("Parameter", "Constant", "Result")


def model_layers(model: Any) -> list[dict[str, str]]:
    """Every operation a user could put in an ignored scope (name and type), in graph order."""
    return [
        {"name": op.get_friendly_name(), "type": op.get_type_name()}
        for op in model.get_ordered_ops()
        if op.get_type_name() not in SKIPPED_TYPES
    ]


def layer_types(model: Any) -> list[str]:
    return sorted({layer["type"] for layer in model_layers(model)})


def _feeds_low_precision(node: Any, depth: int = 0) -> bool:
    kind = node.get_type_name()
    if kind == "FakeQuantize":
        return True
    if kind == "Constant":
        return node.get_element_type().get_type_name() in LOW_PRECISION
    if kind in PASS_THROUGH and depth < 4:
        return any(_feeds_low_precision(inp.get_source_output().get_node(), depth + 1) for inp in node.inputs())
    return False


def precision_summary(model: Any) -> dict[str, Any]:
    """Weighted layers quantized vs kept in float, and FakeQuantize count."""
    quantized, in_float = [], []
    fake_quantize = 0
    for op in model.get_ordered_ops():
        kind = op.get_type_name()
        if kind == "FakeQuantize":
            fake_quantize += 1
        if kind not in WEIGHTED_TYPES:
            continue
        activation = op.input(0).get_source_output().get_node()
        (quantized if _feeds_low_precision(activation) else in_float).append(
            {"name": op.get_friendly_name(), "type": kind}
        )
    return {
        "weighted_layers": len(quantized) + len(in_float),
        "quantized_layers": len(quantized),
        "float_layers": in_float,
        "fake_quantize_ops": fake_quantize,
    }


def weight_precisions(model: Any) -> dict[str, int]:
    """Bytes of constants per element type: shows what FP16/INT8/INT4 compression changed."""
    totals: dict[str, int] = {}
    for op in model.get_ordered_ops():
        if op.get_type_name() == "Constant":
            key = op.get_element_type().get_type_name()
            totals[key] = totals.get(key, 0) + int(op.get_byte_size())
    return totals
