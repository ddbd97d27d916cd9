"""Compare: which variant, on which device, with which settings — and why, layer by layer.

A thin view over `core.compare`: the page only keeps the choices (results, baseline, limits,
two profiles) and renders the comparison document that the CLI and the HTML report render
too, so the numbers on screen and in the shared file are the same numbers.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from core.compare.charts import accuracy_scatter, fps_bars, latency_bars, latency_distributions, layer_type_bars
from core.compare.choices import default_baseline, default_profiles, default_selection, result_choices
from core.compare.comparison import LATENCY_STATS, Limits, build_comparison, layers_of
from core.compare.missing_runs import job_request
from core.compare.report import machine_table, to_csv, to_html, to_json
from core.compare.table import layer_records, table_records, type_records
from core.errors import UserError
from core.jobs import get_job
from core.precision import compute_summary
from core.store import JobState
from pages.ui import links
from pages.ui.frame import page_setup
from pages.ui.jobs import job_panel, show_error, submit_request
from pages.ui.text import md_code, md_text

page_setup("Compare", "Results side by side: ratios to a baseline, trade-offs under your limits, per-layer differences, "
                      "and a report to share.")

ALL_MODELS = -1
MISSING_JOB_KEY = "compare_run_job"  # the job of the last "missing run" clicked
MERGED_KEY = "_compare_missing_merged"  # job ids whose result was already added to the selection

NUMBER = st.column_config.NumberColumn
TABLE_COLUMNS = {
    "FPS": NUMBER("FPS", format="%.1f", help="frames per second (inferences × batch / time)"),
    "FPS std": NUMBER("± std", format="%.1f", help="standard deviation of FPS over repeats"),
    "Median ms": NUMBER("median ms", format="%.2f"),
    "p90 ms": NUMBER("p90 ms", format="%.2f"),
    "p99 ms": NUMBER("p99 ms", format="%.2f"),
    "First inference ms": NUMBER("first inf. ms", format="%.1f"),
    "Compile ms": NUMBER("compile ms", format="%.0f"),
    "Size MB": NUMBER("size MB", format="%.2f", help="IR .xml + .bin on disk"),
    "Peak memory MB": NUMBER("peak RSS MB", format="%.0f", help="peak resident memory of the measuring process"),
    "Accuracy %": NUMBER("accuracy %", format="%.2f"),
    "Speed-up": NUMBER("speed-up", format="%.2f×", help="FPS / baseline FPS"),
    "Like-for-like speed-up": NUMBER("like-for-like ×", format="%.2f×",
                                     help="FPS / FPS of the result that differs from this one in one axis only "
                                          "(shown when the baseline differs in more than one)"),
    "Ratio caveat": st.column_config.TextColumn("ratio caveat", help="why the ratio to the baseline is not like for like, "
                                                                    "and whether it compares two machines"),
    "Target": st.column_config.TextColumn("target", help="the machine that measured: local = this one, else the name "
                                                         "it joined with (Targets page)"),
    "Weights": st.column_config.TextColumn("weights", help="the IR's weight precision"),
    "Compute": st.column_config.TextColumn("compute", help="the precision the device computed in, read back from the "
                                                           "compiled model"),
    "Latency ratio": NUMBER("latency ×", format="%.2f×", help="latency / baseline latency (below 1 is quicker)"),
    "Size reduction": NUMBER("smaller by", format="%.2f×", help="baseline size / size"),
    "Accuracy change pts": NUMBER("Δ accuracy pts", format="%+.2f", help="percentage points vs the baseline"),
    "On Pareto front": st.column_config.CheckboxColumn("front"),
    "Within limits": st.column_config.CheckboxColumn("ok"),
    "Baseline": st.column_config.CheckboxColumn("base"),
}
LAYER_COLUMNS = {
    "Time A ms": NUMBER(format="%.4f"), "Time B ms": NUMBER(format="%.4f"), "Diff ms": NUMBER(format="%+.4f"),
    "Ratio B/A": NUMBER(format="%.2f×"),
}


def _pick_results(choices: list[dict[str, Any]]) -> tuple[list[int], int | None]:
    by_id = {c["id"]: c for c in choices}
    models = {c["model_id"]: c["model"] for c in choices if c["model_id"] is not None}
    cols = st.columns([1.2, 3])
    model_ids = [ALL_MODELS, *models]
    model_id = cols[0].selectbox("Model", model_ids, index=1 if len(model_ids) > 1 else 0, key="compare_model",
                                 format_func=lambda m: "all models" if m == ALL_MODELS else models[m])
    offered = [c["id"] for c in choices if model_id == ALL_MODELS or c["model_id"] == model_id]
    if st.session_state.get("_compare_model_seen") != model_id:  # another model: fresh defaults
        st.session_state["_compare_model_seen"] = model_id
        st.session_state["compare_results"] = default_selection(choices, None if model_id == ALL_MODELS else model_id)
    st.session_state["compare_results"] = [i for i in st.session_state.get("compare_results", []) if i in offered]
    selected = cols[1].multiselect("Benchmark results", offered, key="compare_results",
                                   format_func=lambda i: by_id[i]["label"],
                                   help="Variants of one model × devices × settings. Run more on Benchmark & profile.")
    if not selected:
        return [], None
    default = default_baseline(choices, selected)
    if st.session_state.get("compare_baseline") not in selected:
        st.session_state["compare_baseline"] = default
    baseline = st.selectbox("Baseline (ratios refer to it)", selected, key="compare_baseline",
                            format_func=lambda i: by_id[i]["label"])
    return selected, baseline


def _apply_link(choices: list[dict[str, Any]]) -> None:
    """?results=4,5,7&baseline=4: preset the model, the selection and the baseline (before the widgets)."""
    link = links.incoming("compare")
    if not link:
        return
    by_id = {c["id"]: c for c in choices}
    ids, problems = links.parse_ids(link.get("results"), "result")
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        problems.append("No benchmark result " + ", ".join(f"#{i}" for i in unknown) + " is stored.")
    ids = [i for i in ids if i in by_id]
    baseline, problem = links.parse_id(link.get("baseline"), "result")
    problems.append(problem or "")
    if baseline is not None and baseline not in by_id:
        problems.append(f"The baseline #{baseline} is not a stored benchmark result.")
        baseline = None
    if baseline is not None and baseline not in ids:
        ids.insert(0, baseline)
    if ids:
        models = {by_id[i]["model_id"] for i in ids}
        model_id = models.pop() if len(models) == 1 and None not in models else ALL_MODELS
        st.session_state["compare_model"] = model_id
        st.session_state["_compare_model_seen"] = model_id  # the link's selection, not the model's defaults
        st.session_state["compare_results"] = ids
        if baseline is not None:
            st.session_state["compare_baseline"] = baseline
    links.show_problems(problems)


def _limits() -> Limits:
    cols = st.columns([1, 1, 1])
    max_latency = cols[0].number_input("Latency limit (ms)", min_value=0.0, value=None, step=1.0, key="compare_max_latency",
                                       placeholder="none", help="Results above it are never recommended.")
    stat = cols[1].selectbox("… applies to", LATENCY_STATS, key="compare_latency_stat",
                             help="Which latency statistic the limit checks (p90/p99 for tail latency).")
    min_accuracy = cols[2].number_input("Accuracy limit (%)", min_value=0.0, max_value=100.0, value=None, step=0.5,
                                        key="compare_min_accuracy", placeholder="none",
                                        help="In the comparison's accuracy metric; results without a measurement fail it.")
    return Limits(max_latency, min_accuracy / 100 if min_accuracy is not None else None, stat)


def _table(doc: dict[str, Any]) -> None:
    frame = pd.DataFrame(table_records(doc))
    if frame["Model"].nunique() == 1:  # one model: its name in every row only costs width
        frame = frame.drop(columns="Model")
    frame = frame[["Result", "Baseline", "Target", *[c for c in frame.columns if c not in ("Result", "Baseline", "Target")]]]
    st.dataframe(frame, hide_index=True, width="stretch", column_config=TABLE_COLUMNS, key="compare_table")
    sources = [f"#{row['result_id']} {row['precision_key']}: {row['accuracy']['label']} {row['accuracy']['value']:.1%}, "
               f"{row['accuracy']['source']}" + (f" ({row['accuracy']['note']})" if row["accuracy"].get("note") else "")
               for row in doc["rows"] if row["accuracy"]]
    if sources:
        st.caption("Accuracy — " + md_text(" · ".join(sources)))
    with st.expander("Every setting and the commands that reproduce each number"):
        for row in doc["rows"]:
            st.text(f"#{row['result_id']} {row['precision_label']} on {row['where']} — {row['settings']}")
            if row["target"] != "local":
                st.text(f"Measured on target {row['target']}: these commands measure on the machine they run on.")
            st.code("\n".join([*row["commands"]["benchmark"].values(), "# accuracy: " + row["commands"]["accuracy"]]),
                    language="bash")
    st.caption("Machines")
    st.dataframe(pd.DataFrame(machine_table(doc)), hide_index=True, width="stretch", key="compare_machines")


def _charts(doc: dict[str, Any]) -> None:
    cols = st.columns(2)
    cols[0].plotly_chart(fps_bars(doc), key="compare_fps", width="stretch")
    cols[1].plotly_chart(latency_bars(doc), key="compare_latency", width="stretch")
    st.plotly_chart(accuracy_scatter(doc), key="compare_tradeoff", width="stretch")
    st.plotly_chart(latency_distributions(doc), key="compare_distribution", width="stretch")


def _pick_profiles(doc: dict[str, Any] | None) -> tuple[int, int] | None:
    profiles = result_choices("profile")
    if len(profiles) < 2:
        st.info("Per-layer comparison needs two stored profiles (e.g. the FP32 and the INT8 variant): run them on "
                "**Benchmark & profile** (Profile tab) or `python -m core profile VARIANT_ID`.")
        return None
    by_id = {p["id"]: p for p in profiles}
    if doc is not None and st.session_state.get("compare_profile_a") not in by_id:
        rows = {r["result_id"]: r for r in doc["rows"]}
        first = rows[doc["baseline_id"]]["variant_id"]
        second = rows[doc["recommendation"]["result_id"]]["variant_id"] if doc["recommendation"]["result_id"] else None
        a, b = default_profiles(profiles, first, second)
        st.session_state["compare_profile_a"], st.session_state["compare_profile_b"] = a, b
    cols = st.columns(2)
    a = cols[0].selectbox("Profile A (reference)", list(by_id), key="compare_profile_a",
                          format_func=lambda i: by_id[i]["label"])
    b = cols[1].selectbox("Profile B (compared)", list(by_id), key="compare_profile_b",
                          format_func=lambda i: by_id[i]["label"])
    if a == b:
        st.warning("Pick two different profiles.")
        return None
    return a, b


def _layers(layers: dict[str, Any]) -> None:
    a, b = layers["a"], layers["b"]
    cols = st.columns(4)
    cols[0].metric("A: total per inference", f"{layers['total_a_ms']:.3f} ms")
    cols[1].metric("B: total per inference", f"{layers['total_b_ms']:.3f} ms")
    ratio = layers["total_ratio"]
    cols[2].metric("B / A", f"{ratio:.2f}×" if ratio else "–")
    cols[3].metric("Matched layer groups", layers["matched_groups"])
    if a["device"] != b["device"] or a["config"].get("hint") != b["config"].get("hint"):
        st.warning(f"The profiles ran with different settings ({a['device']}, {a['config'].get('hint')} vs "
                   f"{b['device']}, {b['config'].get('hint')}): per-layer times are not like for like.")
    if a.get("compute_precision") != b.get("compute_precision"):
        st.warning(f"The profiles were computed in different precisions ({a.get('compute_precision')} vs "
                   f"{b.get('compute_precision')}): per-layer differences mix what the IR changed with what the "
                   "compute precision changed. Profile both with the same compute precision to compare like for like.")
    st.caption("Runtime layers are matched by the IR layers they cover (INT8 fuses quantizers into the convolutions "
               "and renames kernels, so names alone do not match). Times are per inference, from the profile runs.")
    left, right = st.columns([1, 1.4])
    left.plotly_chart(layer_type_bars(layers), key="compare_layer_types", width="stretch")
    right.markdown("**Per op type** (time per inference, summed over the layers of each side)")
    right.dataframe(pd.DataFrame(type_records(layers)), hide_index=True, width="stretch", column_config=LAYER_COLUMNS)
    for side, profile in (("a", a), ("b", b)):
        names = layers[f"only_{side}_ir_layers"]
        if names:
            st.markdown(f"**IR layers covered only in {side.upper()}** ({md_text(profile['label'])}): "
                        + ", ".join(md_code(n) for n in names[:40]) + (f" … (+{len(names) - 40})" if len(names) > 40 else ""))
    show_all = st.toggle("Show layers that took no time (inputs, outputs)", key="compare_layers_all")
    st.dataframe(pd.DataFrame(layer_records(layers, include_zero=show_all)), hide_index=True, width="stretch",
                 column_config=LAYER_COLUMNS, key="compare_layer_table")
    if a["variant_id"] is not None and b["variant_id"] is not None:
        if st.button("Open the graph of B coloured by time B / time A", key="compare_open_graph"):
            links.open_graph(b["variant_id"], colour="ratio", profile=b["result_id"], baseline=a["result_id"])


def _merge_finished_missing_run() -> None:
    """A missing run that finished joins the selection (before the multiselect is drawn)."""
    job_id = st.session_state.get(MISSING_JOB_KEY)
    merged = st.session_state.setdefault(MERGED_KEY, [])
    if job_id is None or job_id in merged:
        return
    job = get_job(job_id)
    if job is None or not JobState(job.state).finished:
        return
    merged.append(job_id)
    if job.state != "done" or not (job.result or {}).get("id"):
        return  # the job panel says what went wrong
    selection = list(st.session_state.get("compare_results", []))
    if job.result["id"] not in selection:
        st.session_state["compare_results"] = [*selection, int(job.result["id"])]


def _missing_runs(doc: dict[str, Any]) -> None:
    """The runs the comparison lacks to be like for like, each one click away (a real benchmark job)."""
    runs = doc.get("missing_runs") or []
    if runs:
        st.markdown("**Missing runs** — the comparison is like for like once these exist:")
    for index, run in enumerate(runs):
        cols = st.columns([3, 1.2])
        cols[0].text(f"{run['what']} on {run.get('where', run['device'])} ({run['model']} / {run['variant']}): {run['why']}")
        cols[0].code(run["command"], language="bash", wrap_lines=True)
        if cols[1].button(run["label"], key=f"compare_missing_{index}", type="primary"):
            submit_request(job_request(run), MISSING_JOB_KEY)
    if st.session_state.get(MISSING_JOB_KEY) is not None:
        job = job_panel(MISSING_JOB_KEY, show_log=False)
        if job is not None and st.session_state[MISSING_JOB_KEY] not in st.session_state.get(MERGED_KEY, []):
            st.rerun()  # the new result joins the selection at the top of the next run


def _downloads(doc: dict[str, Any]) -> None:
    """Files are built when clicked (the HTML inlines 4.8 MB of plotly.js); a download does not
    rerun the page, so the other buttons stay valid."""
    cols = st.columns(3)
    cols[0].download_button("Report (HTML, opens offline)", data=lambda: to_html(doc), file_name="comparison.html",
                            mime="text/html", key="compare_download_html", type="primary", on_click="ignore")
    cols[1].download_button("Table (CSV)", data=lambda: to_csv(doc), file_name="comparison.csv", mime="text/csv",
                            key="compare_download_csv", on_click="ignore")
    cols[2].download_button("Everything (JSON)", data=lambda: to_json(doc), file_name="comparison.json",
                            mime="application/json", key="compare_download_json", on_click="ignore")


choices = result_choices("benchmark")
if not choices:
    st.info("No benchmark results yet. Benchmark a variant on **Benchmark & profile** (or `python -m core benchmark "
            "VARIANT_ID`); make FP16/INT8 variants on **Optimize precision** to have something to compare.")
    st.stop()

_merge_finished_missing_run()
_apply_link(choices)
selected, baseline = _pick_results(choices)
links.publish("compare", results=selected, baseline=baseline if selected else None)
limits = _limits()
doc: dict[str, Any] | None = None
if not selected:
    st.info("Pick one or more benchmark results above.")
else:
    try:
        doc = build_comparison(selected, baseline, limits)
    except UserError as exc:
        show_error(exc)

if doc is not None:
    st.success(f"**Recommendation** ({md_text(doc['limits']['text'])}): {md_text(doc['recommendation']['text'])}")
    for warning in doc["warnings"]:
        st.warning(md_text(warning))
    for summary in doc["compute_summaries"]:
        st.caption(md_text(summary))
    _missing_runs(doc)
    _table(doc)
    _charts(doc)

st.subheader("Per layer: where the difference comes from")
profile_pair = _pick_profiles(doc)
if profile_pair is not None:
    try:
        layers_doc = layers_of(profile_pair)
        _layers(layers_doc)
        if doc is not None:
            doc = {**doc, "layers": layers_doc}
    except UserError as exc:
        show_error(exc)

if doc is not None:
    st.subheader("Share")
    st.caption("The HTML report holds the table, the interactive charts (plotly.js inlined: no network needed), the "
               "machine and versions, every setting and the command behind each number.")
    _downloads(doc)
