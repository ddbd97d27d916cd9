"""Exports: the view as SVG / PNG (Graphviz renders, with our colours), the graph with its
layout and metrics as JSON (the same records the CLI prints)."""

from __future__ import annotations

import html
import io
from typing import Any

from core.graph.colour import Colouring
from core.graph.layout import NODE_HEIGHT, NODE_WIDTH, Layout, dot_binary, dot_source, run_dot
from core.graph.model import Graph
from core.graph.views import View

POINTS_PER_INCH = 72
PNG_MAX_PIXELS = 30_000  # browsers and viewers give up beyond ~32k px; a tall chain gets a lower dpi


def _labels(view: View, graph: Graph, colouring: Colouring) -> dict[str, str]:
    labels = {}
    for vnode in view.nodes:
        first = vnode.label if vnode.type == "Block" else vnode.type
        second = "" if vnode.type == "Block" else graph.node(vnode.id).name
        metric = colouring.text.get(vnode.id, "").split(" (")[0]
        labels[vnode.id] = "\n".join(part[:30] for part in (first, second, metric) if part)
    return labels


def _node_ids_edges(view: View) -> tuple[list[str], list[tuple[str, str]]]:
    return [n.id for n in view.nodes], view.edges


def export_svg(view: View, layout: Layout, colouring: Colouring, graph: Graph) -> bytes:
    """Graphviz SVG with labels and fills when `dot` is present, else drawn from our layout."""
    if dot_binary():
        ids, edges = _node_ids_edges(view)
        fills = {i: colouring.colour_of(i) for i in ids}
        return run_dot(dot_source(ids, edges, _labels(view, graph, colouring), fills), "svg")
    return _svg_from_layout(view, layout, colouring, graph).encode()


def export_png(view: View, layout: Layout, colouring: Colouring, graph: Graph) -> bytes:
    if dot_binary():
        ids, edges = _node_ids_edges(view)
        fills = {i: colouring.colour_of(i) for i in ids}
        longest_inches = max(layout.width, layout.height, 1.0)
        dpi = min(96, int(PNG_MAX_PIXELS / longest_inches)) or 1
        source = dot_source(ids, edges, _labels(view, graph, colouring), fills).replace(
            "graph [", f"graph [dpi={dpi}, ", 1)
        return run_dot(source, "png")
    return _png_from_layout(view, layout, colouring)


def _svg_from_layout(view: View, layout: Layout, colouring: Colouring, graph: Graph) -> str:
    scale = POINTS_PER_INCH
    w, h = NODE_WIDTH * scale, NODE_HEIGHT * scale
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{layout.width * scale + w:.0f}" '
             f'height="{layout.height * scale + h:.0f}" font-family="Helvetica" font-size="10">']
    for path in layout.edge_paths:
        points = " ".join(f"{x * scale:.1f},{y * scale:.1f}" for x, y in path)
        parts.append(f'<polyline points="{points}" fill="none" stroke="#8a94a6"/>')
    labels = _labels(view, graph, colouring)
    for vnode in view.nodes:
        x, y = layout.positions[vnode.id]
        cx, cy = x * scale, y * scale
        parts.append(f'<rect x="{cx - w / 2:.1f}" y="{cy - h / 2:.1f}" width="{w:.1f}" height="{h:.1f}" rx="4" '
                     f'fill="{colouring.colour_of(vnode.id)}" stroke="#5b6b82"/>')
        first = labels[vnode.id].split("\n")[0]
        parts.append(f'<text x="{cx:.1f}" y="{cy + 3:.1f}" text-anchor="middle">{html.escape(first)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _png_from_layout(view: View, layout: Layout, colouring: Colouring) -> bytes:
    from PIL import Image, ImageDraw

    scale = min(96.0, PNG_MAX_PIXELS / max(layout.width, layout.height, 1.0))
    w, h = NODE_WIDTH * scale, NODE_HEIGHT * scale
    image = Image.new("RGB", (int(layout.width * scale + w), int(layout.height * scale + h)), "white")
    draw = ImageDraw.Draw(image)
    for path in layout.edge_paths:
        draw.line([(x * scale, y * scale) for x, y in path], fill="#8a94a6", width=1)
    for vnode in view.nodes:
        x, y = layout.positions[vnode.id]
        box = (x * scale - w / 2, y * scale - h / 2, x * scale + w / 2, y * scale + h / 2)
        draw.rectangle(box, fill=colouring.colour_of(vnode.id), outline="#5b6b82")
        if scale >= 40:
            draw.text((box[0] + 4, box[1] + 3), vnode.label[:24], fill="black")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def graph_json(
    graph: Graph,
    view: View,
    layout: Layout,
    colouring: Colouring | None = None,
    attribution: dict[str, dict] | None = None,
    include_attributes: bool = True,
) -> dict[str, Any]:
    """Nodes (id, name, type, shapes, precision, position, metrics) and edges of the view."""
    nodes = []
    for vnode in view.nodes:
        x, y = layout.positions[vnode.id]
        record: dict[str, Any] = {"id": vnode.id, "type": vnode.type, "label": vnode.label,
                                  "position": {"x": round(x, 3), "y": round(y, 3)}}
        if vnode.type == "Block":
            record["members"] = vnode.members
        else:
            node = graph.node(vnode.id)
            record.update(
                name=node.name,
                inputs=[{k: i[k] for k in ("source", "shape", "element_type")} for i in node.inputs],
                outputs=[{k: o[k] for k in ("shape", "element_type")} for o in node.outputs],
                precision=node.element_type,
            )
            if include_attributes:
                record["attributes"] = node.attributes
            if node.weights:
                record["weights"] = node.weights
            if vnode.id in view.folded:
                record["folded_inputs"] = [
                    {"port": g["port"], "types": [graph.node(m).type for m in g["members"]],
                     "weights": [graph.node(m).weights for m in g["members"] if graph.node(m).weights]}
                    for g in view.folded[vnode.id]
                ]
        metrics: dict[str, Any] = {}
        if attribution is not None:
            entries = [attribution.get(graph.node(m).name) for m in vnode.members]
            owned = [e for e in entries if e and e["role"] == "owner"]
            metrics["time_ms"] = sum(e["time_ms"] or 0.0 for e in owned) if owned else None
            roles = {e["role"] if e else "absent" for e in entries}
            metrics["status"] = "owner" if owned else next(iter(sorted(roles)))
            if len(vnode.members) == 1 and entries[0]:
                metrics.update({k: entries[0].get(k) for k in ("runtime_layer", "exec_type", "precision", "fused_into")
                                if entries[0].get(k)})
        if colouring is not None:
            if vnode.id in colouring.values:
                metrics["colour_value"] = colouring.values[vnode.id]
            if vnode.id in colouring.categories:
                metrics["colour_category"] = colouring.categories[vnode.id]
            metrics["colour"] = colouring.colour_of(vnode.id)
        if metrics:
            record["metrics"] = metrics
        nodes.append(record)
    return {
        "graph": {"name": graph.name, "kind": graph.kind, **graph.info},
        "view": view.options,
        "layout": {"engine": layout.engine, "seconds": round(layout.seconds, 3), "cached": layout.cached,
                   "width": layout.width, "height": layout.height},
        "colour_by": colouring.title if colouring else None,
        "nodes": nodes,
        "edges": [{"source": a, "target": b} for a, b in view.edges],
    }
