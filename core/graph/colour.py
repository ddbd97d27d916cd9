"""Colour a view by op type, precision, per-layer time, or time ratio between two variants.

The result (`Colouring`) is drawing-agnostic: categories with a palette (legend) or numbers
with a colour scale (colour bar), plus per-node text for hover and the inspector. The figure
builder and the SVG export draw from the same object.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from core.graph.model import Graph
from core.graph.views import View

FAMILIES: dict[str, tuple[list[str], list[str]]] = {
    # family: (op types, shades); unknown types fall into "other"
    "compute": (["Convolution", "GroupConvolution", "MatMul", "ConvolutionBackpropData",
                 "GroupConvolutionBackpropData", "DeformableConvolution", "FullyConnected", "Einsum"],
                ["#2f6db5", "#4f8fd6", "#1f4f8a", "#79aee6"]),
    "activation": (["Relu", "Sigmoid", "Swish", "HSwish", "HSigmoid", "Gelu", "Clamp", "PRelu", "Tanh",
                    "Elu", "Mish", "SoftPlus", "Softmax", "LogSoftmax", "Exp", "Erf"],
                   ["#c4463a", "#e0705f", "#9e2f25", "#f09a8c"]),
    "pooling": (["MaxPool", "AvgPool", "AdaptiveAvgPool", "AdaptiveMaxPool", "ReduceMean", "ReduceMax",
                 "ReduceSum", "GlobalAveragePool", "Pooling", "Reduce"],
                ["#2e8b57", "#55b27d", "#1d6b40", "#86cfa3"]),
    "normalization": (["BatchNormInference", "MVN", "NormalizeL2", "LRN", "GroupNormalization", "RMS"],
                      ["#6a5acd", "#8f83e0", "#4b3fa6"]),
    "elementwise": (["Add", "Multiply", "Subtract", "Divide", "Power", "Sqrt", "Maximum", "Minimum",
                     "SquaredDifference", "Abs", "Negative", "Floor", "Round", "Select", "Eltwise", "Subgraph", "Math"],
                    ["#e08a1e", "#f2b155", "#b86d0f", "#f7cf8f", "#d69a3a"]),
    "data": (["Concat", "Split", "VariadicSplit", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Gather",
              "StridedSlice", "Slice", "ShapeOf", "Broadcast", "Tile", "Pad", "Interpolate", "DepthToSpace",
              "SpaceToDepth", "ScatterUpdate", "ScatterNDUpdate", "Range", "Reorder", "Concatenation"],
             ["#7d8a99", "#9aa6b4", "#5f6b79", "#b8c2cd", "#8c7a6b"]),
    "quantization": (["FakeQuantize", "Convert", "FakeConvert"], ["#c2185b", "#e25a8f", "#8e0f42"]),
    "io": (["Parameter", "Result", "Input", "Output"], ["#263238", "#455a64"]),
    "constant": (["Constant", "Const"], ["#cfd8dc"]),
    "block": (["Block"], ["#5e35b1"]),
}
OTHER_SHADES = ["#a1887f", "#8d6e63", "#bcaaa4", "#795548"]
PRECISION_COLOURS = {
    "f32": "#2f6db5", "fp32": "#2f6db5", "f16": "#26a69a", "fp16": "#26a69a", "bf16": "#00acc1",
    "i8": "#e65100", "u8": "#ef8a00", "int8": "#e65100", "i4": "#8e24aa", "u4": "#ab47bc", "nf4": "#6a1b9a",
    "i32": "#78909c", "i64": "#546e7a", "u1": "#b0bec5", "boolean": "#b0bec5", "mixed": "#fdd835",
}
NO_DATA = "#d5d9de"
NOT_EXECUTED = "not executed"
FUSED = "fused into another layer"
NO_TIME = "not in the profile"  # no runtime layer lists the node (the plugin does not report every fused op)
MIN_MS = 1e-4  # 0.1 µs: floor for the log scale (a layer can report 0)


@dataclass
class Colouring:
    title: str
    mode: str  # "categorical" or "continuous"
    categories: dict[str, str] = field(default_factory=dict)  # view id -> category (and marks)
    palette: dict[str, str] = field(default_factory=dict)  # category -> colour
    values: dict[str, float] = field(default_factory=dict)  # view id -> number (continuous)
    colorscale: Any = "Viridis"
    cmin: float | None = None
    cmax: float | None = None
    tickvals: list[float] | None = None
    ticktext: list[str] | None = None
    text: dict[str, str] = field(default_factory=dict)  # view id -> "1.2 ms (4 %)" for hover
    raw: dict[str, float] = field(default_factory=dict)  # the metric before scaling (ms, or a ratio)
    summary: dict[str, Any] = field(default_factory=dict)

    def colour_of(self, view_id: str) -> str:
        """A concrete colour (hex) for exports, which have no colour scale of their own."""
        if view_id in self.values and self.cmin is not None and self.cmax is not None:
            span = (self.cmax - self.cmin) or 1.0
            return _sample_scale(self.colorscale, (self.values[view_id] - self.cmin) / span)
        return self.palette.get(self.categories.get(view_id, ""), NO_DATA)


def type_colour(op_type: str) -> str:
    for types, shades in FAMILIES.values():
        if op_type in types:
            return shades[types.index(op_type) % len(shades)]
    return OTHER_SHADES[sum(map(ord, op_type)) % len(OTHER_SHADES)]


def by_type(view: View) -> Colouring:
    categories = {n.id: n.type for n in view.nodes}
    return Colouring("Op type", "categorical", categories, {t: type_colour(t) for t in set(categories.values())})


def by_precision(view: View, graph: Graph, attribution: dict[str, dict] | None = None) -> Colouring:
    """Runtime precision from a profile when given (what the kernel computed in), else the IR
    element type of each node's output (what the file declares)."""
    categories: dict[str, str] = {}
    for vnode in view.nodes:
        found: set[str] = set()
        for member in vnode.members:
            node = graph.node(member)
            if attribution is not None:
                entry = attribution.get(node.name)
                if entry and entry.get("precision"):
                    found.add(str(entry["precision"]).lower())
            elif graph.kind == "runtime" and node.runtime.get("precision"):
                found.add(node.runtime["precision"].lower())
            elif node.type not in ("Result", "Output"):
                found.add(node.element_type)
        categories[vnode.id] = found.pop() if len(found) == 1 else ("mixed" if found else NO_TIME)
    palette = {c: PRECISION_COLOURS.get(c, type_colour(c)) for c in set(categories.values())}
    palette[NO_TIME] = NO_DATA
    title = ("Runtime precision (profile)" if attribution is not None
             else "Runtime precision" if graph.kind == "runtime" else "Element type (IR)")
    return Colouring(title, "categorical", categories, palette)


def _node_time(view_members: list[str], graph: Graph, attribution: dict[str, dict]) -> tuple[float | None, str]:
    """Time of a view node (sum over the IR nodes it stands for) and its mark."""
    total, roles = 0.0, set()
    for member in view_members:
        entry = attribution.get(graph.node(member).name)
        roles.add(entry["role"] if entry else "absent")
        if entry and entry["role"] == "owner":
            total += entry["time_ms"] or 0.0
    if "owner" in roles:
        return total, ""
    if "fused" in roles:
        return None, FUSED
    if "not_executed" in roles:
        return None, NOT_EXECUTED
    return None, NO_TIME


def by_time(view: View, graph: Graph, attribution: dict[str, dict], total_ms: float) -> Colouring:
    values: dict[str, float] = {}
    categories: dict[str, str] = {}
    text: dict[str, str] = {}
    for vnode in view.nodes:
        ms, mark = _node_time(vnode.members, graph, attribution)
        if ms is None:
            categories[vnode.id] = mark
            if mark == FUSED and len(vnode.members) == 1:
                entry = attribution[graph.node(vnode.members[0]).name]
                text[vnode.id] = f"fused into {entry.get('fused_into') or entry['runtime_layer']}"
            else:
                text[vnode.id] = mark
            continue
        values[vnode.id] = ms
        share = ms / total_ms if total_ms else 0.0
        text[vnode.id] = f"{ms:.3f} ms ({share:.1%} of {total_ms:.2f} ms)"
    # Layer times span orders of magnitude (a 1x1 conv vs the stem): a log scale keeps the
    # middle of the distribution readable instead of one outlier making everything pale.
    logs = {k: math.log10(max(v, MIN_MS)) for k, v in values.items()}
    top = max(logs.values(), default=0.0)
    bottom = min(logs.values(), default=top - 1)
    low, high = math.floor(bottom), math.ceil(top) if math.ceil(top) > bottom else math.floor(bottom) + 1
    ticks = list(range(low, high + 1))
    return Colouring(
        "Time per layer (ms)", "continuous", categories,
        {FUSED: "#eceff1", NOT_EXECUTED: "#eceff1", NO_TIME: NO_DATA},
        logs, colorscale="YlOrRd", cmin=bottom, cmax=top if top > bottom else bottom + 1, text=text,
        tickvals=ticks, ticktext=[_ms_label(10.0**t) for t in ticks], raw=values,
        summary={"total_ms": total_ms, "timed_nodes": len(values)},
    )


def _ms_label(ms: float) -> str:
    return f"{ms:g} ms" if ms >= 1 else f"{ms * 1000:g} µs"


def by_ratio(
    view: View, graph: Graph, attribution: dict[str, dict], baseline: dict[str, dict], baseline_label: str
) -> Colouring:
    """Time here ÷ time in the baseline variant, per node, on a log2 scale centred at 1×.

    Matched by IR name through each profile's runtime layers (group times, because the two
    variants fuse differently): green = faster than the baseline, red = slower.
    """
    values: dict[str, float] = {}
    categories: dict[str, str] = {}
    text: dict[str, str] = {}
    faster = slower = 0
    raw: dict[str, float] = {}
    for vnode in view.nodes:
        mine = other = 0.0
        seen_layers: set[str] = set()
        base_layers: set[str] = set()
        roles = set()
        for member in vnode.members:
            name = graph.node(member).name
            entry, base = attribution.get(name), baseline.get(name)
            roles.add(entry["role"] if entry else "absent")
            if not entry or entry["role"] != "owner" or not base or base["role"] not in ("owner", "fused"):
                continue
            if entry["runtime_layer"] not in seen_layers:
                seen_layers.add(entry["runtime_layer"])
                mine += entry["group_ms"]
            if base["runtime_layer"] not in base_layers:
                base_layers.add(base["runtime_layer"])
                other += base["group_ms"]
        if mine > 0 and other > 0:
            ratio = mine / other
            values[vnode.id] = math.log2(ratio)
            raw[vnode.id] = ratio
            faster += ratio < 0.95
            slower += ratio > 1.05
            text[vnode.id] = f"{ratio:.2f}× the baseline's time ({mine:.3f} ms vs {other:.3f} ms)"
        else:
            mark = FUSED if "fused" in roles else NOT_EXECUTED if "not_executed" in roles else NO_TIME
            categories[vnode.id] = mark
            text[vnode.id] = mark if mark != NO_TIME else f"no matching layer in {baseline_label}"
    ticks = [-3, -2, -1, 0, 1, 2, 3]
    return Colouring(
        f"Time ratio vs {baseline_label}", "continuous", categories,
        {FUSED: "#eceff1", NOT_EXECUTED: "#eceff1", NO_TIME: NO_DATA},
        values, colorscale=[[0.0, "#1a9850"], [0.35, "#a6d96a"], [0.5, "#f7f7f7"], [0.65, "#fdae61"], [1.0, "#d73027"]],
        cmin=-3.0, cmax=3.0, tickvals=ticks, ticktext=["⅛×", "¼×", "½×", "1×", "2×", "4×", "8×"], text=text, raw=raw,
        summary={"faster_nodes": int(faster), "slower_nodes": int(slower), "compared_nodes": len(values)},
    )


def _sample_scale(scale: Any, fraction: float) -> str:
    from plotly.colors import get_colorscale, sample_colorscale

    fraction = min(1.0, max(0.0, fraction))
    stops = get_colorscale(scale) if isinstance(scale, str) else scale
    colour = sample_colorscale(stops, [fraction])[0]
    if colour.startswith("rgb"):
        r, g, b = (int(float(v)) for v in colour[colour.index("(") + 1 : -1].split(",")[:3])
        return f"#{r:02x}{g:02x}{b:02x}"
    return colour


DIFF_PALETTE = {"added": "#d81b60", "changed": "#fb8c00", "same": "#cfd8dc", "constant": "#eceff1"}


def by_diff(view: View, diff: dict[str, Any], other_label: str) -> Colouring:
    """Added (e.g. FakeQuantize, Convert) / changed / same per view node, from `diff_graphs`.

    A collapsed block is "added" or "changed" when any member is: the change stays visible.
    """
    status = diff["status"]
    categories: dict[str, str] = {}
    text: dict[str, str] = {}
    changes = {c["id"]: c["changes"] for c in diff["changed"]}
    for vnode in view.nodes:
        found = {status.get(m, "constant") for m in vnode.members}
        category = next((s for s in ("added", "changed", "same") if s in found), "constant")
        categories[vnode.id] = category
        if vnode.id in changes:
            text[vnode.id] = "; ".join(f"{c['what']}: {c['a']} → {c['b']}" for c in changes[vnode.id][:3])
        elif category == "added":
            text[vnode.id] = f"not in {other_label}"
    summary = {k: diff["summary"][k] for k in ("added", "removed", "changed", "matched_by_name", "matched_by_structure")}
    return Colouring(f"Changes vs {other_label}", "categorical", categories,
                     {k: v for k, v in DIFF_PALETTE.items() if k in set(categories.values())}, text=text, summary=summary)
