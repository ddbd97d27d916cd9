"""Plotly figures for benchmark, sweep and profile results (no Streamlit here, so the
compare page, exports and tests can build the same figures)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

def _with_label(title: str, data: dict[str, Any]) -> str:
    """A chart title with the precision words of its numbers ("FP32 weights · bf16 compute")."""
    label = data.get("precision_label") or (f"{data['compute_precision']} compute" if data.get("compute_precision") else "")
    return f"{title} — {label}" if label else title


def latency_histogram_figure(metrics: dict[str, Any], title: str = "Latency per request") -> go.Figure:
    hist = metrics.get("latency_histogram") or {}
    edges, counts = hist.get("edges") or [], hist.get("counts") or []
    centres = [(a + b) / 2 for a, b in zip(edges[:-1], edges[1:])]
    widths = [b - a for a, b in zip(edges[:-1], edges[1:])]
    fig = go.Figure(go.Bar(x=centres, y=counts, width=widths, name="requests", marker_color="#4c78a8",
                           hovertemplate="%{x:.3f} ms: %{y} requests<extra></extra>"))
    latency = metrics.get("latency_ms") or {}
    for key, dash, where in (("median", "solid", "top left"), ("p90", "dash", "top right"), ("p99", "dot", "top right")):
        if key in latency:
            fig.add_vline(x=latency[key], line_dash=dash, line_color="#e45756",
                          annotation_text=f"{key} {latency[key]:.2f}", annotation_position=where)
    fig.update_layout(title=_with_label(title, metrics), xaxis_title="latency (ms)", yaxis_title="requests", bargap=0.02,
                      height=360, margin={"t": 60, "b": 40})
    return fig


def repeats_figure(metrics: dict[str, Any]) -> go.Figure:
    runs = metrics.get("repeats") or []
    fig = go.Figure(go.Bar(x=[f"run {i + 1}" for i in range(len(runs))], y=[r["throughput_fps"] for r in runs],
                           marker_color="#72b7b2", hovertemplate="%{y:.2f} FPS<extra></extra>"))
    mean, std = metrics.get("throughput_fps", 0.0), metrics.get("throughput_fps_std", 0.0)
    fig.add_hline(y=mean, line_color="#888",  # readable on light and dark themes
                  annotation_text=f"mean {mean:.2f} ± {std:.2f}")
    fig.update_layout(title=_with_label("Throughput per run", metrics), yaxis_title="FPS", height=300, margin={"t": 60, "b": 40})
    return fig


def sweep_figure(metrics: dict[str, Any]) -> go.Figure:
    points = metrics.get("points") or []
    spot = metrics.get("sweet_spot")
    limit = metrics.get("latency_limit_ms")
    labels = [f"batch {p['batch']} · streams {p.get('nstreams_actual') or p.get('nstreams') or '-'}"
              f" · requests {p.get('nireq_actual') or '-'}" for p in points]
    fig = go.Figure(go.Scatter(
        x=[p["latency_median_ms"] for p in points], y=[p["throughput_fps"] for p in points],
        mode="markers+text", text=[f"b{p['batch']}/s{p.get('nstreams_actual') or '-'}" for p in points],
        textposition="top center", marker={"size": 11, "color": "#4c78a8"}, name="configurations",
        customdata=labels, hovertemplate="%{customdata}<br>%{x:.2f} ms, %{y:.1f} FPS<extra></extra>",
    ))
    if spot is not None:
        fig.add_trace(go.Scatter(x=[spot["latency_median_ms"]], y=[spot["throughput_fps"]], mode="markers",
                                 marker={"size": 22, "symbol": "star", "color": "#f58518"}, name="sweet spot",
                                 hovertemplate="sweet spot: %{y:.1f} FPS at %{x:.2f} ms<extra></extra>"))
    if limit:
        fig.add_vline(x=limit, line_dash="dash", line_color="#e45756", annotation_text=f"limit {limit:g} ms")
    fig.update_layout(title=_with_label("Throughput vs latency", metrics), xaxis_title="median latency (ms)", yaxis_title="throughput (FPS)",
                      height=420, margin={"t": 60, "b": 40})
    return fig


def time_by_type_figure(summary: dict[str, Any], limit: int = 15) -> go.Figure:
    rows = (summary.get("by_type") or [])[:limit][::-1]
    fig = go.Figure(go.Bar(x=[r["real_ms"] for r in rows], y=[r["type"] for r in rows], orientation="h",
                           text=[f"{r['share']:.0%}" for r in rows], marker_color="#4c78a8",
                           hovertemplate="%{y}: %{x:.3f} ms<extra></extra>"))
    fig.update_layout(title="Time by layer type", xaxis_title="ms per inference", height=max(260, 26 * len(rows) + 100),
                      margin={"t": 60, "b": 40})
    return fig


def time_by_precision_figure(summary: dict[str, Any]) -> go.Figure:
    rows = summary.get("by_precision") or []
    fig = go.Figure(go.Pie(labels=[r["precision"] for r in rows], values=[r["real_ms"] for r in rows], hole=0.45,
                           hovertemplate="%{label}: %{value:.3f} ms (%{percent})<extra></extra>"))
    fig.update_layout(title=_with_label("Time by runtime precision", summary), height=320, margin={"t": 60, "b": 20})
    return fig


def top_layers_figure(summary: dict[str, Any]) -> go.Figure:
    rows = (summary.get("top") or [])[::-1]
    fig = go.Figure(go.Bar(x=[r["real_ms"] for r in rows], y=[r["name"] for r in rows], orientation="h",
                           customdata=[f"{r['type']} · {r['exec_type']}" for r in rows], marker_color="#e45756",
                           hovertemplate="%{y}<br>%{customdata}<br>%{x:.3f} ms<extra></extra>"))
    fig.update_layout(title="Slowest layers", xaxis_title="ms per inference", height=max(260, 26 * len(rows) + 100),
                      margin={"t": 60, "b": 40, "l": 10})
    return fig
