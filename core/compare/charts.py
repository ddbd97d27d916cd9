"""Plotly figures of a comparison document, shared by the page and the HTML report.

Bars are grouped by device — "CPU on edge-box" for a remote target, so two machines' bars stand
apart — (outer axis level) with one bar per result labelled by both
precision axes ("FP32·bf16 #4"), so "INT8 vs FP32 on CPU" reads left to right. Colours follow
the weight precision and are lighter (and hatched in bars) for a reduced compute precision,
so FP32·f32 and FP32·bf16 never look like the same thing; legends name both axes.
Figures are built from the document (not from the database) so the report shows exactly
what the page showed.
"""

from __future__ import annotations

from typing import Any

PRECISION_COLOURS = {"FP32": "#2f6db5", "FP16": "#26a69a", "INT8": "#ef8a00", "INT4": "#8e24aa", "BF16": "#00acc1"}
OTHER_COLOUR = "#8d6e63"
PRECISION_ORDER = ["FP32", "FP16", "BF16", "INT8", "INT4"]
# No template here: on a page Streamlit's theme (light or dark) styles the figure; the offline HTML
# report asks for a light one (comparison_figures). A fixed "plotly_white" stayed white in dark mode.
REPORT_TEMPLATE = "plotly_white"
LAYOUT = {"margin": {"l": 60, "r": 20, "t": 60, "b": 60}, "height": 420}


COMPUTE_ORDER = ["f32", "bf16", "f16"]
# How much of white is mixed into the weight colour, per compute precision (exact compute darkest).
COMPUTE_LIGHTEN = {"f32": 0.0, "bf16": 0.4, "f16": 0.55}
UNKNOWN_LIGHTEN = 0.7


def _weights(row: dict[str, Any]) -> str:
    return str(row.get("weight_precision") or row.get("precision") or "?").upper()


def _colour(row: dict[str, Any]) -> str:
    """The weight precision's colour, lightened for a reduced (or unknown) compute precision."""
    base = PRECISION_COLOURS.get(_weights(row), OTHER_COLOUR)
    share = COMPUTE_LIGHTEN.get(str(row.get("compute_precision")), UNKNOWN_LIGHTEN)
    rgb = [int(base[i:i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(c + (255 - c) * share) for c in rgb]
    return "#" + "".join(f"{c:02x}" for c in mixed)


def _pattern(row: dict[str, Any]) -> str:
    """Hatching for any compute other than f32, so the difference survives greyscale printing."""
    return "" if row.get("compute_precision") == "f32" else "/"


def _where(row: dict[str, Any]) -> str:
    """The outer axis level: the device, and the machine when it is a remote target ("CPU on edge-box")."""
    return str(row.get("where") or row["device"])


def _key(row: dict[str, Any]) -> str:
    return str(row.get("precision_key") or row["precision"])


def ordered_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows by machine (this one first), device, weights (FP32 first), compute (f32 first), id: the order every
    chart uses, so each machine's bars stand together."""
    def key(row: dict[str, Any]) -> tuple[bool, str, str, int, int, int]:
        weights = _weights(row)
        rank = PRECISION_ORDER.index(weights) if weights in PRECISION_ORDER else len(PRECISION_ORDER)
        compute = str(row.get("compute_precision"))
        compute_rank = COMPUTE_ORDER.index(compute) if compute in COMPUTE_ORDER else len(COMPUTE_ORDER)
        target = str(row.get("target") or "local")
        return (target != "local", target, str(row["device"]), rank, compute_rank, row["result_id"])
    return sorted(doc["rows"], key=key)


def _axis(rows: list[dict[str, Any]]) -> list[list[str]]:
    """Two-level categories: device (with its machine when remote), then 'INT8·bf16 #12' (★ = baseline)."""
    return [[_where(r) for r in rows],
            [f"{_key(r)} #{r['result_id']}{' ★' if r['is_baseline'] else ''}" for r in rows]]


def _hover(row: dict[str, Any]) -> str:
    noisy = f"<br>noisy: {'; '.join(row['noisy'])}" if row.get("noisy") else ""
    caveat = row.get("like_for_like") or {}
    mixed = f"<br>vs baseline: {'; '.join(caveat['mixes'])}" if caveat.get("mixes") else ""
    return (f"#{row['result_id']} {row['model']} / {row['variant']}<br>"
            f"{row.get('precision_label') or row['precision']} on {_where(row)}<br>{row['settings']}{mixed}{noisy}")


def fps_bars(doc: dict[str, Any]) -> Any:
    """One trace per weights·compute pair (so the legend names both axes), bars in row order."""
    import plotly.graph_objects as go

    rows = ordered_rows(doc)
    axis = _axis(rows)
    fig = go.Figure()
    for key in dict.fromkeys(_key(r) for r in rows):
        picked = [i for i, r in enumerate(rows) if _key(r) == key]
        fig.add_trace(go.Bar(
            name=key, x=[[axis[0][i] for i in picked], [axis[1][i] for i in picked]],
            y=[rows[i]["throughput_fps"] for i in picked],
            error_y={"type": "data", "array": [rows[i]["throughput_fps_std"] or 0 for i in picked], "visible": True},
            marker={"color": [_colour(rows[i]) for i in picked], "pattern": {"shape": [_pattern(rows[i]) for i in picked]}},
            text=[f"{rows[i]['throughput_fps']:.1f}" if rows[i]["throughput_fps"] is not None else "" for i in picked],
            textposition="outside", customdata=[rows[i]["result_id"] for i in picked],
            hovertext=[_hover(rows[i]) for i in picked], hovertemplate="%{hovertext}<br>%{y:.2f} FPS<extra></extra>",
        ))
    fig.update_xaxes(categoryorder="array", categoryarray=axis[1])
    fig.update_layout(title="Throughput (FPS ± std over repeats; ★ baseline)",
                      yaxis_title="frames per second", barmode="overlay", legend_title_text="weights·compute", **LAYOUT)
    return fig


def latency_bars(doc: dict[str, Any]) -> Any:
    import plotly.graph_objects as go

    rows = ordered_rows(doc)
    fig = go.Figure()
    for stat, shade in (("median", 1.0), ("p90", 0.7), ("p99", 0.45)):
        fig.add_trace(go.Bar(
            name=stat, x=_axis(rows), y=[(r["latency_ms"] or {}).get(stat) for r in rows],
            marker={"color": [_colour(r) for r in rows], "opacity": shade,
                    "pattern": {"shape": [_pattern(r) for r in rows]}},
            hovertext=[_hover(r) for r in rows], hovertemplate=f"%{{hovertext}}<br>{stat} %{{y:.2f}} ms<extra></extra>",
        ))
    limit = doc["limits"].get("max_latency_ms")
    if limit is not None:
        fig.add_hline(y=limit, line_dash="dash", line_color="#c62828",
                      annotation_text=f"limit: {doc['limits']['latency_stat']} ≤ {limit:g} ms")
    fig.update_layout(title="Latency per request (ms): median, p90, p99", yaxis_title="ms", barmode="group", **LAYOUT)
    return fig


def accuracy_scatter(doc: dict[str, Any]) -> Any:
    """Left: accuracy vs FPS with the Pareto front; right: latency vs FPS. Limits are dashed lines;
    results breaking a limit are hollow and say why on hover."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    rows = ordered_rows(doc)
    stat = doc["limits"]["latency_stat"]
    metric = doc.get("accuracy_metric") or "accuracy"
    fig = make_subplots(rows=1, cols=2, subplot_titles=(f"{metric} vs throughput (Pareto front)",
                                                        f"{stat} latency vs throughput"))
    for row in rows:
        ok = row["meets_limits"]
        marker = {"size": 14 if row["on_front"] else 10, "color": _colour(row) if ok else "rgba(0,0,0,0)",
                  "line": {"color": _colour(row), "width": 2},
                  "symbol": "star" if row["is_baseline"] else "circle"}
        why = "<br>breaks: " + "; ".join(row["violations"]) if row["violations"] else ""
        hover = _hover(row) + why
        name = f"#{row['result_id']} {_key(row)} {_where(row)}"
        if row["accuracy_value"] is not None:
            fig.add_trace(go.Scatter(
                x=[row["throughput_fps"]], y=[row["accuracy_value"] * 100], mode="markers+text", marker=marker,
                text=[f"#{row['result_id']}"], textposition="top center", name=name, legendgroup=name,
                hovertext=[hover], hovertemplate="%{hovertext}<br>%{x:.1f} FPS, %{y:.2f} %<extra></extra>",
                customdata=[row["result_id"]]), row=1, col=1)
        fig.add_trace(go.Scatter(
            x=[row["throughput_fps"]], y=[(row["latency_ms"] or {}).get(stat)], mode="markers+text", marker=marker,
            text=[f"#{row['result_id']}"], textposition="top center", name=name, legendgroup=name,
            showlegend=row["accuracy_value"] is None, hovertext=[hover],
            hovertemplate="%{hovertext}<br>%{x:.1f} FPS, %{y:.2f} ms<extra></extra>",
            customdata=[row["result_id"]]), row=1, col=2)
    by_id = {r["result_id"]: r for r in rows}
    front = [by_id[key] for key in doc["front"] if by_id[key]["accuracy_value"] is not None]
    if len(front) > 1:
        front.sort(key=lambda r: r["throughput_fps"])
        fig.add_trace(go.Scatter(x=[r["throughput_fps"] for r in front], y=[r["accuracy_value"] * 100 for r in front],
                                 mode="lines", line={"color": "#37474f", "dash": "dot"}, name="Pareto front",
                                 hoverinfo="skip"), row=1, col=1)
    if doc["limits"].get("min_accuracy") is not None:
        fig.add_hline(y=doc["limits"]["min_accuracy"] * 100, line_dash="dash", line_color="#c62828", row=1, col=1,
                      annotation_text=f"min {doc['limits']['min_accuracy'] * 100:g} %")
    if doc["limits"].get("max_latency_ms") is not None:
        fig.add_hline(y=doc["limits"]["max_latency_ms"], line_dash="dash", line_color="#c62828", row=1, col=2,
                      annotation_text=f"max {doc['limits']['max_latency_ms']:g} ms")
    if not any(r["accuracy_value"] is not None for r in rows):
        fig.add_annotation(text="accuracy not measured for these variants", xref="x domain", yref="y domain",
                           x=0.5, y=0.5, showarrow=False, row=1, col=1)
    fig.update_xaxes(title_text="FPS")
    fig.update_yaxes(title_text=f"{metric} (%)", row=1, col=1)
    fig.update_yaxes(title_text=f"{stat} latency (ms)", row=1, col=2)
    fig.update_layout(title="Trade-offs: filled = within limits, hollow = breaks a limit, large = on the front",
                      **{**LAYOUT, "height": 460})
    return fig


def latency_distributions(doc: dict[str, Any]) -> Any:
    import plotly.graph_objects as go

    fig = go.Figure()
    for row in ordered_rows(doc):
        name = f"#{row['result_id']} {_key(row)} {_where(row)}"
        sample = row["latencies_ms_sample"]
        if sample:
            fig.add_trace(go.Histogram(x=sample, name=name, opacity=0.55, histnorm="probability", nbinsx=60,
                                       marker_color=_colour(row)))
        elif row.get("latency_histogram"):
            hist = row["latency_histogram"]
            edges, counts = hist.get("edges") or [], hist.get("counts") or []
            total = sum(counts) or 1
            fig.add_trace(go.Bar(x=[(a + b) / 2 for a, b in zip(edges, edges[1:])], y=[c / total for c in counts],
                                 name=name, opacity=0.55, marker_color=_colour(row)))
    tails = [(r["latency_ms"] or {}).get("p99") for r in doc["rows"]]
    tails = [t for t in tails if t]
    if tails:  # a few slow outliers would squash every distribution into the first bins
        fig.update_xaxes(range=[0, max(tails) * 1.3])
    fig.update_layout(title="Latency distributions (share of requests; axis cut at 1.3× the largest p99)",
                      xaxis_title="latency (ms)",
                      yaxis_title="share of requests", barmode="overlay", **LAYOUT)
    return fig


def layer_type_bars(layers: dict[str, Any]) -> Any:
    import plotly.graph_objects as go

    table = layers["by_type"]
    a, b = layers["a"]["label"], layers["b"]["label"]
    fig = go.Figure([
        go.Bar(name=f"A: {a}", x=[t["type"] for t in table], y=[t["time_a_ms"] for t in table], marker_color="#2f6db5"),
        go.Bar(name=f"B: {b}", x=[t["type"] for t in table], y=[t["time_b_ms"] for t in table], marker_color="#ef8a00"),
    ])
    fig.update_layout(title="Time per op type (ms per inference)", yaxis_title="ms", barmode="group",
                      legend={"orientation": "h", "y": -0.25}, **LAYOUT)
    return fig


def comparison_figures(doc: dict[str, Any], template: str | None = REPORT_TEMPLATE) -> dict[str, Any]:
    """Every chart of a comparison, by name, in the order the report shows them.

    `template` styles them for a standalone file (the report opens outside the app, so it cannot
    follow the app's theme); pages build the figures one by one and let Streamlit theme them."""
    figures = {"fps": fps_bars(doc), "latency": latency_bars(doc), "tradeoff": accuracy_scatter(doc),
               "distribution": latency_distributions(doc)}
    if doc.get("layers"):
        figures["layer_types"] = layer_type_bars(doc["layers"])
    if template:
        for figure in figures.values():
            figure.update_layout(template=template)
    return figures
