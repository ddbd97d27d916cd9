"""The drawing the Graph page shows: our own SVG from the cached layout's coordinates.

Why our own SVG rather than `dot -Tsvg`: the layout is already computed and cached (dot runs
once per view), so the drawing costs only string building (~0.1 s at 2,000 nodes) instead
of a second dot run with labels (seconds); the ids, classes and level-of-detail groups are
exactly what the viewer needs (`g.node[data-id]`, `.lbl` hidden at low zoom, `.detail`
only at high zoom); and fills are not baked in, so colouring by another metric re-sends a
small id → colour map, not the drawing.

Each node is a box with the op type and the attributes that matter (kernel, stride, groups,
output channels); the tensor shape an edge carries is written under its source node. Every
string that comes from the model is escaped: the SVG is inserted as markup.
"""

from __future__ import annotations

import ast
import html
import re
from typing import Any

from core.graph.colour import Colouring, _sample_scale
from core.graph.layout import NODE_HEIGHT, NODE_WIDTH, Layout
from core.graph.model import Graph, Node
from core.graph.views import View

PX = 72.0  # pixels per layout inch at 100 % zoom (Graphviz points)
TYPE_CHARS = 22  # what fits on a 144 px box at 11 px
CAPTION_CHARS = 27  # at 9 px
SVG_VERSION = 3  # part of the page's cache key
BAND_PX = 600.0  # height of a band of the drawing the viewer shows or hides as a whole


def _dims(shape: str) -> list[str]:
    text = (shape or "").strip()
    if not text.startswith("["):
        return []
    return [d.strip() for d in text.strip("[]").split(",") if d.strip()]


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pair(value: Any) -> str:
    """[2, 2] → "2", [1, 2] → "1×2" (kernel and stride sizes)."""
    if isinstance(value, str):
        try:
            value = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return value
    if isinstance(value, (list, tuple)):
        items = [str(v) for v in value]
        return items[0] if items and len(set(items)) == 1 else "×".join(items)
    return str(value)


def key_attributes(node: Node) -> str:
    """The attributes Netron puts on the box: kernel, stride, groups, output channels."""
    attrs = node.attributes
    parts: list[str] = []
    out = _dims(node.output_shape)
    if node.type in ("Convolution", "GroupConvolution", "ConvolutionBackpropData", "GroupConvolutionBackpropData"):
        weights = _dims(node.inputs[1]["shape"]) if len(node.inputs) > 1 else []
        grouped = node.type.startswith("Group")
        kernel = weights[3 if grouped else 2:] if weights else []
        if kernel:
            parts.append("×".join(kernel) if len(set(kernel)) > 1 else f"{kernel[0]}×{kernel[0]}")
        stride = _pair(attrs.get("strides", "")) if attrs.get("strides") else ""
        if stride and stride != "1":
            parts.append(f"/{stride}")
        if grouped and weights:
            parts.append(f"g{weights[0]}")
        if len(out) > 1:
            parts.append(f"{out[1]} ch")
        dil = _pair(attrs.get("dilations", "")) if attrs.get("dilations") else ""
        if dil and dil != "1":
            parts.append(f"d{dil}")
    elif node.type in ("MaxPool", "AvgPool"):
        if attrs.get("kernel"):
            parts.append(f"{_pair(attrs['kernel'])}")
        if attrs.get("strides") and _pair(attrs["strides"]) != "1":
            parts.append(f"/{_pair(attrs['strides'])}")
    elif node.type in ("MatMul", "FullyConnected"):
        if out:
            parts.append(f"→ {out[-1]}")
    elif node.type == "FakeQuantize":
        if attrs.get("levels"):
            parts.append(f"{attrs['levels']} levels")
    elif node.type == "Convert":
        if attrs.get("destination_type"):
            parts.append(f"→ {attrs['destination_type']}")
    elif node.type in ("Concat",) and "axis" in attrs:
        parts.append(f"axis {attrs['axis']}")
    elif node.type in ("Reshape", "Transpose", "Squeeze", "Unsqueeze") and out:
        parts.append(f"→ {'×'.join(out)}")
    return " ".join(parts)


def node_lines(graph: Graph, view: View) -> dict[str, tuple[str, str]]:
    """(first line, second line) per view node: op type + key attributes, or a block's summary."""
    lines: dict[str, tuple[str, str]] = {}
    for vnode in view.nodes:
        if vnode.type == "Block":
            head, _, rest = vnode.label.partition(" × [")
            lines[vnode.id] = (f"{head} × block", rest.rstrip("]"))
        else:
            lines[vnode.id] = (vnode.type, key_attributes(graph.node(vnode.id)))
    return lines


def _edge_d(path: list[tuple[float, float]], spline: bool) -> str:
    pts = [(x * PX, y * PX) for x, y in path]
    if not pts:
        return ""
    head = f"M{pts[0][0]:.1f},{pts[0][1]:.1f}"
    if spline and len(pts) >= 4 and len(pts) % 3 == 1:
        return head + "C" + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts[1:])
    return head + "L" + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts[1:])


def build_svg(graph: Graph, view: View, layout: Layout) -> dict[str, Any]:
    """The drawing (markup without fills) and its size in px at 100 %.

    Node groups are `<g class="node" data-id=...>` (class `block` for collapsed blocks) and
    carry a `<title>` with the full name and output shape (the hover text). `.lbl` texts are
    the op type + attributes; `.detail` texts (tensor shapes) show only when zoomed in.
    """
    w, h = NODE_WIDTH * PX, NODE_HEIGHT * PX
    width = layout.width * PX + w
    height = layout.height * PX + h
    lines = node_lines(graph, view)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="gv-svg" width="{width:.0f}" height="{height:.0f}" '
             f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="Helvetica, Arial, sans-serif">',
             '<defs><marker id="gv-arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="6" markerHeight="6" '
             'orient="auto"><path d="M0,0L8,4L0,8z" fill="#8a94a6"/></marker></defs>',
             '<g class="edges">']
    # Bands of BAND_PX rows: the viewer hides the bands outside the window (a tall graph at
    # 100 % paints a few dozen nodes, not thousands). Each band knows its real extent.
    bands: dict[str, dict[int, list[str]]] = {"edges": {}, "nodes": {}, "shapes": {}}
    extent: dict[tuple[str, int], list[float]] = {}

    def put(layer: str, y0: float, y1: float, markup: str) -> None:
        band = int(y0 // BAND_PX)
        bands[layer].setdefault(band, []).append(markup)
        span = extent.setdefault((layer, band), [y0, y1])
        span[0], span[1] = min(span[0], y0), max(span[1], y1)

    spline = layout.engine == "dot"
    for (source, target), path in zip(view.edges, layout.edge_paths):
        ys = [y * PX for _, y in path] or [0.0]
        put("edges", min(ys) - 8, max(ys) + 8, f'<path class="edge" data-s="{source}" data-t="{target}" '
            f'd="{_edge_d(path, spline)}" marker-end="url(#gv-arrow)"/>')
    for vnode in view.nodes:
        x, y = layout.positions[vnode.id]
        cx, cy = x * PX, y * PX
        first, second = lines[vnode.id]
        if vnode.type == "Block":
            tip = vnode.label
            klass = "node block"
        else:
            node = graph.node(vnode.id)
            tip = f"{node.name}\n{node.type} → {node.output_shape} {node.element_type}".rstrip()
            klass = "node"
        markup = (f'<g class="{klass}" data-id="{vnode.id}"><title>{html.escape(tip)}</title>'
                  f'<rect x="{cx - w / 2:.1f}" y="{cy - h / 2:.1f}" width="{w:.1f}" height="{h:.1f}" rx="5"/>')
        if second:
            markup += (f'<text class="lbl t1" x="{cx:.1f}" y="{cy - 2:.1f}">{html.escape(_short(first, TYPE_CHARS))}</text>'
                       f'<text class="lbl t2" x="{cx:.1f}" y="{cy + 9:.1f}">{html.escape(_short(second, CAPTION_CHARS))}</text>')
        else:
            markup += f'<text class="lbl t1" x="{cx:.1f}" y="{cy + 4:.1f}">{html.escape(_short(first, TYPE_CHARS))}</text>'
        put("nodes", cy - h / 2, cy + h / 2, markup + "</g>")
        if vnode.type != "Block" and vnode.shape:
            put("shapes", cy + h / 2, cy + h / 2 + 12,
                f'<text class="detail" x="{cx + 4:.1f}" y="{cy + h / 2 + 10:.1f}">{html.escape(_short(vnode.shape, 30))}</text>')
    for layer in ("edges", "nodes", "shapes"):
        if layer != "edges":
            parts.append(f'<g class="{layer}">')
        for band in sorted(bands[layer]):
            y0, y1 = extent[(layer, band)]
            parts.append(f'<g class="band" data-y0="{y0:.0f}" data-y1="{y1:.0f}">')
            parts.extend(bands[layer][band])
            parts.append("</g>")
        parts.append("</g>")
    parts.append("</svg>")
    return {"svg": "".join(parts), "width": width, "height": height}


def fills(view: View, colouring: Colouring) -> dict[str, str]:
    """Fill colour per view node id (sent apart from the drawing: a recolour is small)."""
    if colouring.mode == "continuous" and colouring.cmin is not None and colouring.cmax is not None:
        lut = [_sample_scale(colouring.colorscale, i / 63) for i in range(64)]  # sampling per node is slow
        span = (colouring.cmax - colouring.cmin) or 1.0
        out = {}
        for vnode in view.nodes:
            if vnode.id in colouring.values:
                fraction = min(1.0, max(0.0, (colouring.values[vnode.id] - colouring.cmin) / span))
                out[vnode.id] = lut[round(fraction * 63)]
            else:
                out[vnode.id] = colouring.colour_of(vnode.id)
        return out
    return {vnode.id: colouring.colour_of(vnode.id) for vnode in view.nodes}


def legend(colouring: Colouring, view: View) -> dict[str, Any]:
    """What the legend panel lists: categories with counts, or a colour bar with ticks."""
    counts: dict[str, int] = {}
    for vnode in view.nodes:
        category = colouring.categories.get(vnode.id)
        if category is not None and vnode.id not in colouring.values:
            counts[category] = counts.get(category, 0) + 1
    items = [{"label": label, "colour": colouring.palette.get(label, "#d5d9de"), "count": count}
             for label, count in sorted(counts.items(), key=lambda kv: -kv[1])]
    data: dict[str, Any] = {"title": colouring.title, "items": items}
    if colouring.mode == "continuous" and colouring.cmin is not None and colouring.cmax is not None:
        span = (colouring.cmax - colouring.cmin) or 1.0
        data["bar"] = {
            "stops": [_sample_scale(colouring.colorscale, i / 10) for i in range(11)],
            "ticks": [{"at": (v - colouring.cmin) / span, "text": t}
                      for v, t in zip(colouring.tickvals or [], colouring.ticktext or [])
                      if colouring.cmin - 1e-9 <= v <= colouring.cmax + 1e-9],
            "count": len(colouring.values),
        }
    return data


def standalone_svg(graph: Graph, view: View, layout: Layout, colouring: Colouring) -> bytes:
    """The drawing with fills and styles inlined: an export that opens anywhere."""
    drawing = build_svg(graph, view, layout)["svg"]
    colours = fills(view, colouring)
    style = ("<style>.edge{fill:none;stroke:#8a94a6;stroke-width:1}.node rect{stroke:#5b6b82;stroke-width:1}"
             ".block rect{stroke:#5e35b1;stroke-width:2.5;stroke-dasharray:6 3}"
             "text{text-anchor:middle;fill:#111}.t1{font-size:11px;font-weight:600}.t2{font-size:9px}"
             ".detail{text-anchor:start;font-size:8px;fill:#555}</style>")
    drawing = drawing.replace("<defs>", f"{style}<defs>", 1)

    def paint(match: re.Match[str]) -> str:
        colour = colours.get(match.group(2), "#d5d9de")
        dark = " dark" if is_dark(colour) else ""
        return f'class="{match.group(1)}{dark}" data-id="{match.group(2)}" fill="{colour}"'

    drawing = re.sub(r'class="([^"]*)" data-id="([^"]+)"', paint, drawing)
    drawing = drawing.replace("</style>", ".dark text{fill:#fff}</style>", 1)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + drawing).encode()


def is_dark(colour: str) -> bool:
    """White text on dark fills (perceived luminance below ~0.5)."""
    if not colour.startswith("#") or len(colour) != 7:
        return False
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.299 * r + 0.587 * g + 0.114 * b < 128
