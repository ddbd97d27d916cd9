"""The Plotly figure of a laid-out, coloured view: WebGL scatter for nodes, one line trace
for all edges, legend for categories and a colour bar for metrics.

WebGL (Scattergl) keeps 2,000+ nodes responsive where SVG shapes or one trace per node
would stall; every node marker carries its view id in `customdata`, so a click in the
page tells us which node was chosen.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from core.graph.colour import FUSED, NO_TIME, NOT_EXECUTED, Colouring
from core.graph.layout import NODE_HEIGHT, RANK_SEP, Layout
from core.graph.model import Graph
from core.graph.views import View

LABEL_LIMIT = 2500  # beyond this many nodes labels are left to hover (text costs draw time)
INITIAL_RANKS = 20  # rows visible at first: readable labels, the rest by panning / "autoscale"
ASPECT = 1.35  # plot width ÷ height on a typical screen; the first view keeps 1:1 data units
MARKS = {FUSED: "square", NOT_EXECUTED: "x", NO_TIME: "square"}


# `dot` gives cubic B-spline control points (1 + 3k per edge); 4 samples per segment.
_BASIS_T = np.linspace(0.0, 1.0, 5)[1:, None]
_BASIS = np.hstack([(1 - _BASIS_T) ** 3, 3 * (1 - _BASIS_T) ** 2 * _BASIS_T, 3 * (1 - _BASIS_T) * _BASIS_T**2, _BASIS_T**3])


def _edge_trace(layout: Layout, smooth: bool) -> go.Scatter:
    """All edges as one polyline with NaN gaps (one trace draws thousands of edges fast).

    Paths with the same number of control points are sampled together (one einsum per
    group), so 5,000 splines take milliseconds, not a Python loop per edge.
    """
    by_length: dict[int, list[int]] = {}
    for index, path in enumerate(layout.edge_paths):
        by_length.setdefault(len(path), []).append(index)
    sampled: list[np.ndarray | None] = [None] * len(layout.edge_paths)
    for length, indices in by_length.items():
        points = np.asarray([layout.edge_paths[i] for i in indices], dtype=float).reshape(len(indices), length, 2)
        if smooth and length >= 4 and (length - 1) % 3 == 0:
            k = (length - 1) // 3
            control = np.stack([points[:, 3 * j : 3 * j + 4] for j in range(k)], axis=1)  # (n, k, 4, 2)
            curve = np.einsum("sj,nkjd->nksd", _BASIS, control).reshape(len(indices), -1, 2)
            points = np.concatenate([points[:, :1], curve], axis=1)
        gap = np.full((len(indices), 1, 2), np.nan)
        for row, i in zip(np.concatenate([points, gap], axis=1), indices):
            sampled[i] = row
    xy = np.vstack([p for p in sampled if p is not None]) if layout.edge_paths else np.empty((0, 2))
    # One SVG path, not WebGL: WebGL line drawing fails on GPU-less browsers (software GL draws
    # the markers but no lines), and a single path of even 30,000 points is cheap for SVG.
    return go.Scatter(x=xy[:, 0], y=xy[:, 1], mode="lines", line={"color": "#8d97a5", "width": 1.2},
                        hoverinfo="skip", showlegend=False, name="edges", connectgaps=False)


def hover_text(view: View, graph: Graph | None, colouring: Colouring) -> dict[str, str]:
    texts: dict[str, str] = {}
    for vnode in view.nodes:
        if vnode.type == "Block":
            lines = [f"<b>Block</b> {vnode.label}", f"{len(vnode.members)} nodes — select to expand"]
        else:
            name = graph.node(vnode.id).name if graph is not None else vnode.id
            lines = [f"<b>{vnode.type}</b>", name[:80]]
            if vnode.shape:
                lines.append(f"{vnode.shape} {vnode.element_type}")
        if vnode.id in colouring.text:
            lines.append(colouring.text[vnode.id])
        texts[vnode.id] = "<br>".join(lines)
    return texts


def build_figure(
    view: View,
    layout: Layout,
    colouring: Colouring,
    graph: Graph | None = None,
    highlight: list[str] | None = None,
    selected: str | None = None,
    centre: str | None = None,
    labels: bool | None = None,
    height_px: int = 820,
) -> go.Figure:
    """Nodes coloured by `colouring`; `highlight` ringed (search matches), `centre` in view."""
    positions = layout.positions
    hover = hover_text(view, graph, colouring)
    show_labels = len(view.nodes) <= LABEL_LIMIT if labels is None else labels
    traces: list[Any] = [_edge_trace(layout, smooth=len(layout.edge_paths) <= 20_000)]

    def scatter(ids: list[str], name: str, marker: dict[str, Any], legend: bool = True) -> go.Scattergl:
        xy = np.array([positions[i] for i in ids], dtype=float).reshape(-1, 2)
        return go.Scattergl(
            x=xy[:, 0], y=xy[:, 1], mode="markers+text" if show_labels else "markers",
            text=np.array([_short(view_label[i]) for i in ids], dtype=object) if show_labels else None,
            textposition="middle right", textfont={"size": 10, "color": "#37474f"},
            customdata=np.array(ids, dtype=object), hovertext=np.array([hover[i] for i in ids], dtype=object),
            hoverinfo="text",
            marker={"size": 14, "symbol": "square", "line": {"width": 1, "color": "#455a64"}, **marker},
            name=name, showlegend=legend,
            # A clicked node grows (drawn by Plotly in the browser, so a click does not have to
            # resend the figure); the rest keeps full colour.
            selected={"marker": {"opacity": 1, "size": 22}, "textfont": {"color": "#0d47a1"}},
            unselected={"marker": {"opacity": 1}, "textfont": {"color": "#37474f"}},
        )

    view_label = {n.id: n.label for n in view.nodes}
    blocks = [n.id for n in view.nodes if n.type == "Block"]
    if colouring.mode == "categorical":
        groups: dict[str, list[str]] = {}
        for vnode in view.nodes:
            groups.setdefault(colouring.categories.get(vnode.id, NO_TIME), []).append(vnode.id)
        for category in sorted(groups, key=lambda c: (-len(groups[c]), c)):
            ids = groups[category]
            traces.append(scatter(ids, f"{category} ({len(ids)})", {"color": colouring.palette.get(category, "#999")}))
    else:
        valued = [n.id for n in view.nodes if n.id in colouring.values]
        colorbar = {"title": {"text": colouring.title, "side": "right"}, "thickness": 14, "len": 0.75}
        if colouring.tickvals:
            colorbar.update(tickvals=colouring.tickvals, ticktext=colouring.ticktext)
        traces.append(scatter(valued, colouring.title, {
            "color": np.array([colouring.values[i] for i in valued], dtype=float), "colorscale": colouring.colorscale,
            "cmin": colouring.cmin, "cmax": colouring.cmax, "colorbar": colorbar, "showscale": True,
        }, legend=False))
        for mark in (FUSED, NOT_EXECUTED, NO_TIME):
            ids = [n.id for n in view.nodes if colouring.categories.get(n.id) == mark]
            if ids:
                traces.append(scatter(ids, f"{mark} ({len(ids)})", {
                    "color": colouring.palette.get(mark, "#ccc"), "symbol": MARKS[mark], "size": 10,
                    "line": {"width": 1, "color": "#90a4ae"}}))
    if blocks:  # blocks drawn larger so they read as containers
        traces.append(go.Scattergl(
            x=[positions[b][0] for b in blocks], y=[positions[b][1] for b in blocks], mode="markers",
            marker={"size": 24, "symbol": "square-open", "line": {"width": 2, "color": "#5e35b1"}},
            hoverinfo="skip", showlegend=False, name="blocks"))
    for ids, colour, size, name in ((highlight or [], "#ff1744", 26, "found"), ([selected] if selected else [], "#2962ff", 30, "selected")):
        ids = [i for i in ids if i in positions]
        if ids:
            traces.append(go.Scattergl(
                x=[positions[i][0] for i in ids], y=[positions[i][1] for i in ids], mode="markers",
                marker={"size": size, "symbol": "square-open", "line": {"width": 3, "color": colour}, "color": colour},
                customdata=ids, hoverinfo="skip", name=f"{name} ({len(ids)})", showlegend=name == "found"))

    fig = go.Figure(data=traces)
    fig.update_layout(
        height=height_px, margin={"l": 10, "r": 10, "t": 30, "b": 10}, dragmode="pan",
        plot_bgcolor="#fbfcfd", paper_bgcolor="white", hovermode="closest", uirevision="graph",
        legend={"title": {"text": colouring.title}, "itemsizing": "constant", "bgcolor": "rgba(255,255,255,0.85)",
                "x": 1.0, "xanchor": "right", "y": 1.0, "yanchor": "top"},
        xaxis={"visible": False, "range": _x_range(layout, centre or (view.nodes[0].id if view.nodes else None))},
        yaxis={"visible": False, "range": _y_range(layout, centre), "scaleanchor": "x", "scaleratio": 1},
    )
    return fig


def _short(label: str, limit: int = 28) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _x_range(layout: Layout, centre: str | None) -> list[float]:
    """The whole width when it fits the first screen, else a window around `centre`."""
    window = INITIAL_RANKS * (NODE_HEIGHT + RANK_SEP) * ASPECT
    if layout.width + 2.0 <= window or not centre or centre not in layout.positions:
        middle = layout.width / 2 + 0.5
    else:
        middle = layout.positions[centre][0]
    return [middle - window / 2, middle + window / 2]


def _y_range(layout: Layout, centre: str | None) -> list[float]:
    """Plot y grows upwards and data flows down: ranges are [bottom, top] in negated y."""
    window = INITIAL_RANKS * (NODE_HEIGHT + RANK_SEP)
    if centre and centre in layout.positions:
        middle = layout.positions[centre][1]
        top = max(0.0, middle - window / 2)
    else:
        top = 0.0
    bottom = min(layout.height + 0.3, top + window)
    return [bottom, top - 0.3]
