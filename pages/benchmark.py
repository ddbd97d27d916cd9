"""Benchmark & profile: FPS and latency per device and configuration, group runs, per-layer time.

A thin view: settings are checked and measured by `core.benchmark` in jobs (one device at a
time, host-wide); this page only collects settings, follows the jobs and draws stored results.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from core.benchmark import get_result, list_results
from core.benchmark.charts import (
    latency_histogram_figure,
    repeats_figure,
    sweep_figure,
    time_by_precision_figure,
    time_by_type_figure,
    top_layers_figure,
)
from core.benchmark.hygiene import noisy_text
from core.benchmark.profile_summary import layers_csv
from core.benchmark.requests import BenchmarkRequest, ProfileRequest, SweepRequest
from core.benchmark.results import result_label
from core.benchmark.settings import BenchmarkSettings, InputSource
from core.datasets.catalog import list_datasets
from core.errors import UserError
from core.precision import compute_choices
from core.requests import Option
from core.targets import LOCAL_NAME
from pages.ui import links, machines
from pages.ui.forms import option_widget
from pages.ui.devices import device_cards
from pages.ui.frame import page_setup
from pages.ui.jobs import job_panel, show_error, submit_request
from pages.ui.pickers import pick_variant
from pages.ui.text import md_text, plural

page_setup(
    "Benchmark & profile",
    "Throughput and latency measured like OpenVINO's benchmark_app, repeated to show the noise; "
    "group runs to find the best configuration under a latency limit; per-layer time in a separate run.",
)

JOB_KEYS = {"benchmark": "bench_job", "sweep": "bench_sweep_job", "profile": "bench_profile_job"}
FORM_KEYS = {"benchmark": "bench-form", "sweep": "sweep-form", "profile": "profile-form"}
SUBMIT_LABELS = {"benchmark": "Run benchmark", "sweep": "Run group", "profile": "Profile"}
VIEW_KEY = "bench_view_result"
TARGET_KEY = "bench_target"  # one machine for every form of the page: their device lists follow it
# Where each setting sits in the form (four columns a row); a setting not listed gets a row at the end.
FORM_ROWS = (
    ("device", "hint", "api"),
    ("nstreams", "nireq", "batch", "nthreads"),
    ("batches", "nstreams_values", "nireq_values", "latency_limit_ms"),
    ("infer_precision", "duration_s", "iterations", "repeats"),
    ("cache", "input"),
)
RESULTS_TAB = "Stored results"
LINKED_TAB = "_bench_link_tab"  # a ?result= link opens the stored results (kept: tabs are keyed by it)


def pick_target() -> tuple[str, dict[str, Any]]:
    """The machine every form of the page measures on, and its devices (pages/ui/machines.py)."""
    return machines.pick_target(BenchmarkRequest.option("target").info, TARGET_KEY)


def device_choices(overview: dict[str, Any]) -> list[str]:
    present = [d["device"] for d in overview["devices"]]
    joined = ",".join(present)
    return [*present, "AUTO", f"AUTO:{joined}", f"MULTI:{joined}", f"HETERO:{joined}"]


def show_devices(overview: dict[str, Any]) -> None:
    device_cards(overview["devices"])
    st.markdown("**Virtual devices**")
    st.dataframe(
        pd.DataFrame([{"Device": v["device"], "What it does": v["what"], "Note here": v["why"] or "usable",
                       "Properties": ", ".join(f"{k}={val}" for k, val in (v.get("properties") or {}).items())}
                      for v in overview["virtual"]]),
        hide_index=True, width="stretch",
    )
    for absent in overview["absent"]:
        st.caption(f"**{absent['device']}** not available: {absent['why']}")


def compute_precision_words(overview: dict[str, Any]) -> dict[str, str]:
    """Form choices: the device default (named), f32, and what present devices have natively."""
    words: dict[str, str] = {}
    for device in overview["devices"]:
        for value, text in compute_choices(device["device"], device.get("compute")):
            if value == "default" and len(overview["devices"]) > 1:
                text = "device default (" + ", ".join(
                    f"{d['device']}: {(d.get('compute') or {}).get('default') or '?'}" for d in overview["devices"]) + ")"
            words.setdefault(value, text)
    return words or {"default": "device default", "f32": "f32 (exact)"}


def overview_compute_lines(overview: dict[str, Any]) -> list[str]:
    return [d["compute_summary"] for d in overview["devices"] if d.get("compute_summary")]


def show_noise_and_notes(result: Any) -> None:
    noise = noisy_text(result.metrics)
    if noise:
        st.warning(f"Noisy result — {noise[len('noisy: '):]}. The number is kept, but do not compare it closely; "
                   "run again on a quiet machine.")
    for note in (result.metrics or {}).get("notes") or []:
        st.info(md_text(note))


def input_choices() -> dict[str, str]:
    """Random data, or one of the workspace's datasets (its id, as the CLI's --input takes it)."""
    choices = {InputSource.RANDOM.value: "random data (like benchmark_app)"}
    choices.update({str(d.id): f"dataset #{d.id}: {d.name}" for d in list_datasets()})
    return choices


def setting_widget(opt: Option, key: str, column: Any, overview: dict[str, Any]) -> Any:
    """One setting's widget: from its declaration, with the lists only this page knows (devices
    present, compute precisions they have natively, datasets) where the setting needs one."""
    widget_key = f"{key}_{opt.name}"
    if opt.name == "device":
        devices = device_choices(overview)
        index = devices.index(opt.default) if opt.default in devices else 0
        return column.selectbox(opt.info.label, devices, index=index, key=widget_key, help=opt.info.help)
    if opt.name == "infer_precision":
        words = compute_precision_words(overview)
        return column.selectbox(opt.info.label, list(words), format_func=words.get, key=widget_key, help=opt.info.help)
    if opt.name == "input":
        choices = input_choices()
        return column.selectbox(opt.info.label, list(choices), format_func=choices.get, key=widget_key,
                                help=opt.info.help)
    return option_widget(opt, widget_key, container=column)


def settings_form(kind: str, request_type: type[BenchmarkSettings], overview: dict[str, Any]) -> dict[str, Any] | None:
    """The request's page settings laid out in FORM_ROWS; the submitted values (None until submitted)."""
    key = FORM_KEYS[kind]
    names = [opt.name for opt in request_type.options() if opt.info.page and opt.name != "target"]  # picked above
    rows = [[name for name in row if name in names] for row in FORM_ROWS]
    rows.append([name for name in names if not any(name in row for row in rows)])
    values: dict[str, Any] = {}
    with st.form(key):
        for row in filter(None, rows):
            for column, name in zip(st.columns(4), row):
                values[name] = setting_widget(request_type.option(name), key, column, overview)
        st.caption(" · ".join(overview_compute_lines(overview)))
        submitted = st.form_submit_button(SUBMIT_LABELS[kind], type="primary")
    return values if submitted else None


def submit(kind: str, request_type: type[BenchmarkSettings], values: dict[str, Any], variant: Any, target: str) -> None:
    """Form values -> the request (0 in an optional number: not given) -> checked once -> its job."""
    given = {name: None if value == 0 and request_type.option(name).optional else value for name, value in values.items()}
    try:
        request = request_type(**given, variant_id=variant.id, target=target)
    except UserError as exc:
        show_error(exc)
        return
    if submit_request(request, JOB_KEYS[kind]) is not None:
        st.session_state.pop(VIEW_KEY, None)


def where_measured(result: Any) -> str:
    """The device, and the target machine when another machine measured it."""
    target = (result.machine or {}).get("target")
    return f"{result.device} on {target}" if target else str(result.device)


def fmt(value: float | None, digits: int = 2, unit: str = "") -> str:
    return "—" if value is None else f"{value:,.{digits}f}{unit}"


def show_benchmark(result: Any, scope: str) -> None:
    metrics, config = result.metrics, result.config
    latency = metrics["latency_ms"]
    st.markdown(f"**Result #{result.id}** · {md_text(where_measured(result))} · hint {config.get('hint')} · "
                f"{metrics.get('nstreams_actual') or '-'} streams · {metrics.get('nireq_actual')} requests · "
                f"batch {metrics.get('batch_actual', config.get('batch') or 1)} · "
                f"{metrics['iterations']} inferences in {metrics['duration_s']:.1f} s")
    st.markdown(f"**{result_label(result)}**" + runtime_words(metrics))
    show_noise_and_notes(result)
    cols = st.columns(4)
    std = metrics.get("throughput_fps_std") or 0.0
    cols[0].metric("Throughput", f"{metrics['throughput_fps']:,.2f} FPS",
                   help=f"{result_label(result)}; mean of {plural(len(metrics.get('repeats') or []), 'run')} ± {std:,.2f} (std)")
    cols[0].caption(f"± {std:,.2f} FPS over {plural(len(metrics.get('repeats') or []), 'run')}")
    cols[1].metric("Median latency", fmt(latency["median"], 3, " ms"))
    cols[1].caption(f"p90 {fmt(latency['p90'], 3)} · p99 {fmt(latency['p99'], 3)} ms")
    cols[2].metric("First inference", fmt(metrics.get("first_inference_ms"), 1, " ms"),
                   help="the warm-up inference, excluded from the figures")
    cols[2].caption(f"read {fmt(metrics.get('read_ms'), 0)} ms · compile {fmt(metrics.get('compile_ms'), 0)} ms")
    cols[3].metric("Peak memory", fmt(metrics.get("peak_rss_mb"), 0, " MB"), help="peak resident memory of the process")
    st.dataframe(pd.DataFrame([{"min": latency["min"], "median": latency["median"], "avg": latency["avg"],
                                "p90": latency["p90"], "p99": latency["p99"], "max": latency["max"]}]),
                 hide_index=True, width="stretch",
                 column_config={k: st.column_config.NumberColumn(f"{k} (ms)", format="%.3f")
                                for k in ("min", "median", "avg", "p90", "p99", "max")})
    left, right = st.columns([3, 2])
    left.plotly_chart(latency_histogram_figure(metrics), width="stretch", key=f"{scope}-hist-{result.id}")
    right.plotly_chart(repeats_figure(metrics), width="stretch", key=f"{scope}-repeats-{result.id}")
    with st.expander("Configuration and machine"):
        st.json({"config": config, "compile_config": metrics.get("compile_config"),
                 "execution_devices": metrics.get("execution_devices"),
                 "compute_precision": metrics.get("compute_precision"),
                 "inference_precision": metrics.get("inference_precision"),
                 "runtime_precisions": metrics.get("runtime_precisions"),
                 "machine_load": metrics.get("machine_load"), "noisy": metrics.get("noisy"),
                 "machine": result.machine})


def runtime_words(metrics: dict[str, Any]) -> str:
    """" — executed layers: f32 215, bf16 56" (what the runtime model says ran), or ""."""
    counts = metrics.get("runtime_precisions") or {}
    if not counts:
        return ""
    return " — executed layers: " + ", ".join(f"{p} {n}" for p, n in counts.items())


def show_sweep(result: Any, scope: str) -> None:
    metrics = result.metrics
    st.markdown(f"**Group run #{result.id}** · {md_text(where_measured(result))} · {result_label(result)}")
    noisy_points = [i + 1 for i, p in enumerate(metrics["points"]) if p.get("noisy")]
    if noisy_points:
        st.warning(f"Noisy points: {', '.join(map(str, noisy_points))} (see the noisy_reasons column).")
    spot, limit = metrics.get("sweet_spot"), metrics.get("latency_limit_ms")
    if spot:
        st.success(f"Sweet spot: batch {spot['batch']}, {spot.get('nstreams_actual') or '-'} streams, "
                   f"{spot.get('nireq_actual')} requests — {spot['throughput_fps']:,.1f} FPS at "
                   f"{spot['latency_median_ms']:.2f} ms median latency"
                   + (f" (limit {limit:g} ms)" if limit else ""))
    else:
        st.warning(f"No configuration stays within {limit:g} ms median latency." if limit else "No points.")
    st.plotly_chart(sweep_figure(metrics), width="stretch", key=f"{scope}-sweep-{result.id}")
    st.dataframe(pd.DataFrame(metrics["points"]), hide_index=True, width="stretch",
                 column_config={"throughput_fps": st.column_config.NumberColumn("FPS", format="%.2f"),
                                "latency_median_ms": st.column_config.NumberColumn("median ms", format="%.3f"),
                                "latency_p90_ms": st.column_config.NumberColumn("p90 ms", format="%.3f"),
                                "latency_p99_ms": st.column_config.NumberColumn("p99 ms", format="%.3f")})


def show_profile(result: Any, scope: str) -> None:
    metrics = result.metrics
    summary = metrics["summary"]
    st.markdown(f"**Profile #{result.id}** · {md_text(where_measured(result))} · {metrics.get('iterations')} inferences with counters · "
                f"{summary['total_ms']:.3f} ms per inference in {summary['status_counts'].get('executed', 0)} kernels")
    st.markdown(f"**{result_label(result)}**" + runtime_words(metrics))
    total = metrics.get("total") or {}
    if len(total.get("runs_ms") or []) > 1:
        st.caption(f"{len(total['runs_ms'])} runs: total median {total['median_ms']:.3f} ms, "
                   f"{total['min_ms']:.3f}–{total['max_ms']:.3f} ms (spread {total['spread']:.0%}); each layer shows "
                   f"its median, and {summary.get('unstable_layers', 0)} of them "
                   f"{'is' if summary.get('unstable_layers', 0) == 1 else 'are'} flagged unstable "
                   "(≥ 2% of the time and runs differing by more than half the median).")
    else:
        st.caption("One run only: no spread is known. Profile with 3 or more runs to see how stable the times are.")
    show_noise_and_notes(result)
    for hint in summary["hints"]:
        st.warning(hint)
    if not summary["hints"] and not noisy_text(metrics):
        st.info("Nothing unusual: no rule of thumb flags this profile.")
    c1, c2 = st.columns([3, 2])
    c1.plotly_chart(time_by_type_figure(summary), width="stretch", key=f"{scope}-types-{result.id}")
    c2.plotly_chart(time_by_precision_figure(summary), width="stretch", key=f"{scope}-prec-{result.id}")
    st.plotly_chart(top_layers_figure(summary), width="stretch", key=f"{scope}-top-{result.id}")
    if summary["transitions"]:
        st.markdown("**Precision transitions** (kernels that turn one precision into another)")
        st.dataframe(pd.DataFrame([{**t, "types": ", ".join(t["types"])} for t in summary["transitions"]]),
                     hide_index=True, width="stretch")

    st.markdown("**Every layer** — click a column to sort; filter below")
    layers = pd.DataFrame(metrics["layers"])
    layers["original_layers"] = layers["original_layers"].map(lambda names: ", ".join(names or []))
    f1, f2, f3 = st.columns([2, 2, 2])
    text = f1.text_input("Name or original layer contains", key=f"{scope}-filter-text-{result.id}")
    types = f2.multiselect("Types", sorted(layers["type"].unique()), key=f"{scope}-filter-types-{result.id}")
    statuses = f3.multiselect("Status", sorted(layers["status"].unique()), default=["executed"],
                              key=f"{scope}-filter-status-{result.id}")
    shown = layers
    if text:
        mask = shown["name"].str.contains(text, case=False, regex=False) | shown["original_layers"].str.contains(
            text, case=False, regex=False)
        shown = shown[mask]
    if types:
        shown = shown[shown["type"].isin(types)]
    if statuses:
        shown = shown[shown["status"].isin(statuses)]
    columns = ["exec_order", "name", "type", "exec_type", "precision", "status", "real_ms", "cpu_ms", "original_layers"]
    columns[7:7] = [c for c in ("real_ms_min", "real_ms_max", "spread", "unstable") if c in shown.columns]
    st.dataframe(shown[columns], hide_index=True, width="stretch",
                 column_config={"real_ms": st.column_config.NumberColumn("real ms (median)", format="%.4f"),
                                "real_ms_min": st.column_config.NumberColumn("min ms", format="%.4f"),
                                "real_ms_max": st.column_config.NumberColumn("max ms", format="%.4f"),
                                "spread": st.column_config.NumberColumn("spread", format="percent",
                                                                        help="(max - min) / median over the runs"),
                                "cpu_ms": st.column_config.NumberColumn("cpu ms", format="%.4f"),
                                "exec_order": st.column_config.NumberColumn("order")})
    st.caption(f"{len(shown)} of {len(layers)} layers shown")
    st.download_button("Download all layers as CSV", data=lambda: layers_csv(metrics["layers"]),
                       file_name=f"profile-{result.id}.csv", mime="text/csv", key=f"{scope}-csv-{result.id}")


def show_result(result_id: int, scope: str) -> None:
    """Draw a stored result; `scope` keeps widget keys unique when two tabs show the same one."""
    try:
        result = get_result(result_id)
    except UserError as exc:
        show_error(exc)
        return
    {"benchmark": show_benchmark, "sweep": show_sweep, "profile": show_profile}[result.kind](result, scope)


def follow(kind: str) -> None:
    """The job panel of `kind`; when it finished, its stored result."""
    job = job_panel(JOB_KEYS[kind])
    if job is not None and job.state == "done" and job.result and job.result.get("id"):
        show_result(int(job.result["id"]), kind)


link = links.incoming("benchmark")  # ?variant=3&result=9
link_problems = links.apply_variant(link, "bench-variant")
link_result, problem = links.parse_id(link.get("result"), "result")
link_problems.append(problem or "")
if link_result is not None:
    try:
        linked = get_result(link_result)
        if linked.variant_id is not None:
            links.preset_variant(linked.variant_id, "bench-variant")
        st.session_state[VIEW_KEY] = link_result
        st.session_state.pop("bench-result-pick", None)
        st.session_state[LINKED_TAB] = RESULTS_TAB
    except UserError:
        link_problems.append(f"There is no stored result #{link_result}.")
links.show_problems(link_problems)

variant = pick_variant("Model variant to measure", key="bench-variant")
target, overview = pick_target()
tab_bench, tab_sweep, tab_profile, tab_results, tab_devices = st.tabs(
    ["Benchmark", "Group run", "Per-layer profile", RESULTS_TAB, "Devices"], default=st.session_state.get(LINKED_TAB))
shown_result: int | None = None

with tab_devices:
    show_devices(overview)

with tab_bench:
    values = settings_form("benchmark", BenchmarkRequest, overview)
    if values is not None and variant is not None:
        submit("benchmark", BenchmarkRequest, values, variant, target)
    follow("benchmark")

with tab_sweep:
    st.caption("Every point is a full benchmark (stored on its own). Streams are set explicitly, so the hint is "
               "not used for those points. The sweet spot is the highest throughput whose median latency is "
               "within the limit.")
    values = settings_form("sweep", SweepRequest, overview)
    if values is not None and variant is not None:
        submit("sweep", SweepRequest, values, variant, target)
    follow("sweep")

with tab_profile:
    st.caption("A separate run with performance counters on (counters cost time, so they never touch the FPS "
               "figures). Each kernel lists the original IR layers fused into it.")
    values = settings_form("profile", ProfileRequest, overview)
    if values is not None and variant is not None:
        submit("profile", ProfileRequest, values, variant, target)
    follow("profile")

with tab_results:
    rows = list_results(variant_id=variant.id if variant is not None else None, limit=200)
    if not rows:
        st.info("No stored results for this variant yet.")
    else:
        table = pd.DataFrame([
            {
                "id": r.id, "kind": r.kind, "target": (r.machine or {}).get("target", LOCAL_NAME), "device": r.device,
                "precision": result_label(r),
                "noisy": ("⚠ " + noisy_text(r.metrics)[len("noisy: "):]) if noisy_text(r.metrics) else "", "hint": (r.config or {}).get("hint"),
                "batch": (r.metrics or {}).get("batch_actual"), "FPS": (r.metrics or {}).get("throughput_fps"),
                "± std": (r.metrics or {}).get("throughput_fps_std"),
                "median ms": ((r.metrics or {}).get("latency_ms") or {}).get("median"),
                "total ms (profile)": (r.metrics or {}).get("total_ms") if r.kind == "profile" else None,
                "OpenVINO": (r.machine or {}).get("openvino"), "when": r.created_at,
            }
            for r in rows
        ])
        event = st.dataframe(table, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                             key="bench-results-table",
                             column_config={"FPS": st.column_config.NumberColumn(format="%.2f"),
                                            "± std": st.column_config.NumberColumn(format="%.2f"),
                                            "median ms": st.column_config.NumberColumn(format="%.3f")})
        selected = event.selection.rows if event is not None else []
        if selected:
            st.session_state[VIEW_KEY] = int(table.iloc[selected[0]]["id"])
        chosen = st.selectbox("Show result", [int(i) for i in table["id"]], key="bench-result-pick",
                              index=[int(i) for i in table["id"]].index(st.session_state[VIEW_KEY])
                              if st.session_state.get(VIEW_KEY) in set(int(i) for i in table["id"]) else 0,
                              format_func=lambda i: f"#{i} · {table.set_index('id').loc[i, 'kind']} · "
                                                    f"{table.set_index('id').loc[i, 'precision']}")
        show_result(chosen, "stored")
        if st.session_state.get(VIEW_KEY) is not None or chosen != int(table["id"].iloc[0]):  # picked, or linked
            st.session_state[VIEW_KEY] = chosen
            shown_result = chosen

links.publish("benchmark", variant=variant.id if variant is not None else None, result=shown_result)
