"""Home: what this machine offers, what the workspace holds, what ran recently."""

from __future__ import annotations

import streamlit as st

from core.jobs import list_jobs
from core.devices import range_text
from core.system_info import system_info
from core.variants import list_models
from pages.ui.frame import page_setup
from pages.ui.jobs import jobs_table
from pages.ui.text import md_text, plural

page_setup("OV Workbench", "Import a model, choose its precision, see its graph, measure it on every device, compare.")


@st.cache_data(ttl=600, show_spinner="Asking OpenVINO which devices this machine has…")
def cached_system_info() -> dict:
    return system_info()


info = cached_system_info()
versions = info["versions"]
cols = st.columns(4)
cols[0].metric("OpenVINO", versions["openvino"] or "missing")
cols[1].metric("NNCF", versions["nncf"] or "missing")
cols[2].metric("CPU", info["machine"]["cpu"], help=f"{info['machine']['cpu_count']} logical cores")
cols[3].metric("PyTorch frontend", versions["torch"] or "not installed", help="Optional: install torch to import PyTorch models")

st.subheader("Inference devices")
for device in info["devices"]:
    props = device["properties"]
    with st.container(border=True):
        st.markdown(f"**{device['device']}** — {device['full_name']}")
        c1, c2, c3 = st.columns(3)
        c1.markdown("Capabilities: " + ", ".join(f"`{c}`" for c in device["capabilities"]))
        if "RANGE_FOR_STREAMS" in props:
            c2.markdown(range_text("Streams", props["RANGE_FOR_STREAMS"]))
        if "RANGE_FOR_ASYNC_INFER_REQUESTS" in props:
            c3.markdown(range_text("Async requests", props["RANGE_FOR_ASYNC_INFER_REQUESTS"]))
        compute = device.get("compute") or {}
        if compute:
            st.markdown(
                "Compute precision: native "
                + (", ".join(f"`{p}`" for p in compute["native"]) or "none reported")
                + f" · default `{compute['default'] or 'not reported'}`"
            )
            st.caption(device["compute_summary"])
        with st.expander("All properties"):
            st.json(props)
for absent in info["absent_devices"]:
    st.caption(f"{absent['device']}: {absent['why']}")
st.caption(
    "Virtual devices: "
    + "; ".join(f"**{v['device']}** {v['what']}" for v in info["virtual_devices"])
)


@st.fragment(run_every=2.0)
def workspace_overview() -> None:
    st.subheader("Models in the workspace")
    models = list_models()
    if not models:
        st.info("No models yet. The first-run sample is being prepared — or import your own on **Import & convert**.")
    for model in models:
        with st.container(border=True):
            total_mb = sum(v.size_bytes for v in model.variants) / 1e6
            st.markdown(
                f"**{md_text(model.name)}** · {model.source_format.upper()} · {md_text(model.task or 'task unknown')}"
                f" · {plural(len(model.variants), 'variant')}, {total_mb:.1f} MB"
            )
            st.markdown(
                " ".join(
                    f":blue-badge[{v.precision} ({v.method})]" if v.parent_id is None
                    else f":green-badge[{v.precision} ({v.method}) from #{v.parent_id}]"
                    for v in model.variants
                )
                or "no variants yet"
            )

    st.subheader("Recent jobs")
    jobs = list_jobs(limit=10)
    if not jobs:
        st.caption("No jobs yet.")
    else:
        jobs_table(jobs)
        st.page_link("pages/jobs.py", label="All jobs, logs and cancel →")


workspace_overview()
