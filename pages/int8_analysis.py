"""INT8 analysis: where an optimized variant leaves its parent, and a fix in two clicks.

A thin view over `core.analysis`: pick the two variants and the inputs; outputs side by side
(worst disagreement first), the layer-by-layer error along the network with the jumps ranked,
a re-quantize that keeps the worst layers in float, and accuracy + FPS before and after. All
work runs as jobs; every string that comes from a model or a file is shown as text.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.analysis.before_after import before_after_rows, measurement_requests
from core.analysis.inputs import UPLOAD_SUFFIXES, store_image
from core.analysis.requests import DEFAULT_KEEP_IN_FLOAT, LayerErrorRequest, OutputsRequest, RequantizeRequest
from core.datasets import dataset_to_dict, list_datasets
from core.errors import UserError
from core.store import Variant
from core.store.reads import stored_metrics
from core.variants import get_variant, list_variants
from core.workspace import resolve
from pages.ui import links
from pages.ui.forms import option_widget, option_widgets
from pages.ui.frame import page_setup
from pages.ui.jobs import job_panel, show_error, submit_request
from pages.ui.pickers import variant_label

page_setup(
    "INT8 analysis",
    "Where did the optimized variant go wrong? Outputs side by side on your images, the error layer by layer "
    "along the network, and a re-quantization that keeps the worst layers in float.",
)

OUTPUTS_JOB = "analysis_outputs_job"
LAYERS_JOB = "analysis_layers_job"
REQUANT_JOB = "analysis_requant_job"
MEASURE_JOBS = "analysis_measure_jobs"
IMAGE_KEY = "analysis_image"
SHOWN_ITEMS = 8
JUMPS_MARKED = 5


def submit(request: Any, key: str) -> None:
    """Check the request once and start its job; a bad request is explained and nothing starts."""
    if submit_request(request, key) is not None:
        st.rerun()


def pick_pair() -> tuple[Variant, Variant] | None:
    variants = list_variants()
    if len(variants) < 2:
        st.info("Two variants are needed: make an INT8 variant on the **Optimize precision** page first.")
        return None
    by_id = {v.id: v for v in variants}
    children = [v.id for v in variants if v.parent_id in by_id]
    default_variant = children[-1] if children else variants[-1].id
    cols = st.columns(2)
    optimized = cols[1].selectbox("Optimized variant (B)", list(by_id), index=list(by_id).index(default_variant),
                                  format_func=lambda i: variant_label(by_id[i]), key="analysis_variant")
    parent_default = by_id[optimized].parent_id if by_id[optimized].parent_id in by_id else variants[0].id
    reference = cols[0].selectbox("Reference (A, usually the parent)", list(by_id),
                                  index=list(by_id).index(parent_default),
                                  format_func=lambda i: variant_label(by_id[i]), key="analysis_reference")
    if reference == optimized:
        st.warning("Pick two different variants.")
        return None
    return by_id[reference], by_id[optimized]


def pick_inputs() -> tuple[int | None, str | None]:
    """(dataset id, stored image path): exactly one of them, or (None, None) when nothing is chosen."""
    mode = st.radio("Inputs", ["Upload an image", "A dataset"], horizontal=True, key="analysis_input_mode")
    if mode == "Upload an image":
        uploaded = st.file_uploader("Image", type=[s.lstrip(".") for s in UPLOAD_SUFFIXES], key="analysis_upload")
        if uploaded is None:
            return None, None
        stored = st.session_state.get(IMAGE_KEY)
        if stored is None or stored[0] != uploaded.file_id:
            try:
                st.session_state[IMAGE_KEY] = (uploaded.file_id, store_image(uploaded.getvalue(), uploaded.name))
            except UserError as exc:
                show_error(exc)
                return None, None
        return None, st.session_state[IMAGE_KEY][1]
    datasets = {d.id: dataset_to_dict(d) for d in list_datasets()}
    if not datasets:
        st.info("No datasets yet: upload one on the **Optimize precision** page.")
        return None, None
    dataset_id = st.selectbox("Dataset", list(datasets), key="analysis_dataset",
                              format_func=lambda i: f"#{i} · {datasets[i]['name']} · {datasets[i]['items']} items")
    return dataset_id, None


def table(rows: list[dict[str, Any]], key: str | None = None) -> None:
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key=key)


def show_side(item: dict[str, Any], side: str, layout: str, column: Any, title: str) -> None:
    with column:
        st.text(title)
        picture = item.get(f"picture_{side}")
        if picture and resolve(picture).is_file():
            st.image(str(resolve(picture)), width=280)
        entries = item.get(side) or []
        if layout == "classification":
            table([{"Rank": e["rank"], "Class": e["name"], "Confidence": round(e["confidence"], 4)} for e in entries])
        elif layout in ("ssd", "yolo", "boxes_scores"):
            table([{"Class": e["name"], "Score": round(e["score"], 3), "Box (x1, y1, x2, y2)":
                    ", ".join(f"{v:.0f}" for v in e["box"])} for e in entries])
            if not entries:
                st.text("no box above the threshold")
        elif layout == "segmentation":
            table([{"Class": e["name"], "Pixels": e["pixels"]} for e in entries])


def show_outputs(report: dict[str, Any]) -> None:
    layout = report.get("layout", "raw")
    cols = st.columns(3)
    cols[0].metric("Images compared", report.get("samples", 0))
    cols[1].metric("Output layout", layout)
    agreement = next((report[k] for k in ("top1_agreement", "box_agreement", "pixel_agreement") if report.get(k) is not None), None)
    if agreement is not None:
        cols[2].metric("Agreement", f"{agreement * 100:.1f} %")
    st.text(f"A: {report['a']['label']}\nB: {report['b']['label']}")
    for item in report.get("items", [])[:SHOWN_ITEMS]:
        with st.container(border=True):
            label = f" · true class {item['label_name']}" if "label_name" in item else ""
            st.text(f"{item['name']}{label} · disagreement {item['disagreement']:.3f}")
            if layout == "raw":
                for n, output in enumerate(item.get("outputs", [])):
                    left, right = st.columns(2)
                    left.text(f"{output['output']} {output['shape']}: max |B-A| {output['max_abs_diff']:.4g}, "
                              f"relative {output['relative_error']:.4g}")
                    if resolve(output["heat_map"]).is_file():
                        left.image(str(resolve(output["heat_map"])), width=220, caption="|B - A|")
                    edges = output["histogram"]["edges"]
                    figure = go.Figure(go.Bar(x=[(a + b) / 2 for a, b in zip(edges, edges[1:])],
                                              y=output["histogram"]["counts"]))
                    figure.update_layout(height=220, margin=dict(l=10, r=10, t=10, b=10), xaxis_title="B - A")
                    right.plotly_chart(figure, width="stretch", key=f"analysis_hist_{item['index']}_{n}")
                continue
            if item.get("picture") and resolve(item["picture"]).is_file():  # the same input for both: once
                st.image(str(resolve(item["picture"])), width=200, caption="what both models see")
            left, right = st.columns(2)
            show_side(item, "a", layout, left, "A (reference)")
            show_side(item, "b", layout, right, "B (optimized)")


def error_chart(report: dict[str, Any]) -> go.Figure:
    """Relative error per compared layer in execution order; the largest jumps marked."""
    rows = report["layers"]
    x = [r["order"] for r in rows]
    y = [r["relative_error"] if isinstance(r["relative_error"], float) else None for r in rows]
    names = [f"{r['name']} ({r['type']})" for r in rows]
    figure = go.Figure(go.Scatter(x=x, y=y, mode="lines+markers", name="relative error", text=names,
                                  hovertemplate="%{text}<br>relative error %{y:.4g}<extra></extra>"))
    marked = [r for r in rows if r.get("jump_rank", JUMPS_MARKED + 1) <= JUMPS_MARKED]
    figure.add_trace(go.Scatter(
        x=[r["order"] for r in marked], y=[r["relative_error"] for r in marked], mode="markers+text",
        marker=dict(size=14, color="crimson", symbol="triangle-up"), name="largest jumps",
        text=[f"#{r['jump_rank']}" for r in marked], textposition="top center",
        hovertext=[f"{r['name']}: +{r['jump']:.4g}" for r in marked], hoverinfo="text"))
    figure.update_layout(height=380, margin=dict(l=10, r=10, t=30, b=10), xaxis_title="layer (execution order)",
                         yaxis_title="relative error vs reference", legend=dict(orientation="h"))
    return figure


def ranking_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    by_key = {r["key"]: r for r in report["layers"]}
    rows = []
    for position, entry in enumerate(report["ranking"], start=1):
        layer = by_key.get(entry["key"], {})
        rows.append({"Rank": position, "Keep in float": entry["anchor"], "Type": entry["anchor_type"],
                     "Measured at": entry["name"], "Relative error": entry["relative_error"],
                     "Inputs' error": entry["input_error"], "Jump": entry["jump"],
                     "Cosine": layer.get("cosine"), "SNR (dB)": layer.get("snr_db")})
    return rows


def requantize_form(reference: Variant, optimized: Variant, report: dict[str, Any], dataset_id: int | None) -> None:
    suggestions = [row["anchor"] for row in report["ranking"]]
    if not suggestions:
        st.info("No layer adds error over its inputs: nothing to keep in float.")
        return
    count = st.number_input("Layers to keep in float", 1, min(50, len(suggestions)), min(DEFAULT_KEEP_IN_FLOAT, len(suggestions)),
                            key="analysis_keep_count")
    unique = list(dict.fromkeys(suggestions))
    # The layer lists are choices from this ranking (multiselects), so they are drawn here with
    # the request's own labels and help; the rest of the form comes from the request.
    names, types = RequantizeRequest.option("ignored_names"), RequantizeRequest.option("ignored_types")
    chosen = st.multiselect(names.info.label, unique, default=unique[: int(count)], help=names.info.help,
                            key=f"analysis_keep_{int(count)}")
    kept_types = st.multiselect(types.info.label, sorted({r["anchor_type"] for r in report["ranking"]}),
                                help=types.info.help, key="analysis_keep_types")
    preset = option_widget(RequantizeRequest.option("preset"), "analysis_requant_preset")
    if st.button(f"Re-quantize keeping these {len(chosen)} layers in float", type="primary", key="analysis_requant",
                 disabled=not (chosen or kept_types) and preset is None):
        previous = optimized.id if optimized.parent_id == reference.id else None
        recorded = (optimized.params or {}).get("dataset_id") if previous is not None else None
        request = RequantizeRequest(parent=reference.id, previous=previous, ignored_names=chosen,
                                    ignored_types=kept_types, preset=preset,
                                    dataset_id=None if recorded is not None else dataset_id)
        submit(request, REQUANT_JOB)


def before_after(reference: Variant, optimized: Variant, dataset_id: int | None) -> None:
    children = [v.id for v in list_variants() if v.parent_id == reference.id and v.precision == "INT8"]
    ids = list(dict.fromkeys([optimized.id, *children]))
    rows = before_after_rows(reference.id, ids)
    table([{"Variant": f"#{r['variant_id']} {r['name']}", "Precision": r["precision"], "Kept in float": r["kept_in_float"],
            "Accuracy": r["accuracy"], "FPS": round(r["fps"], 1) if r["fps"] else None} for r in rows], key="analysis_before_after")
    if st.button("Measure accuracy and FPS (accuracy + benchmark jobs)", key="analysis_measure"):
        job_ids = [submit_request(request, f"{MEASURE_JOBS}_{request.KIND}_{request.variant_id}")
                   for request in measurement_requests(reference.id, ids, dataset_id)]
        st.session_state[MEASURE_JOBS] = [job_id for job_id in job_ids if job_id is not None]
        st.rerun()
    for key in [k for k in st.session_state if str(k).startswith(f"{MEASURE_JOBS}_")]:
        job_panel(key, show_log=False)
    if dataset_id is None:
        st.caption("Pick a dataset above to measure accuracy against the reference (FPS needs no data).")


pair = pick_pair()
if pair is None:
    st.stop()
reference, optimized = pair
dataset_id, image_path = pick_inputs()

st.subheader("1 · Outputs side by side")
with st.container(horizontal=True):
    outputs_form = option_widgets(OutputsRequest, "analysis", container=st)
if st.button("Compare outputs", type="primary", key="analysis_outputs", disabled=dataset_id is None and image_path is None):
    submit(OutputsRequest(model_a=str(reference.id), model_b=str(optimized.id), dataset_id=dataset_id,
                          image_path=image_path, **outputs_form), OUTPUTS_JOB)
finished = job_panel(OUTPUTS_JOB, show_log=False)
if finished is not None and finished.state == "done":
    show_outputs(stored_metrics((finished.result or {}).get("result_id")))

st.subheader("2 · Layer-by-layer error")
if dataset_id is None:
    st.caption("Layer error runs over a few samples of a dataset: choose “A dataset” above.")
else:
    with st.container(horizontal=True):
        layers_form = option_widgets(LayerErrorRequest, "analysis")
    if st.button("Analyse layers", type="primary", key="analysis_layers"):
        submit(LayerErrorRequest(parent=str(reference.id), variant=str(optimized.id), dataset_id=dataset_id,
                                 **layers_form), LAYERS_JOB)
layers_job = job_panel(LAYERS_JOB, show_log=False)
layer_report = stored_metrics((layers_job.result or {}).get("result_id")) if layers_job is not None and layers_job.state == "done" else {}
if layer_report:
    cols = st.columns(4)
    cols[0].metric("Layers compared", layer_report["layers_compared"])
    final = layer_report["final_layer"]["relative_error"]
    cols[1].metric("Error at the output", f"{final:.4g}" if isinstance(final, float) else str(final))
    cols[2].metric("Time", f"{layer_report['seconds']:.1f} s")
    cols[3].metric("Peak memory", f"{layer_report['peak_rss_mb']:.0f} MB" if layer_report.get("peak_rss_mb") else "—")
    st.plotly_chart(error_chart(layer_report), width="stretch", key="analysis_error_chart")
    st.markdown("**Where the error jumps** (error added over the layer's inputs, largest first)")
    table(ranking_rows(layer_report), key="analysis_ranking")
    if optimized.id is not None and st.button("Paint this error on the graph", key="analysis_to_graph",
                                              help="Opens the Graph page coloured by each layer's error"):
        links.open_graph(optimized.id, colour="error", layer_error=layers_job.result["result_id"])

    st.subheader("3 · Fix it: re-quantize with these layers in float")
    requantize_form(reference, optimized, layer_report, dataset_id)
requant_job = job_panel(REQUANT_JOB)
if requant_job is not None and requant_job.state == "done" and requant_job.result:
    new = get_variant(requant_job.result["variant_id"])
    st.success(f"New variant #{new.id} ({new.precision}) made from #{reference.id}.")
    st.text(f"Kept in float: {', '.join(requant_job.result.get('float_layers') or []) or 'none'}")

st.subheader("4 · Before and after")
before_after(reference, optimized, dataset_id)
