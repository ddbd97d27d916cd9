"""Home: what this machine offers, what the workspace holds, what ran recently."""

from __future__ import annotations

import streamlit as st

from core.jobs import list_jobs
from core.system_info import system_info
from core.variants import list_models
from pages.ui.devices import device_cards
from pages.ui.frame import page_setup
from pages.ui.jobs import jobs_table
from pages.ui.text import md_text, plural

page_setup("OV Workbench", "Import a model, choose its precision, see its graph, measure it on every device, compare.")


@st.cache_data(ttl=600, show_spinner="Asking OpenVINO which devices this machine has…")
def cached_system_info() -> dict:
    return system_info()


def machine(info: dict) -> None:
    """Versions, the CPU, and a card per inference device (virtual and absent ones in a line)."""
    versions = info["versions"]
    cols = st.columns(4)
    cols[0].metric("OpenVINO", versions["openvino"] or "missing")
    cols[1].metric("NNCF", versions["nncf"] or "missing")
    cols[2].metric("CPU", info["machine"]["cpu"], help=f"{info['machine']['cpu_count']} logical cores")
    cols[3].metric("PyTorch frontend", versions["torch"] or "not installed", help="Optional: install torch to import PyTorch models")

    st.subheader("Inference devices")
    device_cards(info["devices"])
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


machine(cached_system_info())
workspace_overview()
